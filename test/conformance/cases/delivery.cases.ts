/** Consumers, prefetch, acknowledgements, basic.get, cancel notifications. */
import assert from 'node:assert/strict';
import type { BasicDeliver, Channel } from '../../../lib/protocol/index.js';
import { expectChannelError, type ConformanceCase } from '../support.js';

async function filled(t: Parameters<ConformanceCase['run']>[0], n: number): Promise<{ ch: Channel; q: string }> {
  const ch = await t.confirmChannel();
  const q = t.name('q');
  await ch.queueDeclare({ queue: q });
  for (let i = 1; i <= n; i++) await ch.basicPublish('', q, String(i));
  return { ch, q };
}

export const deliveryCases: ConformanceCase[] = [
  {
    name: 'basic.qos prefetch limits the unacked deliveries of a consumer',
    run: async (t) => {
      const { q } = await filled(t, 5);
      const ch = await t.channel();
      await ch.basicQos({ prefetchCount: 2 });
      const c = await t.consume(ch, q);
      await c.next(2);
      await t.sleep(50);
      assert.equal(c.messages.length, 2);
      ch.basicAck(c.messages[0]!.method.deliveryTag);
      await c.next(3);
      await t.sleep(30);
      assert.equal(c.messages.length, 3);
    },
  },
  {
    name: 'basic.qos global limits the unacked deliveries of the whole channel',
    run: async (t) => {
      const { ch: pub, q } = await filled(t, 4);
      const q2 = t.name('q2');
      await pub.queueDeclare({ queue: q2 });
      for (let i = 0; i < 4; i++) await pub.basicPublish('', q2, `b${i}`);
      const ch = await t.channel();
      await ch.basicQos({ prefetchCount: 3, global: true });
      const a = await t.consume(ch, q);
      const b = await t.consume(ch, q2);
      await t.sleep(80);
      assert.equal(a.messages.length + b.messages.length, 3);
    },
  },
  {
    name: 'two consumers of one queue get the messages round-robin',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      const a = await t.consume(await t.channel(), q, { autoAck: true });
      const b = await t.consume(await t.channel(), q, { autoAck: true });
      for (let i = 1; i <= 4; i++) await ch.basicPublish('', q, String(i));
      await a.next(2);
      await b.next(2);
      assert.deepEqual([a.messages.map((m) => m.text), b.messages.map((m) => m.text)], [['1', '3'], ['2', '4']]);
    },
  },
  {
    name: 'nack with requeue redelivers the message with redelivered set',
    run: async (t) => {
      const { q } = await filled(t, 1);
      const ch = await t.channel();
      const c = await t.consume(ch, q);
      const [first] = await c.next(1);
      assert.equal(first!.method.redelivered, false);
      ch.basicNack(first!.method.deliveryTag, { requeue: true });
      const again = (await c.next(2))[1]!;
      assert.deepEqual([again.text, again.method.redelivered], ['1', true]);
    },
  },
  {
    name: 'ack with multiple settles every delivery up to the tag',
    run: async (t) => {
      const { q } = await filled(t, 3);
      const ch = await t.channel();
      const c = await t.consume(ch, q);
      await c.next(3);
      ch.basicAck(c.messages[1]!.method.deliveryTag, true);
      await ch.basicCancel(c.tag);
      await ch.close();
      const check = await t.channel();
      assert.deepEqual((await t.drain(check, q)).map((m) => [m.text, m.method.redelivered]), [['3', true]]);
    },
  },
  {
    name: 'acking an unknown delivery tag closes the channel with 406',
    run: async (t) => {
      const { q } = await filled(t, 1);
      const ch = await t.channel();
      const m = await ch.basicGet(q);
      const closed = t.closed(ch);
      ch.basicAck(m!.method.deliveryTag);
      ch.basicAck(m!.method.deliveryTag);
      const e = await closed;
      assert.deepEqual([e.replyCode, /unknown delivery tag/.test(e.replyText)], [406, true]);
    },
  },
  {
    name: 'closing a channel requeues its unacked messages as redelivered, in order',
    run: async (t) => {
      const { q } = await filled(t, 2);
      const ch = await t.channel();
      const c = await t.consume(ch, q);
      await c.next(2);
      await ch.close();
      const check = await t.channel();
      assert.deepEqual((await t.drain(check, q)).map((m) => [m.text, m.method.redelivered]), [['1', true], ['2', true]]);
    },
  },
  {
    name: 'basic.get returns the head with the count left, then get-empty',
    run: async (t) => {
      const { ch, q } = await filled(t, 2);
      const m = await ch.basicGet(q, { autoAck: true });
      assert.deepEqual([m?.body.toString(), m?.method.messageCount], ['1', 1]);
      await ch.basicGet(q, { autoAck: true });
      assert.equal(await ch.basicGet(q, { autoAck: true }), null);
    },
  },
  {
    name: 'deleting a queue cancels its consumers with basic.cancel',
    run: async (t) => {
      const ch = await t.channel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      const cancelled = new Promise<string>((resolve) => ch.addOnCancelCallback(resolve));
      const c = await t.consume(ch, q);
      await (await t.channel()).queueDelete({ queue: q });
      assert.equal(await cancelled, c.tag);
    },
  },
  {
    name: 'a second consumer on a queue with an exclusive consumer is refused with 403',
    run: async (t) => {
      const ch = await t.channel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      await t.consume(ch, q, { exclusive: true });
      const other = await t.channel();
      await expectChannelError(other.basicConsume(q, () => undefined), 403);
    },
  },
  {
    name: 'deliveries carry the exchange and routing key they were published with',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const [x, q] = [t.name('x'), t.name('q')];
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'topic' });
      await ch.queueDeclare({ queue: q });
      await ch.queueBind({ queue: q, exchange: x, routingKey: 'a.*' });
      const c = await t.consume(await t.channel(), q, { autoAck: true });
      await ch.basicPublish(x, 'a.b', 'm', { contentType: 'text/plain', correlationId: 'c-1', headers: { n: 1 } });
      const [m] = await c.next(1);
      const d: BasicDeliver = m!.method;
      assert.deepEqual([d.exchange, d.routingKey, m!.properties.contentType, m!.properties.correlationId, m!.properties.headers], [x, 'a.b', 'text/plain', 'c-1', { n: 1 }]);
    },
  },
];
