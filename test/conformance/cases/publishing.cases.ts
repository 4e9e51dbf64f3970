/** Publisher confirms, mandatory returns, direct reply-to, quorum queues, login and vhost access. */
import assert from 'node:assert/strict';
import { AuthenticationError, ConnectionClosedError, type BasicReturn, type FieldTable } from '../../../lib/protocol/index.js';
import { expectChannelError, type ConformanceCase } from '../support.js';

export const publishingCases: ConformanceCase[] = [
  {
    name: 'a mandatory publish nobody can take comes back as basic.return 312 NO_ROUTE, then is confirmed',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const returned = new Promise<BasicReturn>((resolve) => ch.addOnReturnCallback((_c, m) => resolve(m)));
      await ch.basicPublish('', t.name('nobody'), 'x', {}, { mandatory: true });
      const r = await returned;
      assert.deepEqual([r.replyCode, r.replyText, r.routingKey], [312, 'NO_ROUTE', t.name('nobody')]);
    },
  },
  {
    name: 'a non-mandatory publish nobody can take is dropped and still confirmed',
    run: async (t) => {
      const ch = await t.confirmChannel();
      let returns = 0;
      ch.addOnReturnCallback(() => returns++);
      await ch.basicPublish('', t.name('nobody'), 'x');
      assert.equal(returns, 0);
    },
  },
  {
    name: 'direct reply-to: replyTo is rewritten to a per-channel address that routes back',
    run: async (t) => {
      const server = await t.confirmChannel();
      const q = t.name('rpc');
      await server.queueDeclare({ queue: q });
      const requests = await t.consume(server, q, { autoAck: true });
      const client = await t.channel();
      const replies = await t.consume(client, 'amq.rabbitmq.reply-to', { autoAck: true });
      await client.basicPublish('', q, 'ping', { replyTo: 'amq.rabbitmq.reply-to', correlationId: '7' });
      const [request] = await requests.next(1);
      assert.match(request!.properties.replyTo ?? '', /^amq\.rabbitmq\.reply-to\..+/);
      await server.basicPublish('', request!.properties.replyTo!, 'pong', { correlationId: '7' });
      const [reply] = await replies.next(1);
      assert.deepEqual([reply!.text, reply!.properties.correlationId], ['pong', '7']);
    },
  },
  {
    name: 'publishing with replyTo amq.rabbitmq.reply-to without consuming it closes the channel with 406',
    run: async (t) => {
      const ch = await t.confirmChannel();
      await expectChannelError(ch.basicPublish('', t.name('q'), 'x', { replyTo: 'amq.rabbitmq.reply-to' }), 406);
    },
  },
  {
    name: 'consuming amq.rabbitmq.reply-to without auto-ack closes the channel with 406',
    run: async (t) => {
      const ch = await t.channel();
      await expectChannelError(ch.basicConsume('amq.rabbitmq.reply-to', () => undefined), 406);
    },
  },
  {
    name: 'a user-id property other than the login closes the channel with 406',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('q');
      await ch.queueDeclare({ queue: q });
      await expectChannelError(ch.basicPublish('', q, 'x', { userId: 'somebody-else' }), 406);
    },
  },
  {
    name: 'a quorum queue adds x-delivery-count once a message went back',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const q = t.name('quorum');
      await ch.queueDeclare({ queue: q, durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await ch.basicPublish('', q, 'x');
      const c = await t.consume(ch, q);
      const [first] = await c.next(1);
      assert.equal(first!.properties.headers?.['x-delivery-count'], undefined);
      ch.basicNack(first!.method.deliveryTag, { requeue: true });
      const second = (await c.next(2))[1]!;
      assert.deepEqual([Number(second.properties.headers?.['x-delivery-count']), second.method.redelivered], [1, true]);
      ch.basicAck(second.method.deliveryTag);
    },
  },
  {
    name: 'a quorum queue dead-letters a message past x-delivery-limit with reason delivery_limit',
    run: async (t) => {
      const ch = await t.confirmChannel();
      const [q, dlx, dead] = [t.name('quorum'), t.name('dlx'), t.name('dead')];
      await ch.exchangeDeclare({ exchange: dlx, exchangeType: 'fanout' });
      await ch.queueDeclare({ queue: dead });
      await ch.queueBind({ queue: dead, exchange: dlx });
      await ch.queueDeclare({ queue: q, durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 1, 'x-dead-letter-exchange': dlx } });
      await ch.basicPublish('', q, 'poison');
      const c = await t.consume(ch, q);
      await c.next(1);
      ch.basicNack(c.messages[0]!.method.deliveryTag, { requeue: true });
      await c.next(2);
      ch.basicNack(c.messages[1]!.method.deliveryTag, { requeue: true });
      await t.depth(ch, dead, 1);
      const [d] = await t.drain(ch, dead);
      assert.equal((d!.properties.headers?.['x-death'] as FieldTable[])[0]!['reason'], 'delivery_limit');
    },
  },
  {
    name: 'a non-durable quorum queue is refused with 406',
    run: async (t) => {
      const ch = await t.channel();
      await expectChannelError(ch.queueDeclare({ queue: t.name('quorum'), durable: false, arguments: { 'x-queue-type': 'quorum' } }), 406);
    },
  },
  {
    name: 'a wrong password is refused with 403 ACCESS_REFUSED',
    run: async (t) => {
      const url = new URL(t.url);
      url.password = 'not-the-password';
      await assert.rejects(t.connect(url.href), (e: unknown) => e instanceof AuthenticationError && e.replyCode === 403);
    },
  },
  {
    name: 'an unknown vhost is refused with 530 NOT_ALLOWED',
    run: async (t) => {
      const url = new URL(t.url);
      url.pathname = '/conformance-no-such-vhost';
      await assert.rejects(t.connect(url.href), (e: unknown) => e instanceof ConnectionClosedError && e.replyCode === 530);
    },
  },
];
