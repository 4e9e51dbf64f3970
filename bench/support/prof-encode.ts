/**
 * Encode hot loop for profiling: `node --import tsx --cpu-prof bench/support/prof-encode.ts`
 * (SIZE=65536 for the large body). Prints messages per second per round.
 */
import { encodeBasicPublish } from '../../lib/protocol/codec/index.js';

const body = Buffer.alloc(Number(process.env.SIZE ?? 16), 0x62);
const props = {
  contentType: 'application/json',
  deliveryMode: 2,
  correlationId: '7d0e6c1a-3f1b-4e55-9c0d-2b8f0f6a9e11',
  messageId: 'msg-000042',
  timestamp: 1764150000,
};
let sink = 0;
for (let r = 0; r < 5; r++) {
  const n = 3_000_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++)
    sink += encodeBasicPublish(1, 'bench.exchange', 'orders.created.eu', false, props, body, 131072).length;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(Math.round(n / s).toLocaleString('en-US'), 'msg/s');
}
if (sink < 0) console.log(sink);
