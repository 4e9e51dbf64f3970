/** Declares, deletes and the errors RabbitMQ gives for them (403, 404, 405, 406). */
import assert from 'node:assert/strict';
import { expectChannelError, type ConformanceCase } from '../support.js';

export const topologyCases: ConformanceCase[] = [
  {
    name: "a queue declared without a name gets a server name 'amq.gen-...'",
    run: async (t) => {
      const ch = await t.channel();
      const ok = await ch.queueDeclare({ queue: '', exclusive: true });
      assert.match(ok.queue, /^amq\.gen-/);
    },
  },
  {
    name: 'passive declare of a missing queue closes the channel with 404',
    run: async (t) => {
      const ch = await t.channel();
      await expectChannelError(ch.queueDeclare({ queue: t.name('missing'), passive: true }), 404);
    },
  },
  {
    name: 'passive declare of a missing exchange closes the channel with 404',
    run: async (t) => {
      const ch = await t.channel();
      await expectChannelError(ch.exchangeDeclare({ exchange: t.name('missing'), passive: true }), 404);
    },
  },
  {
    name: 'declare-ok reports the ready messages and consumers of an existing queue',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      await ch.basicPublish('', q, '1');
      await ch.basicPublish('', q, '2');
      const before = await ch.queueDeclare({ queue: q, passive: true });
      assert.deepEqual([before.messageCount, before.consumerCount], [2, 0]);
      const c = await t.consume(await t.channel(), q);
      await c.next(2);
      const after = await ch.queueDeclare({ queue: q });
      assert.deepEqual([after.messageCount, after.consumerCount], [0, 1]);
    },
  },
  {
    name: "redeclaring a queue with another 'durable' closes the channel with 406",
    run: async (t) => {
      const ch = await t.channel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q, durable: true });
      const e = await expectChannelError(ch.queueDeclare({ queue: q, durable: false }), 406);
      assert.match(e.replyText, /inequivalent arg 'durable'/);
    },
  },
  {
    name: 'redeclaring a queue with another x-message-ttl closes the channel with 406',
    run: async (t) => {
      const ch = await t.channel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q, arguments: { 'x-message-ttl': 1000 } });
      const e = await expectChannelError(ch.queueDeclare({ queue: q, arguments: { 'x-message-ttl': 2000 } }), 406);
      assert.match(e.replyText, /inequivalent arg 'x-message-ttl'/);
    },
  },
  {
    name: 'redeclaring an exchange with another type closes the channel with 406',
    run: async (t) => {
      const ch = await t.channel();
      const x = t.name('x');
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'direct' });
      await expectChannelError(ch.exchangeDeclare({ exchange: x, exchangeType: 'fanout' }), 406);
    },
  },
  {
    name: 'an exclusive queue used from another connection closes the channel with 405',
    run: async (t) => {
      const ch = await t.channel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q, exclusive: true });
      const other = await (await t.connect()).channel();
      await expectChannelError(other.basicConsume(q, () => undefined), 405);
    },
  },
  {
    name: 'an exclusive queue goes when its connection closes',
    run: async (t) => {
      const owner = await t.connect();
      const q = t.name('q');
      await (await owner.channel()).queueDeclare({ queue: q, exclusive: true });
      await owner.close();
      const ch = await t.channel();
      await expectChannelError(ch.queueDeclare({ queue: q, passive: true }), 404);
    },
  },
  {
    name: 'an auto-delete queue goes when its last consumer is cancelled',
    run: async (t) => {
      const ch = await t.channel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q, autoDelete: true });
      const c = await t.consume(ch, q);
      await ch.basicCancel(c.tag);
      const check = await t.channel();
      await expectChannelError(check.queueDeclare({ queue: q, passive: true }), 404);
    },
  },
  {
    name: "declaring a queue named 'amq.*' closes the channel with 403",
    run: async (t) => {
      const ch = await t.channel();
      await expectChannelError(ch.queueDeclare({ queue: 'amq.conformance-reserved' }), 403);
    },
  },
  {
    name: 'queue.purge empties the queue and reports how many it dropped',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      for (const body of ['1', '2', '3']) await ch.basicPublish('', q, body);
      const ok = await ch.queuePurge({ queue: q });
      assert.equal(ok.messageCount, 3);
      assert.deepEqual(await t.drain(ch, q), []);
    },
  },
  {
    name: 'queue.delete with if-unused fails with 406 while a consumer is attached',
    run: async (t) => {
      const ch = await t.channel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      await t.consume(ch, q);
      const other = await t.channel();
      await expectChannelError(other.queueDelete({ queue: q, ifUnused: true }), 406);
    },
  },
  {
    name: 'queue.delete with if-empty fails with 406 while messages are ready',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      await ch.basicPublish('', q, 'x');
      await expectChannelError(ch.queueDelete({ queue: q, ifEmpty: true }), 406);
    },
  },
  {
    name: 'queue.delete reports the messages it dropped; deleting a missing queue is no error',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      await ch.basicPublish('', q, 'x');
      await ch.basicPublish('', q, 'y');
      assert.equal((await ch.queueDelete({ queue: q })).messageCount, 2);
      assert.equal((await ch.queueDelete({ queue: q })).messageCount, 0);
    },
  },
  {
    name: 'exchange.delete with if-unused fails with 406 while it has bindings',
    run: async (t) => {
      const ch = await t.channel();
      const [x, q] = [t.name('x'), t.name('q')];
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'fanout' });
      await ch.queueDeclare({ queue: q });
      await ch.queueBind({ queue: q, exchange: x });
      await expectChannelError(ch.exchangeDelete({ exchange: x, ifUnused: true }), 406);
    },
  },
  {
    name: 'exchange.delete removes its bindings; deleting a missing exchange is no error',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const [x, q] = [t.name('x'), t.name('q')];
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'fanout' });
      await ch.queueDeclare({ queue: q });
      await ch.queueBind({ queue: q, exchange: x });
      await ch.exchangeDelete({ exchange: x });
      await ch.exchangeDelete({ exchange: x });
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'fanout' });
      await ch.basicPublish(x, '', 'after');
      assert.deepEqual(await t.drain(ch, q), []);
    },
  },
  {
    name: 'publishing to a missing exchange closes the channel with 404',
    run: async (t) => {
      const ch = await t.confirmChannel();
      await expectChannelError(ch.basicPublish(t.name('missing'), 'k', 'x'), 404);
    },
  },
  {
    name: 'binding a missing queue closes the channel with 404',
    run: async (t) => {
      const ch = await t.channel();
      const x = t.name('x');
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'direct' });
      await expectChannelError(ch.queueBind({ queue: t.name('missing'), exchange: x, routingKey: 'k' }), 404);
    },
  },
  {
    name: 'binding to the default exchange closes the channel with 403',
    run: async (t) => {
      const ch = await t.channel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      await expectChannelError(ch.queueBind({ queue: q, exchange: '', routingKey: 'k' }), 403);
    },
  },
  {
    name: 'publishing to an internal exchange closes the channel with 403',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const x = t.name('x');
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'fanout', internal: true });
      await expectChannelError(ch.basicPublish(x, '', 'x'), 403);
    },
  },
  {
    name: 'x-expires deletes a queue nobody uses',
    run: async (t) => {
      const ch = await t.channel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q, arguments: { 'x-expires': 100 } });
      await t.sleep(600);
      await expectChannelError(ch.queueDeclare({ queue: q, passive: true }), 404);
    },
  },
  {
    name: 'a passive declare of an exclusive queue from another connection closes the channel with 405',
    run: async (t) => {
      const ch = await t.channel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q, exclusive: true });
      const other = await (await t.connect()).channel();
      await expectChannelError(other.queueDeclare({ queue: q, passive: true }), 405);
    },
  },
  {
    name: 'an auto-delete exchange goes when its last binding is removed',
    run: async (t) => {
      const ch = await t.channel();
      const [x, q] = [t.name('x'), t.name('q')];
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'fanout', autoDelete: true });
      await ch.queueDeclare({ queue: q });
      await ch.queueBind({ queue: q, exchange: x });
      await ch.queueUnbind({ queue: q, exchange: x });
      await expectChannelError(ch.exchangeDeclare({ exchange: x, passive: true }), 404);
    },
  },
  {
    name: "declaring an exchange named 'amq.*' closes the channel with 403",
    run: async (t) => {
      const ch = await t.channel();
      await expectChannelError(ch.exchangeDeclare({ exchange: 'amq.conformance-reserved', exchangeType: 'direct' }), 403);
    },
  },
];
