/**
 * A broker that announces bodies it never sends, or sends them on channels nobody opened: refused at
 * the content's method frame (504 UnknownChannelError), memory within 20 MB of the start; on open
 * channels a body buffer holds what arrived, not what was announced.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { UnknownChannelError } from '../../lib/protocol/errors.js';
import { bodyFrame, deliverFrame, headerFrame } from '../support/content-frames.js';
import { sleep, startFakeBroker, type FakeBroker, type FakePeer } from '../support/fake-broker.js';
import { closeQuietly, MB, run } from './hostile-support.js';

let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

/** Streams `size` body bytes on `channel` in frames of 128 KiB from one reused buffer; stops when the client goes. */
async function streamBody(peer: FakePeer, channel: number, size: number): Promise<void> {
  const piece = bodyFrame(channel, Buffer.alloc(131064, 0x5a));
  const full = Math.floor(size / 131064);
  for (let i = 0; i < full; i++) if (!(await peer.send(piece))) return;
  if (size % 131064 > 0) await peer.send(bodyFrame(channel, Buffer.alloc(size % 131064, 0x5a)));
}

describe('hostile broker: content for channels that are not open', () => {
  it('60 channels announcing 64 MiB each: refused at the first method frame, memory flat', async () => {
    broker = await startFakeBroker(async (peer) => {
      for (let ch = 1; ch <= 60; ch++) {
        if (!(await peer.send(Buffer.concat([deliverFrame(ch), headerFrame(ch, 64 * MB), bodyFrame(ch, Buffer.alloc(1024))])))) return;
      }
    });
    const outcome = await run(broker, { heartbeat: 0 });
    expect(outcome.error).toBeInstanceOf(UnknownChannelError);
    expect(outcome.error).toMatchObject({ replyCode: 504, channel: 1, method: 'basic.deliver' });
    expect(outcome.ms).toBeLessThan(1000);
    expect(outcome.rssGrowth).toBeLessThan(20 * MB);
    expect(outcome.arrayBuffersGrowth).toBeLessThan(4 * MB);
    expect(outcome.reported).toEqual([]);
    console.log(`60 channels x 64 MiB announced: ${outcome.error?.message}; ${outcome.ms.toFixed(0)} ms, RSS +${(outcome.rssGrowth / MB).toFixed(1)} MB, arrayBuffers +${(outcome.arrayBuffersGrowth / MB).toFixed(1)} MB`);
  });

  it('4 channels with 48 MiB really sent: refused at the first method frame, memory flat', async () => {
    let sent = 0;
    broker = await startFakeBroker(async (peer) => {
      for (let ch = 1; ch <= 4; ch++) {
        if (!(await peer.send(Buffer.concat([deliverFrame(ch), headerFrame(ch, 48 * MB)])))) return;
        await streamBody(peer, ch, 48 * MB);
        sent += 1;
      }
    });
    const outcome = await run(broker, { heartbeat: 0 });
    expect(outcome.error).toBeInstanceOf(UnknownChannelError);
    expect(outcome.ms).toBeLessThan(1000);
    expect(outcome.rssGrowth).toBeLessThan(20 * MB);
    expect(outcome.arrayBuffersGrowth).toBeLessThan(4 * MB);
    expect(sent).toBe(0);
    console.log(`4 channels x 48 MiB sent: ${outcome.error?.message}; ${outcome.ms.toFixed(0)} ms, RSS +${(outcome.rssGrowth / MB).toFixed(1)} MB, arrayBuffers +${(outcome.arrayBuffersGrowth / MB).toFixed(1)} MB`);
  });

  it('on 4 open channels, 48 MiB announced and 1 MiB sent each: the connection stays open and holds about what arrived', async () => {
    broker = await startFakeBroker(
      async (peer) => {
        const channels: number[] = [];
        for (let i = 0; i < 4; i++) {
          const open = await peer.next('channel.open');
          await peer.sendMethod(open.channel, 'channel.open-ok', {});
          channels.push(open.channel);
        }
        for (const ch of channels) {
          await peer.send(Buffer.concat([deliverFrame(ch), headerFrame(ch, 48 * MB)]));
          await streamBody(peer, ch, MB);
        }
      },
      { answerChannelOpen: false },
    );
    const outcome = await run(broker, { heartbeat: 0 }, 1500, async (c) => {
      for (let i = 0; i < 4; i++) await c.channel();
    });
    await broker.scriptDone;
    await sleep(100);
    expect(outcome.error).toBeUndefined();
    expect(outcome.connection.isOpen).toBe(true);
    // 4 MiB arrived (the socket's chunks and the outgrown buffers are garbage not yet collected);
    // sized from the headers this was 4 x 48 = 192 MiB
    expect(outcome.arrayBuffersGrowth).toBeLessThan(32 * MB);
    expect(outcome.rssGrowth).toBeLessThan(64 * MB);
    await closeQuietly(outcome.connection);
  });
});
