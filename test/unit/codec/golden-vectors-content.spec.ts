/**
 * Golden byte vectors of content, written by hand from the AMQP 0-9-1 spec: a method with its content
 * header (property flags) and body frames, decoded by the parser and encoded back byte for byte, a
 * basic.deliver with every property flag set, and an empty body.
 */
import { describe, expect, it } from '@jest/globals';
import { encodeBasicPublish, encodeContentFrames } from '../../../lib/protocol/codec/index.js';
import { ascii, defined, frame, hex, parse, sstr, table, u32, u8 } from './helpers.js';

describe('golden vectors: content', () => {
  // basic.publish: ticket 0 | exchange "ex" | routing-key "rk" | bits mandatory = 01
  const publish = hex('01 0001 0000000d 003c0028 0000 02 6578 02 726b 01 ce');
  // header: class 60 | weight 0 | body size 5 | flags content-type (bit 15) + delivery-mode (12) + priority (11) = 9800
  const header = frame(2, 1, hex('003c 0000 0000000000000005 9800'), sstr('text/plain'), u8(2), u8(0));
  const body = frame(3, 1, ascii('hello'));
  const wire = Buffer.concat([publish, header, body]);
  const properties = { contentType: 'text/plain', deliveryMode: 2, priority: 0 };

  it('basic.publish + header + body decode, keeping priority 0', () => {
    const events = parse(wire);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    if (e.kind !== 'content') throw new Error(`expected content, got ${e.kind}`);
    expect(e.method).toEqual({
      id: 0x003c0028,
      name: 'basic.publish',
      args: { ticket: 0, exchange: 'ex', routingKey: 'rk', mandatory: true, immediate: false },
    });
    expect(defined(e.properties)).toEqual(properties);
    expect(e.body.toString()).toBe('hello');
  });

  it('encodeBasicPublish and encodeContentFrames write the same bytes', () => {
    expect(encodeBasicPublish(1, 'ex', 'rk', true, properties, ascii('hello'), 131072).toString('hex')).toBe(
      wire.toString('hex'),
    );
    expect(
      encodeContentFrames(
        1,
        'basic.publish',
        { exchange: 'ex', routingKey: 'rk', mandatory: true },
        properties,
        ascii('hello'),
        131072,
      ).toString('hex'),
    ).toBe(wire.toString('hex'));
  });

  it('basic.deliver with every property flag set', () => {
    const deliver = hex('01 0001 00000018 003c003c 04 63746167 0000000000000001 00 02 6578 02 726b ce');
    const props = Buffer.concat([
      hex('fffc'), // bits 15..2: all 14 properties
      sstr('application/json'),
      sstr('gzip'),
      table(sstr('h'), ascii('I'), u32(1)),
      u8(2),
      u8(9),
      sstr('corr'),
      sstr('reply'),
      sstr('60000'),
      sstr('mid'),
      hex('000000006553f100'),
      sstr('type'),
      sstr('guest'),
      sstr('app'),
      sstr('cluster'),
    ]);
    const headerFrame = frame(2, 1, hex('003c 0000 0000000000000002'), props);
    const bytes = Buffer.concat([deliver, headerFrame, frame(3, 1, ascii('{}'))]);
    const expected = {
      contentType: 'application/json',
      contentEncoding: 'gzip',
      headers: { h: 1 },
      deliveryMode: 2,
      priority: 9,
      correlationId: 'corr',
      replyTo: 'reply',
      expiration: '60000',
      messageId: 'mid',
      timestamp: 1700000000,
      type: 'type',
      userId: 'guest',
      appId: 'app',
      clusterId: 'cluster',
    };
    const events = parse(bytes);
    const e = events[0]!;
    if (e.kind !== 'content') throw new Error(`expected content, got ${JSON.stringify(e)}`);
    expect(e.properties).toEqual(expected);
    expect(e.body.toString()).toBe('{}');
    const encoded = encodeContentFrames(
      1,
      'basic.deliver',
      { consumerTag: 'ctag', deliveryTag: 1, exchange: 'ex', routingKey: 'rk' },
      expected,
      ascii('{}'),
      131072,
    );
    expect(encoded.toString('hex')).toBe(bytes.toString('hex'));
  });

  it('an empty body sends no body frame', () => {
    const bytes = Buffer.concat([publish, frame(2, 1, hex('003c 0000 0000000000000000 0000'))]);
    expect(encodeBasicPublish(1, 'ex', 'rk', true, undefined, Buffer.alloc(0), 131072).toString('hex')).toBe(
      bytes.toString('hex'),
    );
    const e = parse(bytes)[0]!;
    if (e.kind !== 'content') throw new Error(`expected content, got ${e.kind}`);
    expect(e.body.length).toBe(0);
  });
});
