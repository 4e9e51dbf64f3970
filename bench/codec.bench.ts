/**
 * Codec microbenchmark: this codec against amqplib's, side by side in one run.
 *
 *   encode: basic.publish + content header + body frame(s), as a publisher sends them
 *   decode: basic.deliver + content header + body frame(s) from one chunk, as a consumer receives them
 *
 * Bodies of 16 B and 64 KiB, frame_max 131072. Each case runs in alternating rounds (ours, theirs,
 * ours, ...) so both see the same machine state; the table shows the median round in messages and
 * frames per second, and the median of the per-round ratios (robust to load changing between rounds). Run: `npm run bench:codec` (BENCH_ROUNDS / BENCH_ROUND_MS tune it).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { median } from './support/median.js';
import {
  FrameParser,
  encodeBasicPublish,
  encodeBasicPublishVectored,
  encodeContentFrames,
  type AnyMethod,
  type BasicProperties,
  type FrameHandler,
} from '../lib/protocol/codec/index.js';

const require = createRequire(import.meta.url);
// amqplib 2.x keeps its codec behind the exports map: load the files by path
const amqplibDir = path.dirname(require.resolve('amqplib'));
const defs = require(path.join(amqplibDir, 'lib/defs.js'));
const frame = require(path.join(amqplibDir, 'lib/frame.js'));

const FRAME_MAX = 131072;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 250);

const EXCHANGE = 'bench.exchange';
const ROUTING_KEY = 'orders.created.eu';
const CONSUMER_TAG = 'amq.ctag-7hX3dN1q0eFfR2wq9lYk0A';
const PROPS: BasicProperties = {
  contentType: 'application/json',
  deliveryMode: 2,
  correlationId: '7d0e6c1a-3f1b-4e55-9c0d-2b8f0f6a9e11',
  messageId: 'msg-000042',
  timestamp: 1764150000,
};

let sink = 0;

/** Operations per second of `fn` over roughly `ms` milliseconds. */
function measure(fn: () => void, ms: number): number {
  let n = 0;
  let batch = 64;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    elapsed = process.hrtime.bigint() - start;
    if (batch < 65536 && elapsed < limit / 10n) batch *= 2;
  }
  return n / (Number(elapsed) / 1e9);
}


interface Case {
  name: string;
  frames: number;
  ours: () => void;
  theirs: () => void;
}

function encodeCases(bodySize: number, vectored = false): Case {
  const body = Buffer.alloc(bodySize, 0x61);
  const frames = 2 + Math.ceil(bodySize / (FRAME_MAX - 8));
  // amqplib's Connection.sendMessage: method + properties frames, then body frames (one buffer when small)
  const theirs = (): void => {
    const m = defs.encodeMethod(defs.BasicPublish, 1, {
      exchange: EXCHANGE,
      routingKey: ROUTING_KEY,
      mandatory: false,
      immediate: false,
      ticket: 0,
    });
    const p = defs.encodeProperties(defs.BasicProperties, 1, body.length, PROPS);
    const headLen = m.length + p.length;
    if (headLen + body.length + 8 < 2048) {
      const all = Buffer.allocUnsafe(headLen + body.length + 8);
      let o = m.copy(all, 0);
      o += p.copy(all, o);
      frame.makeBodyFrame(1, body).copy(all, o);
      sink += all.length;
    } else {
      const both = Buffer.allocUnsafe(headLen);
      p.copy(both, m.copy(both, 0));
      sink += both.length;
      for (let at = 0; at < body.length; at += FRAME_MAX - 8) {
        sink += frame.makeBodyFrame(1, body.subarray(at, Math.min(body.length, at + FRAME_MAX - 8))).length;
      }
    }
  };
  const ours = vectored
    ? (): void => {
        const parts = encodeBasicPublishVectored(1, EXCHANGE, ROUTING_KEY, false, PROPS, body, FRAME_MAX);
        for (let i = 0; i < parts.length; i++) sink += (parts[i] as Buffer).length;
      }
    : (): void => {
        sink += encodeBasicPublish(1, EXCHANGE, ROUTING_KEY, false, PROPS, body, FRAME_MAX).length;
      };
  return { name: `encode publish ${label(bodySize)}${vectored ? ' (vectored)' : ''}`, frames, ours, theirs };
}

