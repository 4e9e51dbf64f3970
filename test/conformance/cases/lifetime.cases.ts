/** Message TTL (per queue and per message), max-length and its overflow modes, dead-lettering with x-death. */
import assert from 'node:assert/strict';
import { PublishNackedError, type FieldTable } from '../../../lib/protocol/index.js';
import type { CaseContext, ConformanceCase } from '../support.js';

/** A queue dead-lettering into a fanout exchange bound to a `dead` queue; returns the names. */
async function withDeadLetters(t: CaseContext, args: FieldTable, dlrk?: string): Promise<{ q: string; dead: string; dlx: string }> {
  const ch = await t.channel();
  const [q, dead, dlx] = [t.name('q'), t.name('dead'), t.name('dlx')];
  await ch.exchangeDeclare({ exchange: dlx, exchangeType: dlrk === undefined ? 'fanout' : 'direct' });
  await ch.queueDeclare({ queue: dead });
  await ch.queueBind({ queue: dead, exchange: dlx, routingKey: dlrk ?? '' });
  const dl: FieldTable = { 'x-dead-letter-exchange': dlx, ...(dlrk === undefined ? {} : { 'x-dead-letter-routing-key': dlrk }) };
  await ch.queueDeclare({ queue: q, arguments: { ...dl, ...args } });
  return { q, dead, dlx };
}

function death(headers: FieldTable | undefined): FieldTable {
  const list = headers?.['x-death'];
  assert.ok(Array.isArray(list), 'x-death header');
  return list[0] as FieldTable;
}

