/**
 * Self-test of withMemoryAlarm: it really raises and clears the alarm and restores the watermark read
 * before, also when the body throws. An alarm blocks every publisher on the broker: `npm run test:faults`.
 */
import { describe, expect, it } from '@jest/globals';
import amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  deleteQueue,
  memoryAlarmActive,
  queueInfo,
  readMemoryWatermark,
  withMemoryAlarm,
} from '../../support/broker.js';

const URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const SLOW = 120_000;

function connectNamed(name: string): Promise<amqp.ChannelModel> {
  return amqp.connect(URL, { clientProperties: { connection_name: name } });
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('withMemoryAlarm (private node)', () => {
  it(
    'withMemoryAlarm really blocks publishers and restores the previous watermark',
    async () => {
      const before = await readMemoryWatermark();
      expect(await memoryAlarmActive()).toBe(false);
      const conn = await connectNamed(`support-alarm-${randomUUID()}`);
      const events: string[] = [];
      conn.on('blocked', (reason: string) => events.push(`blocked:${reason}`));
      conn.on('unblocked', () => events.push('unblocked'));
      const queue = `support-alarm-${randomUUID()}`;
      try {
        const ch = await conn.createChannel();
        await ch.assertQueue(queue, { autoDelete: false });
        const inside = await withMemoryAlarm(async () => {
          expect(await memoryAlarmActive()).toBe(true);
          expect(await readMemoryWatermark()).toEqual({ relative: 0.0000001 });
          // the broker tells a publishing connection that it is blocked
          ch.sendToQueue(queue, Buffer.from('during the alarm'));
          await until(() => events.some((e) => e.startsWith('blocked:')), 'connection.blocked');
          return 'fn result';
        });
        expect(inside).toBe('fn result');
        expect(await memoryAlarmActive()).toBe(false);
        expect(await readMemoryWatermark()).toEqual(before);
        await until(() => events.includes('unblocked'), 'connection.unblocked');
        expect(events[0]).toMatch(/^blocked:.*memory/i);
        // the publish held during the alarm went through once it cleared
        let info = await queueInfo(queue);
        for (let i = 0; i < 50 && info?.messages !== 1; i++) {
          await sleep(100);
          info = await queueInfo(queue);
        }
        expect(info?.messages).toBe(1);
      } finally {
        await deleteQueue(queue);
        await conn.close().catch(() => undefined);
      }
    },
    SLOW,
  );

  it(
    'withMemoryAlarm restores the watermark when the body throws',
    async () => {
      const before = await readMemoryWatermark();
      await expect(
        withMemoryAlarm(() => {
          throw new Error('body failed');
        }),
      ).rejects.toThrow('body failed');
      expect(await memoryAlarmActive()).toBe(false);
      expect(await readMemoryWatermark()).toEqual(before);
    },
    SLOW,
  );
});
