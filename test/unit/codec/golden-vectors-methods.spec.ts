/**
 * Golden byte vectors of the methods, written by hand from the AMQP 0-9-1 spec (frame layout, argument
 * order and types, bit packing, field tables). Each vector is decoded by the parser and compared with
 * the expected method, and the same method is encoded and compared byte for byte; the protocol header
 * and the heartbeat frame are checked against the spec bytes too.
 */
import { describe, expect, it } from '@jest/globals';
import {
  encodeMethodFrame,
  HEARTBEAT_FRAME,
  METHOD_ID_BY_NAME,
  METHOD_INFO,
  PROTOCOL_HEADER,
} from '../../../lib/protocol/codec/index.js';
import type { EncodeArgs, MethodName } from '../../../lib/protocol/codec/index.js';
import { ascii, frame, hex, lstr, method, parse, sstr, table, u16, u8 } from './helpers.js';

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