export const lifetimeCases: ConformanceCase[] = [
  {
    name: 'x-message-ttl expires ready messages, dead-lettered with reason expired',
    run: async (t) => {
      const { q, dead } = await withDeadLetters(t, { 'x-message-ttl': 50 });
      const ch = await t.confirmChannel();
      await ch.basicPublish('', q, 'old');
      await t.depth(ch, dead, 1);
      const [m] = await t.drain(ch, dead);
      const d = death(m?.properties.headers);
      assert.deepEqual([d['reason'], d['queue'], m?.properties.headers?.['x-first-death-reason']], ['expired', q, 'expired']);
      assert.equal((await ch.queueDeclare({ queue: q, passive: true })).messageCount, 0);
    },
  },
  {
    name: "per-message expiration expires it; x-death keeps 'original-expiration' and the property is removed",
    run: async (t) => {
      const { q, dead } = await withDeadLetters(t, {});
      const ch = await t.confirmChannel();
      await ch.basicPublish('', q, 'short', { expiration: '40' });
      await t.depth(ch, dead, 1);
      const [m] = await t.drain(ch, dead);
      assert.equal(m?.properties.expiration, undefined);
      assert.equal(death(m?.properties.headers)['original-expiration'], '40');
    },
  },
  {
    name: 'expiration 0 reaches a waiting consumer, and expires at once without one',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const [q1, q2] = [t.name('with'), t.name('without')];
      await ch.queueDeclare({ queue: q1 });
      await ch.queueDeclare({ queue: q2 });
      const c = await t.consume(await t.channel(), q1, { autoAck: true });
      await ch.basicPublish('', q1, 'now', { expiration: '0' });
      await ch.basicPublish('', q2, 'never', { expiration: '0' });
      assert.deepEqual((await c.next(1)).map((m) => m.text), ['now']);
      assert.deepEqual(await t.drain(ch, q2), []);
    },
  },
  {
    name: 'x-max-length drops (dead-letters) the oldest with reason maxlen',
    run: async (t) => {
      const { q, dead } = await withDeadLetters(t, { 'x-max-length': 2 });
      const ch = await t.confirmChannel();
      for (const body of ['1', '2', '3']) await ch.basicPublish('', q, body);
      assert.deepEqual((await t.drain(ch, q)).map((m) => m.text), ['2', '3']);
      await t.depth(ch, dead, 1);
      const [m] = await t.drain(ch, dead);
      assert.deepEqual([m?.text, death(m?.properties.headers)['reason']], ['1', 'maxlen']);
    },
  },
  {
    name: 'x-overflow reject-publish nacks the publish that does not fit',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
      await ch.basicPublish('', q, '1');
      await assert.rejects(ch.basicPublish('', q, '2'), PublishNackedError);
      assert.deepEqual((await t.drain(ch, q)).map((m) => m.text), ['1']);
    },
  },
  {
    name: 'x-overflow reject-publish-dlx nacks and dead-letters the publish that does not fit',
    run: async (t) => {
      const { q, dead } = await withDeadLetters(t, { 'x-max-length': 1, 'x-overflow': 'reject-publish-dlx' });
      const ch = await t.confirmChannel();
      await ch.basicPublish('', q, '1');
      await assert.rejects(ch.basicPublish('', q, '2'), PublishNackedError);
      await t.depth(ch, dead, 1);
      const [m] = await t.drain(ch, dead);
      assert.deepEqual([m?.text, death(m?.properties.headers)['reason']], ['2', 'maxlen']);
    },
  },
  {
    name: 'x-max-length-bytes counts body bytes',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q, arguments: { 'x-max-length-bytes': 10 } });
      for (const body of ['aaaa', 'bbbb', 'cccc']) await ch.basicPublish('', q, body);
      assert.deepEqual((await t.drain(ch, q)).map((m) => m.text), ['bbbb', 'cccc']);
    },
  },
  {
    name: 'nack without requeue dead-letters with reason rejected and a full x-death entry',
    run: async (t) => {
      const { q, dead, dlx } = await withDeadLetters(t, {});
      const ch = await t.confirmChannel();
      const x = t.name('src');
      await ch.exchangeDeclare({ exchange: x, exchangeType: 'direct' });
      await ch.queueBind({ queue: q, exchange: x, routingKey: 'k' });
      await ch.basicPublish(x, 'k', 'bad', { headers: { CC: ['cc-key'] } });
      const m = await ch.basicGet(q);
      assert.ok(m !== null);
      ch.basicNack(m.method.deliveryTag, { requeue: false });
      await t.depth(ch, dead, 1);
      const [d] = await t.drain(ch, dead);
      const entry = death(d?.properties.headers);
      assert.deepEqual(
        [entry['reason'], entry['queue'], entry['exchange'], entry['routing-keys'], Number(entry['count']), entry['time'] instanceof Date],
        ['rejected', q, x, ['k', 'cc-key'], 1, true],
      );
      const h = d?.properties.headers ?? {};
      assert.deepEqual([h['x-first-death-reason'], h['x-first-death-queue'], h['x-first-death-exchange']], ['rejected', q, x]);
      assert.deepEqual([d?.method.exchange, d?.method.routingKey], [dlx, 'k']);
    },
  },
  {
    name: 'x-dead-letter-routing-key replaces the routing key of dead-lettered messages',
    run: async (t) => {
      const { q, dead } = await withDeadLetters(t, {}, 'parked');
      const ch = await t.confirmChannel();
      await ch.basicPublish('', q, 'bad');
      const m = await ch.basicGet(q);
      ch.basicReject(m!.method.deliveryTag, false);
      await t.depth(ch, dead, 1);
      const [d] = await t.drain(ch, dead);
      assert.equal(d?.method.routingKey, 'parked');
    },
  },
  {
    name: 'a second death in the same queue for the same reason raises x-death count',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const [q, dlx] = [t.name('q'), t.name('dlx')];
      await ch.exchangeDeclare({ exchange: dlx, exchangeType: 'fanout' });
      await ch.queueDeclare({ queue: q, arguments: { 'x-dead-letter-exchange': dlx } });
      await ch.queueBind({ queue: q, exchange: dlx });
      await ch.basicPublish('', q, 'loop');
      for (let round = 1; round <= 2; round++) {
        await t.depth(ch, q, 1);
        const m = await ch.basicGet(q);
        if (round === 2) {
          assert.equal(Number(death(m!.properties.headers)['count']), 1);
        }
        ch.basicNack(m!.method.deliveryTag, { requeue: false });
      }
      await t.depth(ch, q, 1);
      const last = await ch.basicGet(q, { autoAck: true });
      const deaths = last!.properties.headers?.['x-death'] as FieldTable[];
      assert.deepEqual([deaths.length, Number(deaths[0]!['count'])], [1, 2]);
    },
  },
  {
    name: 'without a dead-letter exchange a rejected message is dropped',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      await ch.basicPublish('', q, 'x');
      const m = await ch.basicGet(q);
      ch.basicReject(m!.method.deliveryTag, false);
      await t.sleep(30);
      assert.equal((await ch.queueDeclare({ queue: q, passive: true })).messageCount, 0);
    },
  },
  {
    name: 'with both a queue TTL and a message expiration the shorter one applies',
    run: async (t) => {
      const { q, dead } = await withDeadLetters(t, { 'x-message-ttl': 60_000 });
      const ch = await t.confirmChannel();
      await ch.basicPublish('', q, 'short', { expiration: '30' });
      await t.depth(ch, dead, 1);
      assert.equal((await ch.queueDeclare({ queue: q, passive: true })).messageCount, 0);
    },
  },
];
