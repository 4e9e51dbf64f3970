/**
 * Mutation fuzzing of the connection machine (sans-IO: bytes in, bytes and events out), shared by
 * the unit test (a short run) and `npm run fuzz` (a long one). Valid broker streams (bring-up, channel
 * traffic, content, heartbeats, blocked, closes) are mutated with the codec fuzzer's mutations and fed
 * in random chunks with the clock moved between them. The invariant: `receive` and `onTimer` never
 * throw; a connection that ends (nobody asked it to) ends with a typed AMQPError; whatever the
 * machine wrote parses with the codec. Each input runs with a small maxBodySize (the oversize path)
 * or the default one.
 */
import {
  HEARTBEAT_FRAME,
  encodeContentFrames,
  encodeMethodFrame,
} from '../../lib/protocol/codec/index.js';
import { AMQPError } from '../../lib/protocol/errors.js';
import { MachineHarness } from '../unit/connection/machine-harness.js';
import { deliverFrame, headerFrame } from '../support/content-frames.js';

const FRAME_MAX = 4096;

/** Valid broker streams, from the greeting on. */
export function buildMachineCorpus(): Buffer[] {
  const bringUp = Buffer.concat([
    encodeMethodFrame(0, 'connection.start', {
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: { product: 'fuzz', capabilities: { 'connection.blocked': true } },
      mechanisms: 'PLAIN AMQPLAIN',
      locales: 'en_US',
    }),
    encodeMethodFrame(0, 'connection.tune', { channelMax: 8, frameMax: FRAME_MAX, heartbeat: 2 }),
    encodeMethodFrame(0, 'connection.open-ok', {}),
  ]);
  const deliver = (tag: number, size: number): Buffer =>
    encodeContentFrames(
      1,
      'basic.deliver',
      { consumerTag: 'c', deliveryTag: tag, exchange: 'x', routingKey: 'k' },
      { messageId: `m${tag}`, headers: { n: tag } },
      Buffer.alloc(size, tag),
      FRAME_MAX,
    );
  return [
    bringUp,
    Buffer.concat([bringUp, encodeMethodFrame(1, 'channel.open-ok', {}), deliver(1, 10), deliver(2, 9000)]),
    Buffer.concat([bringUp, HEARTBEAT_FRAME, encodeMethodFrame(0, 'connection.blocked', { reason: 'mem' }), HEARTBEAT_FRAME, encodeMethodFrame(0, 'connection.unblocked', {})]),
    Buffer.concat([bringUp, deliver(3, 100), encodeMethodFrame(1, 'channel.close', { replyCode: 404, replyText: 'NOT_FOUND', classId: 50, methodId: 10 })]),
    Buffer.concat([bringUp, encodeMethodFrame(0, 'connection.close', { replyCode: 320, replyText: 'CONNECTION_FORCED', classId: 0, methodId: 0 })]),
    Buffer.concat([bringUp, deliverFrame(2), headerFrame(2, 70_000)]),
    Buffer.concat([bringUp, deliverFrame(1), headerFrame(1, 70_000), encodeMethodFrame(1, 'basic.qos-ok', {})]),
    Buffer.concat([bringUp, encodeMethodFrame(0, 'connection.update-secret-ok', {}), deliver(4, 0)]),
  ];
}

export interface MachineFuzzStats {
  inputs: number;
  /** Inputs after which the machine was still open. */
  stillOpen: number;
  /** Endings by error code (e.g. ERR_AMQP_FRAME). */
  endings: Record<string, number>;
  /** Exceptions out of the machine, untyped endings, unparsable output: must stay 0. */
  untyped: number;
  firstUntyped: string | undefined;
}

export function newMachineStats(): MachineFuzzStats {
  return { inputs: 0, stillOpen: 0, endings: {}, untyped: 0, firstUntyped: undefined };
}

/** Feeds `input` to a fresh machine in random chunks, moving the clock between them. */
export function runMachineOne(rnd: () => number, input: Buffer, stats: MachineFuzzStats): void {
  stats.inputs++;
  const small = rnd() < 0.5;
  let bad: string | undefined;
  const h = new MachineHarness(small ? { maxBodySize: 64 } : {});
  try {
    h.machine.connected();
    for (let at = 0; at < input.length; ) {
      const n = rnd() < 0.3 ? input.length : 1 + Math.floor(rnd() * 200);
      h.brokerBytes(input.subarray(at, at + n));
      at += n;
      if (rnd() < 0.2) h.advance(Math.floor(rnd() * 3000));
    }
    h.advance(Math.floor(rnd() * 20_000));
    h.sent();
  } catch (error) {
    bad = `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
  if (bad === undefined) {
    if (h.machine.state !== 'CLOSED') stats.stillOpen++;
    else {
      const error = h.closedWith?.error;
      if (!(error instanceof AMQPError)) bad = `ended without a typed error (${String(error)})`;
      else stats.endings[error.code] = (stats.endings[error.code] ?? 0) + 1;
    }
  }
  if (bad !== undefined) {
    stats.untyped++;
    stats.firstUntyped ??= `${bad} (maxBodySize ${small ? 64 : 'default'}, input ${input.toString('hex').slice(0, 400)})`;
  }
}
