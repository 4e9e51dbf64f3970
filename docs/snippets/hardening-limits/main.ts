import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection, NotAmqpPeerError, ParameterError, URLParameters } from 'nestjs-amqp-transport';
import { engineParameters } from './limits.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// 1. URLs refused before any connection: no switch to turn TLS verification off, no ambiguous password.
const unverified = `amqp://127.0.0.1/?ssl_options=${encodeURIComponent("{'rejectUnauthorized': False}")}`;
for (const url of [unverified, 'amqp://guest:p@ss#word@127.0.0.1/']) {
  try {
    new URLParameters(url);
  } catch (error) {
    if (!(error instanceof ParameterError)) throw error;
    console.log(`refused, naming ${error.argument}: ${error.message}`);
  }
}

// 2. An address that is not an AMQP broker fails at once, saying what answered.
const web = http.createServer();
await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
const { port } = web.address() as AddressInfo;
try {
  await Connection.connect(`amqp://127.0.0.1:${port}`);
} catch (error) {
  if (!(error instanceof NotAmqpPeerError)) throw error;
  console.log(`${error.code}: ${error.message}`);
} finally {
  web.closeAllConnections();
  web.close();
}

// 3. The real broker, with the limits of limits.ts.
const connection = await Connection.connect(engineParameters(AMQP_URL));
console.log(`connected: heartbeat ${connection.heartbeat} s, frame_max ${connection.frameMax}`);
const channel = await connection.channel();
const queue = 'docs.hardening-limits.jobs';
await channel.queueDeclare({ queue, durable: false });
await channel.queueDelete({ queue });
await connection.close();
