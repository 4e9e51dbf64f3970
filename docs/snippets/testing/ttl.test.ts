import { Connection } from 'nestjs-amqp-transport';
import { InMemoryBroker } from 'nestjs-amqp-transport/testing';

/**
 * Time: with `clock: 'manual'` TTLs move only with broker.advance(ms). (With the default clock,
 * Jest's or Vitest's fake timers drive them: `jest.advanceTimersByTime(ms)`.)
 */
export async function testMessageTtl(): Promise<number[]> {
  const broker = await InMemoryBroker.start({ clock: 'manual' });
  const connection = await Connection.connect(broker.url());
  try {
    const channel = await connection.channel();
    await channel.queueDeclare({ queue: 'docs.testing.ttl', arguments: { 'x-message-ttl': 60_000 } });
    broker.publish('', 'docs.testing.ttl', 'expires in a minute');
    const depths: number[] = [];
    broker.advance(59_999);
    depths.push(broker.queue('docs.testing.ttl')?.messageCount ?? -1);
    broker.advance(1);
    depths.push(broker.queue('docs.testing.ttl')?.messageCount ?? -1);
    return depths; // [1, 0]
  } finally {
    await connection.close();
    await broker.stop();
  }
}
