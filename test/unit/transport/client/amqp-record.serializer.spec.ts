import { describe, it, expect } from '@jest/globals';
import { RmqRecordBuilder } from '@nestjs/microservices';
import { AmqpRecordSerializer, fromRmqRecordOptions } from '../../../../lib/transport/client/amqp-record.serializer.js';
import { AmqpRecord, AmqpRecordBuilder } from '../../../../lib/transport/client/amqp.record-builder.js';

describe('AmqpRecordSerializer', () => {
  const serializer = new AmqpRecordSerializer();

  it('takes the options out of an AmqpRecord and leaves the data in the envelope', () => {
    const record = new AmqpRecordBuilder({ n: 1 })
      .setOptions({ exchange: 'ex', routingKey: 'rk', priority: 3, timeout: 500 })
      .build();
    expect(serializer.serialize({ pattern: 'p', data: record })).toEqual({
      pattern: 'p',
      data: { n: 1 },
      options: { exchange: 'ex', routingKey: 'rk', priority: 3, timeout: 500 },
    });
  });

  it('leaves plain packets (and their Nest 12 metadata) as they are, without an options key', () => {
    const serialized = serializer.serialize({ pattern: 'p', data: [1], metadata: { trace: 't' } });
    expect(serialized).toEqual({ pattern: 'p', data: [1], metadata: { trace: 't' } });
    expect('options' in serialized).toBe(false);
  });

  it('accepts a Nest RmqRecord so code written for the built-in transport keeps working', () => {
    const record = new RmqRecordBuilder('hi')
      .setOptions({ headers: { a: 'b' }, priority: 2, persistent: true, mandatory: true })
      .build();
    expect(serializer.serialize({ pattern: 'p', data: record })).toEqual({
      pattern: 'p',
      data: 'hi',
      options: { headers: { a: 'b' }, priority: 2, persistent: true, mandatory: true },
    });
  });

  it('keeps a record without options free of an options key', () => {
    expect(serializer.serialize({ pattern: 'p', data: new AmqpRecord(5) })).toEqual({ pattern: 'p', data: 5 });
  });
});

describe('fromRmqRecordOptions', () => {
  it('maps amqplib deliveryMode forms to persistent', () => {
    expect(fromRmqRecordOptions({ deliveryMode: true }).persistent).toBe(true);
    expect(fromRmqRecordOptions({ deliveryMode: 2 }).persistent).toBe(true);
    expect(fromRmqRecordOptions({ deliveryMode: 1 }).persistent).toBe(false);
    expect(fromRmqRecordOptions({}).persistent).toBeUndefined();
  });
});
