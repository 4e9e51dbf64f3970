import { describe, it, expect } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { BodyTooLargeError, OversizeMessageError } from '../../../../lib/protocol/errors.js';
import type { AmqpChannel } from '../../../../lib/transport/connection/connection-host.js';
import type { AmqpMessage } from '../../../../lib/transport/core/amqp.context.js';
import { bareConsumerPipeline, type ConsumerPipeline } from '../../../../lib/transport/consume/consumer-pipeline.js';
import { ChannelLease, Delivery } from '../../../../lib/transport/consume/delivery.js';
import { oversizeFate } from '../../../../lib/transport/consume/failure/oversize-fate.js';

function fakeDelivery(tag: number): { delivery: Delivery; sent: string[] } {
  const sent: string[] = [];
  const channel = {
    channelNumber: 1,
    isOpen: true,
    isStale: () => false,
    addOnCloseCallback: () => undefined,
    basicAck: (deliveryTag: number) => sent.push(`ack ${deliveryTag}`),
    basicNack: (deliveryTag: number, o: { requeue?: boolean }) => sent.push(`nack ${deliveryTag} requeue=${String(o.requeue)}`),
  } as unknown as AmqpChannel;
  return { delivery: new Delivery(new ChannelLease(channel), tag), sent };
}

const message: AmqpMessage = {
  content: Buffer.alloc(0),
  fields: { deliveryTag: 4, redelivered: false, exchange: '', routingKey: 'orders', consumerTag: 'c' },
  properties: { messageId: 'big' },
} as AmqpMessage;
const error = new OversizeMessageError(new BodyTooLargeError(102_400, 65_536, 1), {
  channel: 1,
  method: 'basic.deliver',
  deliveryTag: 4,
  consumerTag: 'c',
  outcome: 'delivered',
});

function recording(): { logger: LoggerService; lines: string[] } {
  const lines: string[] = [];
  const logger: LoggerService = { log: () => undefined, warn: (line: string) => lines.push(`WARN ${line}`), error: (line: string) => lines.push(`ERROR ${line}`) };
  return { logger, lines };
}

describe('oversizeFate', () => {
  it('dead-letters it as a failed message: without a DLX or dead-letter queue, nacked (dropped) with one ERROR naming the sizes', async () => {
    const { logger, lines } = recording();
    const { delivery, sent } = fakeDelivery(4);
    await oversizeFate(bareConsumerPipeline(logger), logger, false)(message, delivery, 'orders', error);
    expect(sent).toEqual(['nack 4 requeue=false']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ERROR queue "orders", delivery 4, messageId "big".*: body of 102400 bytes exceeds maxBodySize 65536 .*DROPPED/);
  });

  it('with a DLX: nacked, the broker dead-letters it', async () => {
    const { logger, lines } = recording();
    const { delivery, sent } = fakeDelivery(4);
    const bare = bareConsumerPipeline(logger);
    const pipeline: ConsumerPipeline = { ...bare, target: { ...bare.target, deadLetterExchange: 'dlx' } };
    await oversizeFate(pipeline, logger, false)(message, delivery, 'orders', error);
    expect(sent).toEqual(['nack 4 requeue=false']);
    expect(lines[0]).toMatch(/dead-lettered through the queue's DLX \(exchange "dlx"\)/);
  });

  it('on a stream (never nacked): acked and skipped, with one ERROR', async () => {
    const { logger, lines } = recording();
    const { delivery, sent } = fakeDelivery(4);
    await oversizeFate(bareConsumerPipeline(logger), logger, true)(message, delivery, 'orders', error);
    expect(sent).toEqual(['ack 4']);
    expect(lines).toEqual([expect.stringMatching(/^ERROR .*body of 102400 bytes exceeds maxBodySize 65536.*acked and skipped, it stays in the stream$/)]);
  });
});
