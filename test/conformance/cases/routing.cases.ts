/** Exchanges and routing: direct, fanout, topic, headers, exchange-to-exchange, alternate exchange, CC/BCC. */
import assert from 'node:assert/strict';
import type { ConformanceCase } from '../support.js';

/** Declares exchange `x` of `type` and queues bound with the given keys; publishes `keys`; returns what each queue got. */
async function route(
  t: Parameters<ConformanceCase['run']>[0],
  type: string,
  bindings: Record<string, string[]>,
  publishes: { key: string; headers?: Record<string, unknown> }[],
  bindArgs: Record<string, Record<string, unknown>> = {},
): Promise<Record<string, string[]>> {
  const ch = await t.confirmChannel();
  const x = t.name('x');
  await ch.exchangeDeclare({ exchange: x, exchangeType: type, autoDelete: false });
  for (const [queue, keys] of Object.entries(bindings)) {
    await ch.queueDeclare({ queue: t.name(queue) });
    for (const key of keys) await ch.queueBind({ queue: t.name(queue), exchange: x, routingKey: key, arguments: (bindArgs[queue] ?? {}) as never });
  }
  for (const p of publishes) await ch.basicPublish(x, p.key, p.key, { headers: p.headers as never });
  const out: Record<string, string[]> = {};
  for (const queue of Object.keys(bindings)) out[queue] = (await t.drain(ch, t.name(queue))).map((m) => m.text);
  return out;
}

export const routingCases: ConformanceCase[] = [
  {
    name: 'direct exchange routes by the exact routing key',
    run: async (t) => {
      const got = await route(t, 'direct', { a: ['red'], b: ['green', 'red'] }, [{ key: 'red' }, { key: 'green' }, { key: 'blue' }]);
      assert.deepEqual(got, { a: ['red'], b: ['red', 'green'] });
    },
  },
  {
    name: 'fanout exchange routes to every bound queue whatever the key',
    run: async (t) => {
      const got = await route(t, 'fanout', { a: ['ignored'], b: [''] }, [{ key: 'x.y' }]);
      assert.deepEqual(got, { a: ['x.y'], b: ['x.y'] });
    },
  },
  {
    name: "topic '*' matches exactly one word",
    run: async (t) => {
      const got = await route(t, 'topic', { a: ['order.*'] }, [{ key: 'order.created' }, { key: 'order' }, { key: 'order.created.eu' }]);
      assert.deepEqual(got, { a: ['order.created'] });
    },
  },
  {
    name: "topic '#' matches zero or more words",
    run: async (t) => {
      const got = await route(t, 'topic', { a: ['order.#'], b: ['#.eu'] }, [{ key: 'order' }, { key: 'order.created.eu' }, { key: 'eu' }, { key: 'user.x' }]);
      assert.deepEqual(got, { a: ['order', 'order.created.eu'], b: ['order.created.eu', 'eu'] });
    },
  },
  {
    name: "topic: '#' matches an empty routing key, '*' does not; empty words count",
    run: async (t) => {
      const got = await route(t, 'topic', { a: ['#'], b: ['*'], c: ['a.*.b'] }, [{ key: '' }, { key: 'a..b' }]);
      assert.deepEqual(got, { a: ['', 'a..b'], b: [], c: ['a..b'] });
    },
  },
  {
    name: 'headers exchange x-match all needs every header',
    run: async (t) => {
      const got = await route(t, 'headers', { a: [''] }, [
        { key: 'both', headers: { format: 'pdf', type: 'report' } },
        { key: 'one', headers: { format: 'pdf' } },
        { key: 'extra', headers: { format: 'pdf', type: 'report', size: 1 } },
      ], { a: { 'x-match': 'all', format: 'pdf', type: 'report' } });
      assert.deepEqual(got, { a: ['both', 'extra'] });
    },
  },
  {
    name: 'headers exchange x-match any needs one header',
    run: async (t) => {
      const got = await route(t, 'headers', { a: [''] }, [
        { key: 'one', headers: { format: 'pdf' } },
        { key: 'wrong', headers: { format: 'zip' } },
        { key: 'none' },
      ], { a: { 'x-match': 'any', format: 'pdf', type: 'report' } });
      assert.deepEqual(got, { a: ['one'] });
    },
  },
  {
    name: 'exchange-to-exchange bindings route through, each queue once',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const [src, dst, q] = [t.name('src'), t.name('dst'), t.name('q')];
      await ch.exchangeDeclare({ exchange: src, exchangeType: 'topic' });
      await ch.exchangeDeclare({ exchange: dst, exchangeType: 'fanout' });
      await ch.exchangeBind({ destination: dst, source: src, routingKey: 'a.#' });
      await ch.queueDeclare({ queue: q });
      await ch.queueBind({ queue: q, exchange: dst });
      await ch.queueBind({ queue: q, exchange: src, routingKey: 'a.b' });
      await ch.basicPublish(src, 'a.b', 'one');
      await ch.basicPublish(src, 'b', 'none');
      assert.deepEqual((await t.drain(ch, q)).map((m) => m.text), ['one']);
    },
  },
  {
    name: 'alternate exchange takes what the exchange cannot route',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const [x, ae, q, lost] = [t.name('x'), t.name('ae'), t.name('q'), t.name('lost')];
      await ch.exchangeDeclare({ exchange: ae, exchangeType: 'fanout' });
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'direct', arguments: { 'alternate-exchange': ae } });
      await ch.queueDeclare({ queue: q });
      await ch.queueDeclare({ queue: lost });
      await ch.queueBind({ queue: q, exchange: x, routingKey: 'known' });
      await ch.queueBind({ queue: lost, exchange: ae });
      await ch.basicPublish(x, 'known', 'k');
      await ch.basicPublish(x, 'other', 'o');
      assert.deepEqual((await t.drain(ch, q)).map((m) => m.text), ['k']);
      assert.deepEqual((await t.drain(ch, lost)).map((m) => m.text), ['o']);
    },
  },
  {
    name: 'default exchange routes to the queue named by the routing key',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      await ch.basicPublish('', q, 'direct');
      await ch.basicPublish('', t.name('missing'), 'lost');
      assert.deepEqual((await t.drain(ch, q)).map((m) => m.text), ['direct']);
    },
  },
  {
    name: 'CC adds routing keys; BCC too, and is removed from the delivered headers',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const [a, b, c] = [t.name('a'), t.name('b'), t.name('c')];
      for (const q of [a, b, c]) await ch.queueDeclare({ queue: q });
      await ch.basicPublish('', a, 'm', { headers: { CC: [b], BCC: [c] } });
      const [atA] = await t.drain(ch, a);
      const [atB] = await t.drain(ch, b);
      const [atC] = await t.drain(ch, c);
      assert.deepEqual([atA?.text, atB?.text, atC?.text], ['m', 'm', 'm']);
      assert.equal(atC?.properties.headers?.['BCC'], undefined);
      assert.deepEqual(atB?.properties.headers?.['CC'], [b]);
    },
  },
  {
    name: 'queue.unbind stops the routing of that binding',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const [x, q] = [t.name('x'), t.name('q')];
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'direct' });
      await ch.queueDeclare({ queue: q });
      await ch.queueBind({ queue: q, exchange: x, routingKey: 'k' });
      await ch.basicPublish(x, 'k', 'before');
      await ch.queueUnbind({ queue: q, exchange: x, routingKey: 'k' });
      await ch.basicPublish(x, 'k', 'after');
      assert.deepEqual((await t.drain(ch, q)).map((m) => m.text), ['before']);
    },
  },
];
