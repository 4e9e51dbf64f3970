/**
 * The seed's five steps on the engine: connect, open a channel, declare the durable queue `test`,
 * consume it printing and acking each body, and run the ioloop until Ctrl-C closes the connection
 * (it waits for messages until then, and says so).
 *
 * Run: npm run sample:engine          (both samples: open-close.ts, then this one)
 *  or: npx tsx sample/engine/consume-test.ts
 * Then publish to it, e.g. `rabbitmqadmin publish routing_key=test payload=hello`.
 * Broker: AMQP_URL (default amqp://guest:guest@localhost:5672/%2F).
 */
import {
  Connection,
  URLParameters,
  type BasicDeliver,
  type BasicProperties,
  type Channel,
  type QueueDeclareOk,
} from '../../lib/protocol/index.js';

let channel: Channel;

// Step 1: when connected, open a channel.
function onConnected(connection: Connection): void {
  void connection.channel({ onOpen: onChannelOpen });
}

// Step 2: when the channel is open, declare the queue.
function onChannelOpen(newChannel: Channel): void {
  channel = newChannel;
  void channel.queueDeclare(
    { queue: 'test', durable: true, exclusive: false, autoDelete: false },
    onQueueDeclared,
  );
}

// Step 3: when the queue is declared, start consuming.
function onQueueDeclared(frame: QueueDeclareOk): void {
  console.log(`consuming "${frame.queue}" (${frame.messageCount} waiting): waiting for messages, press Ctrl-C to stop`);
  void channel.basicConsume('test', handleDelivery);
}

// Step 4: print each delivered body, then ack it (unacked, it would come back on every run).
function handleDelivery(
  deliveryChannel: Channel,
  method: BasicDeliver,
  _header: BasicProperties,
  body: Buffer,
): void {
  console.log(body.toString());
  deliveryChannel.basicAck(method.deliveryTag);
}

// Step 5: connect, and run until the connection has closed.
const connection = new Connection(
  new URLParameters(process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672/%2F'),
  {
    onOpen: onConnected,
    onOpenError: (_c, error) => console.error(`could not connect: ${error.message}`),
  },
);
process.once('SIGINT', () => {
  console.log('\nCtrl-C: closing the connection');
  void connection.close();
});
try {
  await connection.ioloop.start();
  console.log('connection closed');
} catch (error) {
  console.error(`connection ended with ${(error as Error).message}`);
  process.exitCode = 1;
}
