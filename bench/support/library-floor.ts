/**
 * bench:nest's floor: request/reply with the bare library under each transport, no Nest.
 */
import amqplib from 'amqplib';
import { RecoveringConnection } from '../../lib/protocol/recovery/index.js';
import { median } from './median.js';
import { SEQUENTIAL_CALLS, AMQP_URL } from './nest-settings.js';

/**
 * Sequential request/reply over direct reply-to with the library under each transport and no Nest
 * (ours: the engine with recovery, as the Nest layer uses it; Nest's: amqplib): what no Nest
 * transport built on it can beat.
 */
export async function floorP50(peer: 'ours' | 'nest'): Promise<number> {
  const calls = Math.max(50, Math.round(SEQUENTIAL_CALLS / 2));
  const latencies: number[] = [];
  let wake: (() => void) | undefined;
  const roundTrip = async (send: () => void): Promise<void> => {
    const t0 = performance.now();
    const replied = new Promise<void>((resolve) => (wake = resolve));
    send();
    await replied;
    latencies.push(performance.now() - t0);
  };
  if (peer === 'ours') {
    const server = await RecoveringConnection.connect(AMQP_URL);
    const client = await RecoveringConnection.connect(AMQP_URL);
    const serverChannel = await server.channel();
    const clientChannel = await client.channel();
    const { queue } = await serverChannel.queueDeclare({ queue: '', exclusive: true });
    await serverChannel.basicConsume(
      queue,
      (_c, _m, p, body) => {
        void serverChannel.basicPublish('', p.replyTo ?? '', body, { correlationId: p.correlationId });
      },
      { autoAck: true },
    );
    await clientChannel.basicConsume('amq.rabbitmq.reply-to', () => wake?.(), { autoAck: true });
    const properties = { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'c' };
    for (let i = 0; i < calls; i += 1)
      await roundTrip(() => void clientChannel.basicPublish('', queue, '[1,2,3]', properties));
    await client.close();
    await server.close();
  } else {
    const server = await amqplib.connect(AMQP_URL);
    const client = await amqplib.connect(AMQP_URL);
    const serverChannel = await server.createChannel();
    const clientChannel = await client.createChannel();
    const { queue } = await serverChannel.assertQueue('', { exclusive: true });
    await serverChannel.consume(
      queue,
      (m) => {
        if (m !== null)
          serverChannel.sendToQueue(m.properties.replyTo as string, m.content, {
            correlationId: m.properties.correlationId as string,
          });
      },
      { noAck: true },
    );
    await clientChannel.consume('amq.rabbitmq.reply-to', () => wake?.(), { noAck: true });
    const body = Buffer.from('[1,2,3]');
    const options = { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'c' };
    for (let i = 0; i < calls; i += 1)
      await roundTrip(() => void clientChannel.sendToQueue(queue, body, options));
    await client.close();
    await server.close();
  }
  return median(latencies);
}