function decodeCases(bodySize: number): Case {
  const body = Buffer.alloc(bodySize, 0x62);
  const wire = encodeContentFrames(
    1,
    'basic.deliver',
    {
      consumerTag: CONSUMER_TAG,
      deliveryTag: 123456,
      redelivered: false,
      exchange: EXCHANGE,
      routingKey: ROUTING_KEY,
    },
    PROPS,
    body,
    FRAME_MAX,
  );
  const frames = 2 + Math.ceil(bodySize / (FRAME_MAX - 8));
  const handler: FrameHandler = {
    onMethod: () => undefined,
    onContent: (_c: number, m: AnyMethod, p: BasicProperties, b: Buffer) => {
      if (m.name === 'basic.deliver') sink += m.args.deliveryTag + b.length + (p.deliveryMode ?? 0);
    },
    onHeartbeat: () => undefined,
    onFrameError: (e) => {
      throw e;
    },
  };
  const parser = new FrameParser(handler, { frameMax: FRAME_MAX });
  const ours = (): void => parser.push(wire);
  // amqplib's Connection.recvFrame loop: parseFrame + decodeFrame per frame; its channel then joins body parts
  const theirs = (): void => {
    let rest: Buffer = wire;
    let method: { fields: { deliveryTag: number } } | undefined;
    let props: { fields: { deliveryMode?: number }; size: number } | undefined;
    const parts: Buffer[] = [];
    let got = 0;
    for (;;) {
      const f = frame.parseFrame(rest, FRAME_MAX);
      if (!f) break;
      rest = f.rest;
      const d = frame.decodeFrame(f);
      if (d.fields !== undefined && d.size === undefined) method = d;
      else if (d.size !== undefined) props = d;
      else if (d.content !== undefined) {
        parts.push(d.content);
        got += d.content.length;
      }
    }
    const content = parts.length === 1 ? parts[0] : Buffer.concat(parts, got);
    sink += (method?.fields.deliveryTag ?? 0) + (content?.length ?? 0) + (props?.fields.deliveryMode ?? 0);
  };
  return { name: `decode deliver ${label(bodySize)}`, frames, ours, theirs };
}

function label(size: number): string {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const cases = [
  encodeCases(16),
  encodeCases(65536),
  encodeCases(65536, true),
  decodeCases(16),
  decodeCases(65536),
];
console.log(
  `node ${process.version}, amqplib ${require(path.join(amqplibDir, 'package.json')).version}, ${ROUNDS} rounds x ${ROUND_MS} ms, frame_max ${FRAME_MAX}\n`,
);
const rows: string[][] = [
  ['case', 'ours msg/s', 'amqplib msg/s', 'ours frames/s', 'amqplib frames/s', 'ratio'],
];
let worst = Infinity;
for (const c of cases) {
  // warm up both so neither pays for compilation inside a measured round
  measure(c.ours, 200);
  measure(c.theirs, 200);
  const ours: number[] = [];
  const theirs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // swap the order every round so neither side always runs on the warmer/cooler half
    const first = r % 2 === 0 ? c.ours : c.theirs;
    const second = r % 2 === 0 ? c.theirs : c.ours;
    const a = measure(first, ROUND_MS);
    const b = measure(second, ROUND_MS);
    const [o1, t1] = r % 2 === 0 ? [a, b] : [b, a];
    ours.push(o1);
    theirs.push(t1);
    ratios.push(o1 / t1);
  }
  const o = median(ours);
  const t = median(theirs);
  const ratio = median(ratios);
  worst = Math.min(worst, ratio);
  rows.push([c.name, fmt(o), fmt(t), fmt(o * c.frames), fmt(t * c.frames), `${ratio.toFixed(2)}x`]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string =>
  `| ${r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(' | ')} |`;
console.log(line(rows[0]!));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`);
for (const r of rows.slice(1)) console.log(line(r));
console.log(`\nworst ratio ${worst.toFixed(2)}x (goal >= 2x)${sink === -1 ? '' : ''}`);
