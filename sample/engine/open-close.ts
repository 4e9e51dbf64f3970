/**
 * The seed's first example on the engine: open a connection, close it from the open callback, and
 * let the ioloop run until the connection has fully closed (Ctrl-C closes it too).
 *
 * Run: npm run sample:engine          (both samples: this one, then consume-test.ts)
 *  or: npx tsx sample/engine/open-close.ts
 * Broker: AMQP_URL (default amqp://guest:guest@localhost:5672/%2F).
 */
import { Connection, URLParameters, type AMQPError } from '../../lib/protocol/index.js';

const parameters = new URLParameters(process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672/%2F');

function onOpen(connection: Connection): void {
  console.log(
    `connected to ${String(connection.serverProperties.product)} ${String(connection.serverProperties.version)}`,
  );
  void connection.close();
}

function onOpenError(_connection: Connection, error: AMQPError): void {
  console.error(`could not connect: ${error.message}`);
}

const connection = new Connection(parameters, { onOpen, onOpenError });
// pika: `try: ioloop.start() except KeyboardInterrupt: connection.close(); ioloop.start()`
process.once('SIGINT', () => connection.ioloop.stop());
try {
  await connection.ioloop.start();
  console.log('connection closed');
} catch (error) {
  console.error(`connection ended with ${(error as Error).message}`);
  process.exitCode = 1;
}
