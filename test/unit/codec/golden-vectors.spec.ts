/**
 * Golden byte vectors written by hand from the AMQP 0-9-1 spec (frame layout, argument order and
 * types, bit packing, property flags, field-table tags). Each vector is decoded by the parser and
 * compared with the expected method, and the same method is encoded and compared byte for byte.
 */
import { describe, expect, it } from '@jest/globals';
import {
  Decimal,
  TypedValue,
  encodeBasicPublish,
  encodeContentFrames,
  encodeFieldTable,
  encodeMethodFrame,
  HEARTBEAT_FRAME,
  METHOD_ID_BY_NAME,
  METHOD_INFO,
  PROTOCOL_HEADER,
} from '../../../lib/protocol/codec/index.js';
import type { EncodeArgs, FieldTable, MethodName } from '../../../lib/protocol/codec/index.js';
import { decodeFieldTable } from '../../../lib/protocol/codec/field-table.js';
import { cursor } from '../../../lib/protocol/codec/primitives.js';
import { ascii, defined, frame, hex, lstr, method, parse, sstr, table, u16, u32, u8 } from './helpers.js';

interface Vector<N extends MethodName> {
  name: N;
  channel: number;
  bytes: Buffer;
  args: EncodeArgs<N>;
}

function vector<N extends MethodName>(
  name: N,
  channel: number,
  args: EncodeArgs<N>,
  bytes: Buffer,
): Vector<N> {
  return { name, channel, args, bytes };
}

const serverProperties = table(
  sstr('product'),
  ascii('S'),
  lstr('RabbitMQ'),
  sstr('capabilities'),
  ascii('F'),
  table(sstr('publisher_confirms'), ascii('t'), u8(1)),
);

