import { describe, it, expect } from '@jest/globals';
import { InvalidArgumentError } from '../../../../lib/protocol/errors.js';
import type { QueueConsumerOptions } from '../../../../lib/transport/options/queue-consumer.options.js';
import { queueArguments, validateQueueConsumerOptions } from '../../../../lib/transport/decorators/queue-consumer.metadata.js';
import { queueConsumerSpec } from '../../../../lib/transport/consume/consumer-specs.js';
import { StreamOffsetTracker } from '../../../../lib/transport/consume/stream/stream-offset-tracker.js';
import { redeliveryCountOf } from '../../../../lib/transport/consume/failure/redelivery-count.js';

function refusal(options: QueueConsumerOptions): string | undefined {
  try {
    validateQueueConsumerOptions('q', options);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).message;
  }
}

describe('consumer pipeline options', () => {
  it('names the option it cannot honour', () => {
    expect(refusal({ onError: 'retry' as never })).toContain('onError');
    expect(refusal({ maxRedeliveries: -1 })).toContain('maxRedeliveries');
    expect(refusal({ deadLetterQueue: '' })).toContain('deadLetterQueue');
    expect(refusal({ onQueueMismatch: 'ignore' as never })).toContain('onQueueMismatch');
    expect(refusal({ batch: { size: 0 } })).toContain('batch.size');
    expect(refusal({ batch: { size: 50 }, prefetch: 20 })).toContain('prefetch');
    expect(refusal({ batch: { size: 5 }, ack: 'manual' })).toContain('batch');
    expect(refusal({ stream: { offset: 'earliest' as never } })).toContain('stream.offset');
    expect(refusal({ stream: { offset: new Date(Number.NaN) } })).toContain('stream.offset');
    expect(refusal({ stream: {}, prefetch: 0 })).toContain('prefetch');
    expect(refusal({ stream: {}, ack: 'none' })).toContain('ack');
    expect(refusal({ stream: {}, onError: 'requeue' })).toContain('stream.onError');
    expect(refusal({ stream: { maxAge: '7 days' } })).toContain('stream.maxAge');
    expect(refusal({ queueType: 'quorum', stream: {} })).toContain('queueType');
    expect(refusal({ batch: { size: 50 }, prefetch: 50, onError: 'requeue', stream: undefined })).toBeUndefined();
  });

  it("maxRedeliveries on a quorum queue stays within its delivery limit (RabbitMQ 4's 20 when undeclared)", () => {
    const quorum = { queueType: 'quorum', onError: 'requeue' } as const;
    expect(refusal({ ...quorum, maxRedeliveries: 20 })).toBeUndefined();
    expect(refusal({ ...quorum, maxRedeliveries: 21 })).toMatch(/^.*maxRedeliveries.*21 exceeds.*default delivery limit \(20\).*x-delivery-limit'\] of at least 21/);
    expect(refusal({ ...quorum, maxRedeliveries: 50, arguments: { 'x-delivery-limit': 50 } })).toBeUndefined();
    expect(refusal({ ...quorum, maxRedeliveries: 6, arguments: { 'x-delivery-limit': 5 } })).toContain('x-delivery-limit 5');
    // -1 means "no limit" on RabbitMQ 4 but drops at the first return on 3.x
    expect(refusal({ ...quorum, maxRedeliveries: 3, arguments: { 'x-delivery-limit': -1 } })).toContain('x-delivery-limit -1');
    expect(refusal({ queueType: 'quorum', onError: () => 'requeue', maxRedeliveries: 30 })).toContain('maxRedeliveries');
    // not requeued, or not a quorum queue: the limit does not apply
    expect(refusal({ queueType: 'quorum', onError: 'dead-letter', maxRedeliveries: 30 })).toBeUndefined();
    expect(refusal({ onError: 'requeue', maxRedeliveries: 30 })).toBeUndefined();
  });

  it('a batch raises the default prefetch to its size; a stream gets x-stream-offset and its retention arguments', () => {
    expect(queueConsumerSpec({ queue: 'q', pattern: 'p', options: { batch: { size: 200 } } }).prefetch).toBe(200);
    const when = new Date('2026-01-01T00:00:00Z');
    const spec = queueConsumerSpec({ queue: 's', pattern: 'p', options: { stream: { offset: when, maxAge: '7D', maxLengthBytes: 10, maxSegmentSizeBytes: 5 } } });
    expect(spec.arguments).toEqual({ 'x-stream-offset': when });
    expect(spec.stream).toBe(true);
    expect(queueArguments({ stream: { maxAge: '7D', maxLengthBytes: 10, maxSegmentSizeBytes: 5 } })).toEqual({
      'x-queue-type': 'stream',
      'x-max-age': '7D',
      'x-stream-max-length-bytes': 10,
      'x-stream-max-segment-size-bytes': 5,
    });
  });

  it('the offset tracker only moves past a message once every earlier one has finished', () => {
    const args: Record<string, unknown> = { 'x-stream-offset': 'first' };
    const tracker = new StreamOffsetTracker(args as never);
    for (const offset of [10, 11, 12]) tracker.started(offset);
    tracker.finished(12);
    expect(args['x-stream-offset']).toBe('first');
    tracker.finished(10);
    expect(args['x-stream-offset']).toBe(11);
    tracker.finished(11);
    expect(args['x-stream-offset']).toBe(13);
  });

  it('the redelivery count is the higher of the broker header and ours; junk counts as 0', () => {
    expect(redeliveryCountOf(undefined)).toBe(0);
    expect(redeliveryCountOf({ 'x-delivery-count': 3 })).toBe(3);
    expect(redeliveryCountOf({ 'x-redelivery-count': 2, 'x-delivery-count': 1 })).toBe(2);
    expect(redeliveryCountOf({ 'x-redelivery-count': 'x' })).toBe(0);
  });
});
