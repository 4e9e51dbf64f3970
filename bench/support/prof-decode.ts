/**
 * Decode hot loop for profiling: `node --import tsx --cpu-prof bench/support/prof-decode.ts`
 * (SIZE=65536 for the large body). Prints messages per second per round.
 */
import { FrameParser, encodeContentFrames } from '../../lib/protocol/codec/index.js';

const body = Buffer.alloc(Number(process.env.SIZE ?? 16), 0x62);
const wire = encodeContentFrames(
  1,
  'basic.deliver',
  {
    consumerTag: 'amq.ctag-7hX3dN1q0eFfR2wq9lYk0A',
    deliveryTag: 123456,
    exchange: 'bench.exchange',
    routingKey: 'orders.created.eu',
  },
  {
    contentType: 'application/json',
    deliveryMode: 2,
    correlationId: '7d0e6c1a-3f1b-4e55-9c0d-2b8f0f6a9e11',
    messageId: 'msg-000042',
    timestamp: 1764150000,
  },
  body,
  131072,
);
let sink = 0;
const parser = new FrameParser({
  onMethod() {},
  onContent(_c, _m, _p, b) {
    sink += b.length;
  },
  onHeartbeat() {},
  onFrameError(e) {
    throw e;
  },
});
for (let r = 0; r < 5; r++) {
  const n = 2_000_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) parser.push(wire);
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(Math.round(n / s).toLocaleString('en-US'), 'msg/s');
}
if (sink < 0) console.log(sink);
