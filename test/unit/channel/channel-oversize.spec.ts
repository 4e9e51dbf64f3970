/**
 * A message whose body was over maxBodySize (skipped unread by the parser): what the channel does
 * with it, per consumer mode, for basic.get and for basic.return, and how it is reported.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { BodyTooLargeError, OversizeMessageError } from '../../../lib/protocol/errors.js';
import type { Channel } from '../../../lib/protocol/channel/channel.js';
import { FakeLink, method, openChannel } from './fake-link.js';

const tooLarge = (): BodyTooLargeError => new BodyTooLargeError(70_000_000, 67_108_864, 1);
const deliver = (consumerTag: string, deliveryTag: number) =>
  method('basic.deliver', { consumerTag, deliveryTag, redelivered: false, exchange: '', routingKey: 'q' });

async function setup(): Promise<{ link: FakeLink; channel: Channel; errors: Error[] }> {
  const link = new FakeLink();
  const sink = new EventEmitter();
  const errors: Error[] = [];
  sink.on('error', (error: Error) => errors.push(error));
  link.connection = sink;
  const channel = await openChannel(link);
  return { link, channel, errors };
}

async function consume(link: FakeLink, channel: Channel, tag: string, autoAck: boolean, seen: number[]): Promise<void> {
  const consumed = channel.basicConsume('q', (_c, m) => seen.push(m.deliveryTag), { consumerTag: tag, autoAck });
  channel.handleMethod(method('basic.consume-ok', { consumerTag: tag }));
  await consumed;
  link.take();
}

describe('Channel: an oversize message', () => {
  it('to a consumer that acks: rejected without requeue, reported, never handed to the consumer; the next one is', async () => {
    const { link, channel, errors } = await setup();
    const seen: number[] = [];
    await consume(link, channel, 'acking', false, seen);
    channel.handleOversizeContent(deliver('acking', 7), { messageId: 'big-1' }, tooLarge());
    const [reject] = link.take();
    expect(reject!.method).toMatchObject({ name: 'basic.reject', args: { deliveryTag: 7, requeue: false } });
    expect(errors).toHaveLength(1);
    const error = errors[0] as OversizeMessageError;
    expect(error).toBeInstanceOf(OversizeMessageError);
    expect(error).toMatchObject({
      code: 'ERR_AMQP_OVERSIZE_MESSAGE',
      outcome: 'rejected',
      deliveryTag: 7,
      consumerTag: 'acking',
      messageId: 'big-1',
      bodySize: 70_000_000,
      maxBodySize: 67_108_864,
      channel: 1,
    });
    expect(error.message).toBe(
      'basic.deliver 7 for consumer "acking" (message id "big-1") on channel 1: body of 70000000 bytes exceeds ' +
        'maxBodySize 67108864; skipped unread, rejected without requeue (dead-lettered if its queue has a dead-letter exchange)',
    );
    expect(error.cause).toBeInstanceOf(BodyTooLargeError);
    expect(seen).toEqual([]);
    // The tag counts as received: acking a later one with `multiple` is allowed.
    channel.handleContent(deliver('acking', 8), {}, Buffer.from('ok'));
    expect(seen).toEqual([8]);
    expect(() => channel.basicAck(8, true)).not.toThrow();
    expect(channel.isOpen).toBe(true);
  });

  it("to a consumer started with oversize: 'deliver': handed over unsettled with an empty body and the error, nothing sent, nothing reported", async () => {
    const { link, channel, errors } = await setup();
    const seen: Array<{ tag: number; body: number; error: OversizeMessageError | undefined }> = [];
    const consumed = channel.basicConsume('q', (_c, m, _p, body, oversize) => seen.push({ tag: m.deliveryTag, body: body.length, error: oversize }), {
      consumerTag: 'fates',
      oversize: 'deliver',
    });
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'fates' }));
    await consumed;
    link.take();
    channel.handleOversizeContent(deliver('fates', 5), { messageId: 'big-2' }, tooLarge());
    expect(link.take()).toEqual([]);
    expect(errors).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ tag: 5, body: 0 });
    expect(seen[0]!.error).toMatchObject({ outcome: 'delivered', deliveryTag: 5, consumerTag: 'fates', messageId: 'big-2', bodySize: 70_000_000 });
    // The consumer settles it as any delivery.
    channel.basicNack(5, { requeue: false });
    expect(link.names()).toEqual(['basic.nack']);
    channel.handleContent(deliver('fates', 6), {}, Buffer.from('ok'));
    expect(seen[1]).toEqual({ tag: 6, body: 2, error: undefined });
  });

  it('to an autoAck consumer: nothing is sent (the broker let it go), reported as dropped', async () => {
    const { link, channel, errors } = await setup();
    await consume(link, channel, 'auto', true, []);
    channel.handleOversizeContent(deliver('auto', 3), {}, tooLarge());
    expect(link.take()).toEqual([]);
    expect((errors[0] as OversizeMessageError).outcome).toBe('dropped');
    expect(errors[0]!.message).toContain('autoAck');
  });

  it('to a consumer tag this channel does not know (racing a cancel): left unsettled, reported with its tag', async () => {
    const { link, channel, errors } = await setup();
    channel.handleOversizeContent(deliver('gone', 4), {}, tooLarge());
    expect(link.take()).toEqual([]);
    expect(errors[0]).toMatchObject({ outcome: 'unsettled', deliveryTag: 4 });
  });

  it('a basic.get fails with the error and the tag, and the channel goes on', async () => {
    const { link, channel } = await setup();
    const got = channel.basicGet('q');
    link.take();
    channel.handleOversizeContent(
      method('basic.get-ok', { deliveryTag: 9, redelivered: false, exchange: '', routingKey: 'q', messageCount: 0 }),
      {},
      tooLarge(),
    );
    const error = await got.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OversizeMessageError);
    expect(error).toMatchObject({ outcome: 'unsettled', deliveryTag: 9, method: 'basic.get-ok' });
    // The caller can settle it by tag, and the next synchronous call goes out.
    channel.basicReject(9, false);
    const next = channel.basicGet('q');
    expect(link.names()).toEqual(['basic.reject', 'basic.get']);
    channel.handleMethod(method('basic.get-empty', {}));
    await expect(next).resolves.toBeNull();
  });

  it('a basic.return is reported as returned', async () => {
    const { channel, errors } = await setup();
    channel.handleOversizeContent(
      method('basic.return', { replyCode: 312, replyText: 'NO_ROUTE', exchange: '', routingKey: 'q' }),
      { messageId: 'mine' },
      tooLarge(),
    );
    expect(errors[0]).toMatchObject({ outcome: 'returned', messageId: 'mine', method: 'basic.return' });
  });
});
