import { describe, it, expect } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import type { BasicProperties } from '../../../../lib/protocol/index.js';
import type { AmqpContext, AmqpMessage } from '../../../../lib/transport/core/amqp.context.js';
import type { QueueConsumerOptions } from '../../../../lib/transport/options/queue-consumer.options.js';
import type { AmqpChannel } from '../../../../lib/transport/connection/connection-host.js';
import { ChannelLease, Delivery } from '../../../../lib/transport/consume/delivery.js';
import { invokeHandler } from '../../../../lib/transport/consume/handler-invoker.js';
import { QueueConsumerDispatcher } from '../../../../lib/transport/consume/queue-consumer-dispatcher.js';

/** A @QueueConsumer dispatcher over a recording channel; returns what the handler received and what was settled. */
async function consume(options: QueueConsumerOptions, body: Buffer | string, properties: BasicProperties = {}) {
  const sent: string[] = [];
  const channel = {
    channelNumber: 1,
    isOpen: true,
    isStale: () => false,
    addOnCloseCallback: () => undefined,
    basicAck: (tag: number) => sent.push(`ack ${tag}`),
    basicNack: (tag: number) => sent.push(`nack ${tag}`),
  } as unknown as AmqpChannel;
  const logger: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };
  const received: Array<{ data: unknown; metadata: unknown }> = [];
  const handler = (async (data: unknown, ctx: AmqpContext) => {
    received.push({ data, metadata: ctx.getMetadata() });
  }) as MessageHandler;
  const dispatcher = new QueueConsumerDispatcher(
    handler,
    { queue: 'q', options, pattern: 'amqp-queue-consumer:q:C.m' },
    invokeHandler,
    logger,
    new AbortController().signal,
  );
  const message: AmqpMessage = {
    content: Buffer.isBuffer(body) ? body : Buffer.from(body),
    fields: { consumerTag: 'c', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q' },
    properties,
  };
  await dispatcher.dispatch(message, new Delivery(new ChannelLease(channel), 1), channel, 'q');
  return { received, sent };
}

const event = JSON.stringify({ pattern: 'order.created', data: { id: 7 } });

describe('QueueConsumerDispatcher and Nest event envelopes', () => {
  it('hands the body as is by default, envelope included (a queue is shared with producers we do not control)', async () => {
    const { received, sent } = await consume({}, event, { contentType: 'application/json' });
    expect(received).toEqual([{ data: { pattern: 'order.created', data: { id: 7 } }, metadata: undefined }]);
    expect(sent).toEqual(['ack 1']);
  });

  it('with unwrapNestEnvelope, a Nest event {pattern, data} (ClientRMQ / ClientAMQP emit) hands its data and metadata', async () => {
    const withMetadata = JSON.stringify({ pattern: { cmd: 'x' }, data: [1, 2], metadata: { traceId: 't1' } });
    expect((await consume({ unwrapNestEnvelope: true }, event)).received).toEqual([{ data: { id: 7 }, metadata: undefined }]);
    expect((await consume({ unwrapNestEnvelope: true }, withMetadata)).received).toEqual([{ data: [1, 2], metadata: { traceId: 't1' } }]);
  });

  it('with unwrapNestEnvelope, anything that is not exactly an event envelope arrives as is', async () => {
    const bodies: Array<[string | Buffer, unknown]> = [
      [JSON.stringify({ pattern: 'p', data: 1, extra: true }), { pattern: 'p', data: 1, extra: true }],
      [JSON.stringify({ pattern: 'p' }), { pattern: 'p' }],
      [JSON.stringify({ pattern: 'p', data: 1, id: 'r1' }), { pattern: 'p', data: 1, id: 'r1' }],
      [JSON.stringify({ data: 1 }), { data: 1 }],
      ['not json {', Buffer.from('not json {')],
    ];
    for (const [body, expected] of bodies) {
      const { received, sent } = await consume({ unwrapNestEnvelope: true }, body);
      expect(received.map((r) => r.data)).toEqual([expected]);
      expect(sent).toEqual(['ack 1']);
    }
  });
});

describe('QueueConsumerDispatcher retry', () => {
  it('does not republish a retry whose channel was lost during the delay (the broker redelivers the original)', async () => {
    const sent: string[] = [];
    let closeChannel: (() => void) | undefined;
    const channel = {
      channelNumber: 1,
      isOpen: true,
      isStale: () => false,
      addOnCloseCallback: (cb: () => void) => (closeChannel = cb),
      basicAck: (tag: number) => sent.push(`ack ${tag}`),
      basicNack: (tag: number) => sent.push(`nack ${tag}`),
      basicPublish: async (_exchange: string, queue: string) => {
        sent.push(`publish ${queue}`);
      },
    } as unknown as AmqpChannel;
    const warnings: string[] = [];
    const logger: LoggerService = {
      log: () => undefined,
      warn: (m: unknown) => warnings.push(String(m)),
      error: () => undefined,
    };
    const handler = (async () => {
      throw new Error('boom');
    }) as MessageHandler;
    const dispatcher = new QueueConsumerDispatcher(
      handler,
      { queue: 'q', options: { retry: { attempts: 2, delay: 30 } }, pattern: 'amqp-queue-consumer:q:C.m' },
      invokeHandler,
      logger,
      new AbortController().signal,
    );
    const message: AmqpMessage = {
      content: Buffer.from('{}'),
      fields: { consumerTag: 'c', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q' },
      properties: {},
    };
    const done = dispatcher.dispatch(message, new Delivery(new ChannelLease(channel), 1), channel, 'q');
    await new Promise((resolve) => setTimeout(resolve, 5));
    closeChannel?.();
    await done;
    expect(sent).toEqual([]);
    expect(warnings.some((w) => w.includes('not republished'))).toBe(true);
  });
});
