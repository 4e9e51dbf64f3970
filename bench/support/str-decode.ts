// Which way of turning short ASCII bytes into a string is fastest (decode hot path)?
interface FB extends Buffer {
  latin1Slice(s: number, e: number): string;
  utf8Slice(s: number, e: number): string;
  asciiSlice(s: number, e: number): string;
}
const samples = [
  'bench.exchange',
  'orders.created.eu',
  'amq.ctag-7hX3dN1q0eFfR2wq9lYk0A',
  '7d0e6c1a-3f1b-4e55-9c0d-2b8f0f6a9e11',
  'application/json',
  'msg-000042',
];
const buf = Buffer.from(samples.join('')) as FB;
const spans: [number, number][] = [];
let o = 0;
for (const s of samples) {
  spans.push([o, o + s.length]);
  o += s.length;
}
let sink = 0;
function loop(b: Buffer, s: number, e: number): string {
  let r = '';
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c > 127) return (b as FB).utf8Slice(s, e);
    r += String.fromCharCode(c);
  }
  return r;
}
function apply(b: Buffer, s: number, e: number): string {
  for (let i = s; i < e; i++) if (b[i]! > 127) return (b as FB).utf8Slice(s, e);
  return String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);
}
const codes: number[] = new Array(256).fill(0);
function arr(b: Buffer, s: number, e: number): string {
  const n = e - s;
  for (let i = 0; i < n; i++) {
    const c = b[s + i]!;
    if (c > 127) return (b as FB).utf8Slice(s, e);
    codes[i] = c;
  }
  codes.length = n;
  const r = String.fromCharCode.apply(null, codes);
  codes.length = 256;
  return r;
}
const fns: Record<string, (b: Buffer, s: number, e: number) => string> = {
  utf8Slice: (b, s, e) => (b as FB).utf8Slice(s, e),
  latin1Slice: (b, s, e) => (b as FB).latin1Slice(s, e),
  toString: (b: Buffer, s: number, e: number) => b.toString('utf8', s, e),
  loop,
  apply,
  arr,
};
for (let round = 0; round < 2; round++)
  for (const [name, fn] of Object.entries(fns)) {
    const N = 1_000_000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) for (const [s, e] of spans) sink += fn(buf, s, e).length;
    const ns = Number(process.hrtime.bigint() - t) / N / spans.length;
    if (round) console.log(name.padEnd(12), ns.toFixed(1), 'ns/string');
  }
if (sink < 0) console.log(sink);
