/**
 * Does a small cache of recent short ASCII strings beat creating them (decode hot path)? Repeated
 * strings (consumer tag, exchange, routing key, content type) hit; unique ones (message ids) miss.
 */
interface FB extends Buffer {
  utf8Slice(s: number, e: number): string;
}
const SIZE = 256;
const cache: string[] = new Array<string>(SIZE).fill('');
function cached(b: Buffer, s: number, e: number): string {
  const n = e - s;
  if (n === 0) return '';
  if (n > 48) return (b as FB).utf8Slice(s, e);
  const h =
    (n * 31 + (b[s] as number) * 7 + (b[e - 1] as number) * 13 + (b[s + (n >> 1)] as number)) & (SIZE - 1);
  const c = cache[h] as string;
  if (c.length === n) {
    let i = 0;
    while (i < n && c.charCodeAt(i) === b[s + i]) i++;
    if (i === n) return c;
  }
  const str = (b as FB).utf8Slice(s, e);
  if (str.length === n) cache[h] = str;
  return str;
}
const repeated = [
  'bench.exchange',
  'orders.created.eu',
  'amq.ctag-7hX3dN1q0eFfR2wq9lYk0A',
  'application/json',
];
const uniques = Array.from({ length: 4096 }, (_, i) => [
  `${i.toString(16).padStart(8, '0')}-3f1b-4e55-9c0d-2b8f0f6a9e11`,
  `msg-${i}`,
]).flat();
const bufs = Array.from(
  { length: 2048 },
  (_, i) => Buffer.from([...repeated, uniques[2 * i]!, uniques[2 * i + 1]!].join('')) as FB,
);
const spans = (i: number): [number, number][] => {
  const parts = [...repeated, uniques[2 * i]!, uniques[2 * i + 1]!];
  const out: [number, number][] = [];
  let o = 0;
  for (const p of parts) {
    out.push([o, o + p.length]);
    o += p.length;
  }
  return out;
};
const allSpans = bufs.map((_, i) => spans(i));
let sink = 0;
for (let round = 0; round < 3; round++)
  for (const [name, fn] of [
    ['utf8Slice', (b: Buffer, s: number, e: number) => (b as FB).utf8Slice(s, e)],
    ['cached', cached],
  ] as const) {
    const N = 300_000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const k = i & 2047;
      const b = bufs[k]!;
      for (const [s, e] of allSpans[k]!) sink += fn(b, s, e).length;
    }
    const ns = Number(process.hrtime.bigint() - t) / N;
    if (round) console.log(name.padEnd(10), ns.toFixed(0), 'ns per 6 strings (4 repeated, 2 unique)');
  }
if (sink < 0) console.log(sink);
