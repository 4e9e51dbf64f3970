/**
 * AmqpReplySerializer: a handler's RmqRecord reply becomes its data plus the record's options, the
 * rest of Nest's reply packet kept; any other reply goes out as it is.
 */
import { describe, expect, it } from '@jest/globals';
import { RmqRecord } from '@nestjs/microservices';
import { AmqpReplySerializer } from '../../../../lib/transport/server/amqp-reply.serializer.js';

describe('AmqpReplySerializer', () => {
  const serializer = new AmqpReplySerializer();

  it("unwraps an RmqRecord reply into its data and options, keeping the packet's other keys", () => {
    const packet = { id: '7', response: new RmqRecord({ total: 3 }, { headers: { tenant: 'a' }, priority: 2 }), isDisposed: true };
    expect(serializer.serialize(packet)).toStrictEqual({
      id: '7',
      response: { total: 3 },
      isDisposed: true,
      options: { headers: { tenant: 'a' }, priority: 2 },
    });
    expect(packet.response).toBeInstanceOf(RmqRecord);
  });

  it('adds no options key for a record without options, and returns any other reply as it is', () => {
    expect(serializer.serialize({ id: '8', response: new RmqRecord(5, undefined as never), isDisposed: true })).toStrictEqual({
      id: '8',
      response: 5,
      isDisposed: true,
    });
    const plain = { id: '9', response: 5, isDisposed: true };
    expect(serializer.serialize(plain)).toBe(plain);
  });
});
