import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import type { AmqpMessage } from '../../../../lib/transport/core/amqp.context.js';
import { copyProperties, fitsShortString } from '../../../../lib/transport/consume/failure/failure-copy.js';
import { isRefusal } from '../../../../lib/transport/consume/failure/copy-ladder.js';
import { failureHeaders } from '../../../../lib/transport/consume/failure/failure-headers.js';
import { ChannelClosedError, ConnectionLostError, EncodeError } from '../../../../lib/protocol/errors.js';
import type { BasicProperties } from '../../../../lib/protocol/index.js';

function message(properties: BasicProperties): AmqpMessage {
  return {
    content: Buffer.from('{}'),
    fields: { consumerTag: 'c', deliveryTag: 7, redelivered: false, exchange: 'x', routingKey: 'rk' },
    properties,
  } as AmqpMessage;
}

describe('copies of failed messages', () => {
  it('never carry expiration, user_id, CC or BCC; keep them in headers of their own', () => {
    const copy = copyProperties(
      message({ expiration: '1000', userId: 'someone', messageId: 'm1', headers: { CC: ['victim'], BCC: ['hidden'], keep: 1 } }),
      { 'x-failed-queue': 'q' },
    );
    expect(copy.expiration).toBeUndefined();
    expect(copy.userId).toBeUndefined();
    expect(copy.messageId).toBe('m1');
    expect(copy.headers).toEqual({
      keep: 1,
      'x-original-cc': ['victim'],
      'x-original-bcc': ['hidden'],
      'x-original-expiration': '1000',
      'x-original-user-id': 'someone',
      'x-original-exchange': 'x',
      'x-original-routing-key': 'rk',
      'x-failed-queue': 'q',
    });
  });

  it('a reduced copy leaves the original headers out (our small x- ones kept) and names them', () => {
    const copy = copyProperties(message({ headers: { blob: 'b'.repeat(5000), 'x-retry-count': 2, CC: ['v'] } }), { a: 1 }, 'reduced');
    expect(copy.headers).toEqual({ 'x-retry-count': 2, 'x-original-exchange': 'x', 'x-original-routing-key': 'rk', a: 1, 'x-dropped-properties': 'headers' });
  });

  it('every short-string property of a copy encodes (property: any strings)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), (id, type) => {
        const copy = copyProperties(message({ messageId: id, type }), {});
        for (const value of [copy.messageId, copy.type]) if (value !== undefined) expect(Buffer.byteLength(value)).toBeLessThanOrEqual(255);
        const dropped = String(copy.headers?.['x-dropped-properties'] ?? '');
        expect(dropped.includes('messageId')).toBe(!fitsShortString(id));
      }),
    );
  });

  it('a decoded 120 x 0xFF id (360 bytes) is dropped and named', () => {
    const id = Buffer.alloc(120, 0xff).toString('utf8');
    const copy = copyProperties(message({ messageId: id }), {});
    expect(copy.messageId).toBeUndefined();
    expect(copy.headers?.['x-dropped-properties']).toBe('messageId');
  });

  it('refusals are the copy problems; a lost connection is not', () => {
    expect(isRefusal(new EncodeError('too big'))).toBe(true);
    expect(isRefusal(new ChannelClosedError(1, { replyCode: 406, replyText: 'PRECONDITION_FAILED', initiator: 'broker' }))).toBe(true);
    expect(isRefusal(new ConnectionLostError('gone'))).toBe(false);
  });

  it('failure headers: the error, bounded; the first failure kept from an earlier copy', () => {
    const error = new RangeError('x'.repeat(5000));
    const headers = failureHeaders(message({ headers: { 'x-first-failure-queue': 'first', 'x-first-failure-time': 5, 'x-retry-count': 2 } }), 'q', { reason: 'r', error, consumer: 'C' }, 9);
    expect(headers['x-exception-class']).toBe('RangeError');
    expect(String(headers['x-exception-message'])).toHaveLength(1000);
    expect(String(headers['x-exception-stack']).split('\n').length).toBeLessThanOrEqual(8);
    expect(headers['x-first-failure-queue']).toBe('first');
    expect(headers['x-first-failure-time']).toBe(5);
    expect(headers['x-failure-attempts']).toBe(3);
    expect(headers['x-failed-consumer']).toBe('C');
  });
});
