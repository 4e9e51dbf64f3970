// Dead letters for the dlq command line, made by the broker itself with the packed package's engine
// (CommonJS): `node letters.cjs seed <queue>` declares <queue> (dead-lettering to <queue>.dlq) and
// <queue>.dlq, publishes letter-1 and letter-2 to <queue> and rejects each without requeue, so the
// broker moves them to <queue>.dlq with x-death naming <queue>; `node letters.cjs delete <queue>`
// deletes both. The broker is AMQP_URL (default: guest on 127.0.0.1).
'use strict';
const { Connection } = require('nestjs-amqp-transport/protocol');

const [action, source] = process.argv.slice(2);
const url = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';
const dlq = `${source}.dlq`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function seed(channel) {
  await channel.queueDeclare({ queue: dlq, durable: false });
  const args = { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq };
  await channel.queueDeclare({ queue: source, durable: false, arguments: args });
  await channel.confirmDelivery();
  for (const id of ['letter-1', 'letter-2']) {
    // In confirm mode the publish resolves on the broker's confirm.
    await channel.basicPublish('', source, JSON.stringify({ id }), { messageId: id, contentType: 'application/json' });
  }
  for (let rejected = 0, tries = 0; rejected < 2; tries += 1) {
    if (tries > 100) throw new Error(`the letters never reached "${source}"`);
    const message = await channel.basicGet(source);
    if (message === null) await sleep(50);
    else {
      channel.basicReject(message.method.deliveryTag, false);
      rejected += 1;
    }
  }
  for (let tries = 0; (await channel.queueDeclare({ queue: dlq, passive: true })).messageCount < 2; tries += 1) {
    if (tries > 100) throw new Error(`the broker did not dead-letter both letters to "${dlq}"`);
    await sleep(50);
  }
}

async function main() {
  if ((action !== 'seed' && action !== 'delete') || !source) throw new Error('usage: letters.cjs seed|delete <queue>');
  const connection = await Connection.connect(url);
  try {
    const channel = await connection.channel();
    if (action === 'seed') await seed(channel);
    else for (const queue of [source, dlq]) await channel.queueDelete({ queue });
  } finally {
    await connection.close();
  }
  console.log(`letters ${action}: ok`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