const methodVectors = [
  vector(
    'connection.start',
    0,
    {
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: { product: 'RabbitMQ', capabilities: { publisher_confirms: true } },
      mechanisms: 'PLAIN AMQPLAIN',
      locales: 'en_US',
    },
    method(0, 10, 10, u8(0), u8(9), serverProperties, lstr('PLAIN AMQPLAIN'), lstr('en_US')),
  ),
  vector(
    'connection.start-ok',
    0,
    {
      clientProperties: { product: 'test' },
      mechanism: 'PLAIN',
      response: '\u0000guest\u0000guest',
      locale: 'en_US',
    },
    method(
      0,
      10,
      11,
      table(sstr('product'), ascii('S'), lstr('test')),
      sstr('PLAIN'),
      lstr(Buffer.from([0, 0x67, 0x75, 0x65, 0x73, 0x74, 0, 0x67, 0x75, 0x65, 0x73, 0x74])),
      sstr('en_US'),
    ),
  ),
  // 01 | 0000 | 0000000c | 000a 001e | channel-max 07ff | frame-max 00020000 | heartbeat 003c | ce
  vector(
    'connection.tune',
    0,
    { channelMax: 2047, frameMax: 131072, heartbeat: 60 },
    hex('01 0000 0000000c 000a001e 07ff 00020000 003c ce'),
  ),
  vector(
    'connection.tune-ok',
    0,
    { channelMax: 2047, frameMax: 131072, heartbeat: 60 },
    hex('01 0000 0000000c 000a001f 07ff 00020000 003c ce'),
  ),
  // virtual-host "/" | capabilities "" | insist bit 0
  vector(
    'connection.open',
    0,
    { virtualHost: '/', capabilities: '', insist: false },
    hex('01 0000 00000008 000a0028 01 2f 00 00 ce'),
  ),
  vector('connection.open-ok', 0, { knownHosts: '' }, hex('01 0000 00000005 000a0029 00 ce')),
  vector(
    'connection.close',
    0,
    { replyCode: 320, replyText: 'bye', classId: 0, methodId: 0 },
    hex('01 0000 0000000e 000a0032 0140 03 627965 0000 0000 ce'),
  ),
  vector('connection.blocked', 0, { reason: 'low on memory' }, method(0, 10, 60, sstr('low on memory'))),
  vector('connection.unblocked', 0, {}, hex('01 0000 00000004 000a003d ce')),
  vector('channel.open', 1, { outOfBand: '' }, hex('01 0001 00000005 0014000a 00 ce')),
  vector('channel.open-ok', 1, { channelId: '' }, hex('01 0001 00000008 0014000b 00000000 ce')),
  // ticket 0000 | queue "q1" | bits: durable (bit 1) = 02 | arguments {"x-queue-type": S "quorum"}
  vector(
    'queue.declare',
    1,
    {
      ticket: 0,
      queue: 'q1',
      passive: false,
      durable: true,
      exclusive: false,
      autoDelete: false,
      nowait: false,
      arguments: { 'x-queue-type': 'quorum' },
    },
    method(1, 50, 10, u16(0), sstr('q1'), u8(0x02), table(sstr('x-queue-type'), ascii('S'), lstr('quorum'))),
  ),
  vector(
    'queue.declare-ok',
    1,
    { queue: 'q1', messageCount: 5, consumerCount: 1 },
    hex('01 0001 0000000f 0032000b 02 7131 00000005 00000001 ce'),
  ),
  // delivery-tag 2^32 + 2 (a real 64-bit value) | redelivered 1 | exchange "" | routing-key "rk"
  vector(
    'basic.deliver',
    1,
    { consumerTag: 'ctag', deliveryTag: 4294967298, redelivered: true, exchange: '', routingKey: 'rk' },
    hex('01 0001 00000016 003c003c 04 63746167 0000000100000002 01 00 02 726b ce'),
  ),
  vector(
    'basic.ack',
    1,
    { deliveryTag: 7, multiple: true },
    hex('01 0001 0000000d 003c0050 0000000000000007 01 ce'),
  ),
  // bits: multiple (bit 0) = 0, requeue (bit 1) = 1 -> 02
  vector(
    'basic.nack',
    1,
    { deliveryTag: 9, multiple: false, requeue: true },
    hex('01 0001 0000000d 003c0078 0000000000000009 02 ce'),
  ),
  vector(
    'basic.qos',
    1,
    { prefetchSize: 0, prefetchCount: 10, global: false },
    hex('01 0001 0000000b 003c000a 00000000 000a 00 ce'),
  ),
  vector('confirm.select', 1, { nowait: false }, hex('01 0001 00000005 0055000a 00 ce')),
  vector('exchange.unbind-ok', 1, {}, hex('01 0001 00000004 00280033 ce')),
];

describe('golden vectors: methods', () => {
  for (const v of methodVectors) {
    it(`${v.name} decodes from the spec's bytes and encodes back to them`, () => {
      // a content-carrying method is reported with its content: give it an empty header
      const withContent = METHOD_INFO[METHOD_ID_BY_NAME[v.name]]!.hasContent;
      const emptyHeader = frame(2, v.channel, hex('003c 0000 0000000000000000 0000'));
      const events = parse(withContent ? Buffer.concat([v.bytes, emptyHeader]) : v.bytes);
      expect(events).toHaveLength(1);
      const e = events[0]!;
      if (e.kind !== (withContent ? 'content' : 'method')) throw new Error(`unexpected ${e.kind} event`);
      expect(e.channel).toBe(v.channel);
      expect(e.method.name).toBe(v.name);
      expect(e.method.args).toEqual(v.args);
      expect(encodeMethodFrame(v.channel, v.name, v.args as never).toString('hex')).toBe(
        v.bytes.toString('hex'),
      );
    });
  }

  it('the protocol header and heartbeat frame are the spec bytes', () => {
    expect(PROTOCOL_HEADER.toString('hex')).toBe('414d515000000901');
    expect(HEARTBEAT_FRAME.toString('hex')).toBe('08000000000000ce');
    expect(parse(hex('08 0000 00000000 ce'))).toEqual([{ kind: 'heartbeat' }]);
  });
});

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

