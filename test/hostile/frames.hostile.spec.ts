/**
 * A broker that sends malformed frames: every case ends the connection with a typed error within a
 * second, with memory growth bounded and no exception reaching the user.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  BodyTooLargeError,
  ConnectionClosedError,
  FrameError,
} from '../../lib/protocol/errors.js';
import { bodyFrame, deliverFrame, headerFrame, rawFrame } from '../support/content-frames.js';
import { startFakeBroker, type FakeBroker, type FakePeer } from '../support/fake-broker.js';
import { MB, run, type Outcome } from './hostile-support.js';

let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

async function against(script: (peer: FakePeer) => Promise<void>, handshake = true): Promise<Outcome> {
  broker = await startFakeBroker(script, { handshake });
  return run(broker, { heartbeat: 0 });
}

function expectTyped(outcome: Outcome, type: new (...args: never[]) => Error, withinMs = 1000): void {
  expect(outcome.error).toBeInstanceOf(type);
  expect(outcome.ms).toBeLessThan(withinMs);
  expect(outcome.reported).toEqual([]);
  expect(outcome.arrayBuffersGrowth).toBeLessThan(8 * MB);
  expect(outcome.rssGrowth).toBeLessThan(32 * MB);
}

/** connection.start whose server-properties table is `table` (already length-prefixed). */
function startWithTable(table: Buffer): Buffer {
  const longstr = (s: string): Buffer => Buffer.concat([Buffer.from([0, 0, 0, s.length]), Buffer.from(s)]);
  return rawFrame(1, 0, Buffer.concat([Buffer.from([0, 10, 0, 10, 0, 9]), table, longstr('PLAIN'), longstr('en_US')]));
}

describe('hostile broker: malformed frames', () => {
  it('a frame over frame_max', async () => {
    const outcome = await against((peer) => peer.send(rawFrame(1, 0, Buffer.alloc(200_000))).then(() => undefined));
    expectTyped(outcome, FrameError);
    expect(outcome.error?.message).toBe('frame of 200008 bytes exceeds frame_max 131072');
    expect(outcome.opened).toBe(true);
  });

  it('a frame length of 0xFFFFFFFF', async () => {
    const outcome = await against(async (peer) => {
      await peer.send(Buffer.from([1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0]));
    });
    expectTyped(outcome, FrameError);
    expect(outcome.error?.message).toContain('exceeds frame_max');
  });

  it('a field table length of 0xFFFFFFFF in connection.start', async () => {
    const outcome = await against(async (peer) => {
      await peer.send(startWithTable(Buffer.from([0xff, 0xff, 0xff, 0xff])));
    }, false);
    expectTyped(outcome, FrameError);
    expect((outcome.error as FrameError).replyCode).toBe(502);
    expect(outcome.opened).toBe(false);
  });

  it('a field table nested 10,000 deep', async () => {
    // level i at offset 7i: its length, then the entry "a" of type 'F' holding level i+1; the last is empty
    const depth = 10_000;
    const table = Buffer.alloc(7 * depth + 4);
    for (let i = 0; i < depth; i++) {
      table.writeUInt32BE(table.length - 7 * i - 4, 7 * i);
      table.set([1, 0x61, 0x46], 7 * i + 4);
    }
    const outcome = await against((peer) => peer.send(startWithTable(table)).then(() => undefined), false);
    expectTyped(outcome, FrameError);
    expect(outcome.error?.message).toMatch(/nested deeper than \d+/);
  });

  it('a body size of 2^53 and more', async () => {
    const outcome = await against(async (peer) => {
      await peer.send(Buffer.concat([deliverFrame(1), headerFrame(1, 2n ** 60n), bodyFrame(1, Buffer.alloc(16))]));
    });
    expectTyped(outcome, FrameError);
    // the connection has channel 1 in no table: refused at the method, before the header's size is read
    expect(outcome.error?.message).toContain('channel 1');
  });

  it('a body size of 2^53 on a channel that is open', async () => {
    broker = await startFakeBroker(
      async (peer) => {
        const open = await peer.next('channel.open');
        await peer.sendMethod(open.channel, 'channel.open-ok', {});
        await peer.send(Buffer.concat([deliverFrame(open.channel), headerFrame(open.channel, 2n ** 60n)]));
      },
      { answerChannelOpen: false },
    );
    const outcome = await run(broker, { heartbeat: 0 }, 5000, (c) => c.channel().then(() => undefined));
    expectTyped(outcome, BodyTooLargeError);
  });

  it('an unknown method', async () => {
    const outcome = await against(async (peer) => {
      await peer.send(rawFrame(1, 0, Buffer.from([0x12, 0x34, 0x00, 0x10])));
    });
    expectTyped(outcome, FrameError);
    expect(outcome.error?.message).toMatch(/unknown|4660/i);
  });

  it('a bad frame end octet', async () => {
    const outcome = await against(async (peer) => {
      await peer.send(rawFrame(1, 0, Buffer.from([0, 10, 0, 61]), 0x00));
    });
    expectTyped(outcome, FrameError);
    expect(outcome.error?.message).toBe('frame end octet is not 0xCE');
  });

  it('connection.close with reply code 0', async () => {
    const outcome = await against(async (peer) => {
      await peer.sendMethod(0, 'connection.close', { replyCode: 0, replyText: '', classId: 0, methodId: 0 });
      await peer.next('connection.close-ok');
    });
    expectTyped(outcome, ConnectionClosedError);
    expect(outcome.error).toMatchObject({ replyCode: 0, initiator: 'broker' });
    await broker!.scriptDone;
    expect(broker!.peers[0]!.frames.map((f) => f.method?.name)).toContain('connection.close-ok');
  });
});
