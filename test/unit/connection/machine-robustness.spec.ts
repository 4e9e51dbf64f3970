import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { encodeMethodFrame } from '../../../lib/protocol/codec/index.js';
import { AMQPError } from '../../../lib/protocol/errors.js';
import { MachineHarness } from './machine-harness.js';

const START = encodeMethodFrame(0, 'connection.start', {
  versionMajor: 0,
  versionMinor: 9,
  serverProperties: {},
  mechanisms: 'PLAIN',
  locales: 'en_US',
});

describe('ConnectionMachine under arbitrary input', () => {
  it('never throws on any byte stream, in any chunking; when it ends, it ends with a typed error', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }),
        (afterStart, chunks) => {
          const h = new MachineHarness();
          if (afterStart) h.open();
          else h.machine.connected();
          for (const chunk of chunks) h.brokerBytes(Buffer.from(chunk));
          if (h.machine.state === 'CLOSED') expect(h.closedWith?.error).toBeInstanceOf(AMQPError);
          // Whatever happened, the machine still answers its owner.
          expect(() => h.advance(60_000)).not.toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws when valid frames arrive in a random order', () => {
    const frames = [
      START,
      encodeMethodFrame(0, 'connection.tune', { channelMax: 0, frameMax: 0, heartbeat: 0 }),
      encodeMethodFrame(0, 'connection.open-ok', {}),
      encodeMethodFrame(0, 'connection.close', { replyCode: 320, replyText: 'x' }),
      encodeMethodFrame(0, 'connection.close-ok', {}),
      encodeMethodFrame(0, 'connection.blocked', { reason: 'r' }),
      encodeMethodFrame(0, 'connection.unblocked', {}),
      encodeMethodFrame(1, 'channel.open-ok', {}),
      encodeMethodFrame(3, 'basic.qos-ok', {}),
    ];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: frames.length - 1 }), { maxLength: 10 }), (order) => {
        const h = new MachineHarness();
        h.machine.connected();
        for (const i of order) h.brokerBytes(frames[i]!);
        // Nobody asked to close, so every way to CLOSED carries a typed error.
        if (h.machine.state === 'CLOSED') expect(h.closedWith?.error).toBeInstanceOf(AMQPError);
      }),
      { numRuns: 500 },
    );
  });
});
