// The amqplib "work queue" program, moved to the engine (nestjs-amqp-transport/protocol).
// Each line carries the amqplib call it replaces.
import { Connection, URLParameters } from 'nestjs-amqp-transport/protocol';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const QUEUE = 'docs.migrating-from-amqplib.tasks';

const connection = await Connection.connect(new URLParameters(AMQP_URL)); // amqplib.connect(url)
const channel = await connection.channel(); // connection.createConfirmChannel()
await channel.confirmDelivery(); // (confirm mode: every publish below resolves on the broker's ack)
await channel.queueDeclare({ queue: QUEUE, durable: true }); // channel.assertQueue(q, { durable: true })
await channel.basicQos({ prefetchCount: 10 }); // channel.prefetch(10)

let handled = 0;
const done = new Promise<void>((resolve) => {
  // channel.consume(q, (msg) => { ...; channel.ack(msg) }, { noAck: false })
  void channel.basicConsume(QUEUE, (ch, method, properties, body) => {
    console.log(`got "${body.toString()}" (${properties.contentType ?? 'no content type'})`);
    ch.basicAck(method.deliveryTag); // channel.ack(msg)
    if ((handled += 1) === 3) resolve();
  });
});

for (const task of ['one', 'two', 'three'])
  // channel.sendToQueue(q, Buffer.from(task), { persistent: true }) + channel.waitForConfirms()
  await channel.basicPublish('', QUEUE, task, { deliveryMode: 2, contentType: 'text/plain' });

await done;
await channel.queueDelete({ queue: QUEUE }); // channel.deleteQueue(q)
await channel.queueDelete({ queue: `${QUEUE}.dlq` }); // the dead-letter queue declared for a consumer without DLX
await connection.close(); // connection.close()