describe('golden vectors: a field table holding every tag', () => {
  const bytes = table(
    sstr('S'), ascii('S'), lstr('str'),
    sstr('T'), ascii('T'), hex('000000006553f100'), // 1700000000 s
    sstr('b'), ascii('b'), hex('ff'),
    sstr('B'), ascii('B'), hex('c8'),
    sstr('s'), ascii('s'), hex('fffe'),
    sstr('u'), ascii('u'), hex('ffff'),
    sstr('I'), ascii('I'), hex('fffffffd'),
    sstr('i'), ascii('i'), hex('ee6b2800'), // 4000000000
    sstr('d'), ascii('d'), hex('3ff8000000000000'), // 1.5
    sstr('f'), ascii('f'), hex('3e800000'), // 0.25
    sstr('l'), ascii('l'), hex('fffffffffffffffc'),
    sstr('L'), ascii('L'), hex('0020000000000001'), // 2^53 + 1
    sstr('t'), ascii('t'), hex('01'),
    sstr('D'), ascii('D'), hex('02 00003039'), // 123.45
    sstr('F'), ascii('F'), table(sstr('a'), ascii('I'), u32(1)),
    sstr('A'), ascii('A'), u32(11), ascii('I'), u32(1), ascii('S'), lstr('x'),
    sstr('x'), ascii('x'), lstr(hex('010203')),
    sstr('V'), ascii('V'),
  ); // prettier-ignore

  const decoded: FieldTable = {
    S: 'str',
    T: new Date(1700000000 * 1000),
    b: -1,
    B: 200,
    s: -2,
    u: 65535,
    I: -3,
    i: 4000000000,
    d: 1.5,
    f: 0.25,
    l: -4,
    L: 9007199254740993n,
    t: true,
    D: new Decimal(2, 12345),
    F: { a: 1 },
    A: [1, 'x'],
    x: hex('010203'),
    V: null,
  };

  it('decodes to the documented JS types', () => {
    const t = decodeFieldTable(bytes, 0, bytes.length);
    expect(cursor.pos).toBe(bytes.length);
    expect(t).toEqual(decoded);
    expect(typeof t.L).toBe('bigint');
    expect(t.D).toBeInstanceOf(Decimal);
    expect(Buffer.isBuffer(t.x)).toBe(true);
  });

  it('encodes back to the same bytes (inferred tags where they apply, TypedValue for the rest)', () => {
    const input: FieldTable = {
      ...decoded,
      b: new TypedValue('b', -1),
      B: new TypedValue('B', 200),
      s: new TypedValue('s', -2),
      u: new TypedValue('u', 65535),
      i: new TypedValue('i', 4000000000),
      f: new TypedValue('f', 0.25),
      l: new TypedValue('l', -4),
      L: new TypedValue('L', 9007199254740993n),
    };
    expect(encodeFieldTable(input).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('infers S t I l d l x T V A F D for untagged values', () => {
    const t = encodeFieldTable({
      a: 'x',
      b: true,
      c: 7,
      d: 2 ** 40,
      e: 0.5,
      f: 5n,
      g: hex('00'),
      h: new Date(0),
      i: null,
      j: [],
      k: {},
      m: new Decimal(0, 1),
    });
    const expected = table(
      sstr('a'), ascii('S'), lstr('x'),
      sstr('b'), ascii('t'), u8(1),
      sstr('c'), ascii('I'), u32(7),
      sstr('d'), ascii('l'), hex('0000010000000000'),
      sstr('e'), ascii('d'), hex('3fe0000000000000'),
      sstr('f'), ascii('l'), hex('0000000000000005'),
      sstr('g'), ascii('x'), lstr(hex('00')),
      sstr('h'), ascii('T'), hex('0000000000000000'),
      sstr('i'), ascii('V'),
      sstr('j'), ascii('A'), u32(0),
      sstr('k'), ascii('F'), u32(0),
      sstr('m'), ascii('D'), hex('00 00000001'),
    ); // prettier-ignore
    expect(t.toString('hex')).toBe(expected.toString('hex'));
  });
});
