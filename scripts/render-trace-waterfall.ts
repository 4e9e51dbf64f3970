/**
 * Regenerates docs/images/trace-waterfall.png: runs the telemetry e2e scenario (HTTP -> AmqpPublisher
 * -> @QueueConsumer -> ClientAMQP.send -> @MessagePattern -> reply, spans from the OpenTelemetry SDK's
 * in-memory exporter) against AMQP_URL, draws its trace as a waterfall (SVG), and screenshots that
 * to PNG with headless Chromium (`apt-get install -y chromium`; CHROMIUM names another binary).
 *
 *   npx tsx scripts/render-trace-waterfall.ts
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface SpanRecord {
  name: string;
  kind: number;
  spanId: string;
  parentSpanId: string | undefined;
  links: string[];
  attributes: Record<string, unknown>;
  scope: string;
  start: number;
  end: number;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scenario = join(root, 'test/e2e/telemetry/scenarios/trace-chain.scenario.ts');
const out = execFileSync(process.execPath, ['--import', 'tsx', scenario], {
  cwd: root,
  env: { ...process.env, OTEL_SCENARIO_PREFIX: 'shop' },
  encoding: 'utf8',
  maxBuffer: 16 * 1024 * 1024,
});
const line = out.split('\n').find((text) => text.startsWith('{"phase":"order 1"'));
if (line === undefined) throw new Error('the scenario printed no trace');
const spans = (JSON.parse(line) as { spans: SpanRecord[] }).spans;

// Depth-first from the root, children by start time.
const byParent = new Map<string | undefined, SpanRecord[]>();
for (const span of spans) {
  const parent = spans.some((other) => other.spanId === span.parentSpanId) ? span.parentSpanId : undefined;
  byParent.set(parent, [...(byParent.get(parent) ?? []), span]);
}
const rows: Array<{ span: SpanRecord; depth: number }> = [];
const visit = (parent: string | undefined, depth: number): void => {
  for (const span of (byParent.get(parent) ?? []).sort((a, b) => a.start - b.start)) {
    rows.push({ span, depth });
    visit(span.spanId, depth + 1);
  }
};
visit(undefined, 0);

const KIND = ['internal', 'server', 'client', 'producer', 'consumer'];
const t0 = Math.min(...spans.map((span) => span.start));
const t1 = Math.max(...spans.map((span) => span.end));
const width = 1100;
const labelWidth = 470;
const barWidth = width - labelWidth - 110;
const rowHeight = 30;
const top = 70;
const height = top + rows.length * rowHeight + 40;
const x = (t: number): number => labelWidth + ((t - t0) / Math.max(1, t1 - t0)) * barWidth;
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const rowOf = new Map(rows.map((row, index) => [row.span.spanId, index]));

const parts: string[] = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">`,
  `<rect width="100%" height="100%" fill="#ffffff"/>`,
  `<text x="16" y="28" font-size="17" font-weight="bold">One order, one trace</text>`,
  `<text x="16" y="50" fill="#555">GET /order/1 -> AmqpPublisher.sendToQueue -> @QueueConsumer -> ClientAMQP.send('sum') -> @MessagePattern('sum') -> reply   (total ${((t1 - t0) / 1000).toFixed(1)} ms)</text>`,
];
rows.forEach(({ span, depth }, index) => {
  const y = top + index * rowHeight;
  const ours = span.scope === 'nestjs-amqp-transport';
  const color = ours ? (span.kind === 3 ? '#e8833a' : span.kind === 2 ? '#8e5bd1' : '#3a7be8') : '#7a8a99';
  if (index % 2 === 0) parts.push(`<rect x="0" y="${y}" width="${width}" height="${rowHeight}" fill="#f5f7fa"/>`);
  const pattern = span.attributes['messaging.nestjs.pattern'];
  const label = `${span.name}${pattern === undefined ? '' : ` [${String(pattern)}]`}`;
  parts.push(`<text x="${16 + depth * 18}" y="${y + 19}">${escape(label)} <tspan fill="#888">${KIND[span.kind] ?? ''}</tspan></text>`);
  const left = x(span.start);
  const barEnd = Math.max(left + 2, x(span.end));
  parts.push(`<rect x="${left.toFixed(1)}" y="${y + 7}" width="${(barEnd - left).toFixed(1)}" height="${rowHeight - 14}" rx="3" fill="${color}"/>`);
  parts.push(`<text x="${(barEnd + 6).toFixed(1)}" y="${y + 19}" fill="#444">${((span.end - span.start) / 1000).toFixed(2)} ms</text>`);
  for (const link of span.links) {
    const from = rowOf.get(link);
    if (from === undefined) continue;
    const yFrom = top + from * rowHeight + rowHeight / 2;
    parts.push(`<path d="M ${labelWidth - 12} ${yFrom} C ${labelWidth - 40} ${yFrom}, ${labelWidth - 40} ${y + rowHeight / 2}, ${labelWidth - 12} ${y + rowHeight / 2}" stroke="#d14b4b" stroke-dasharray="4 3" fill="none"/>`);
    parts.push(`<text x="${labelWidth - 100}" y="${(yFrom + y + rowHeight / 2) / 2 + 4}" fill="#d14b4b" font-size="11">link</text>`);
  }
});
parts.push(`<text x="16" y="${height - 14}" fill="#888" font-size="11">grey: @opentelemetry/instrumentation-http   orange: publish   blue: process   purple: RPC client   dashed: span link</text>`);
parts.push('</svg>');

const svg = join(root, 'docs/images/trace-waterfall.svg');
writeFileSync(svg, parts.join('\n'));
execFileSync(process.env['CHROMIUM'] ?? 'chromium', [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--hide-scrollbars',
  `--window-size=${width},${height}`,
  `--screenshot=${join(root, 'docs/images/trace-waterfall.png')}`,
  `file://${svg}`,
], { stdio: 'ignore' });
console.log(`wrote docs/images/trace-waterfall.svg and .png (${rows.length} spans)`);
