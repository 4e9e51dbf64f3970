/**
 * Memory bounded in bytes: a consumer with a large prefetch and a slow handler receiving 1 MiB
 * messages holds at most its maxInFlightBytes plus one message: its prefetch window follows the
 * body sizes (RabbitMQ ignores prefetch_size); without the bound it would hold its whole prefetch.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { Admin, sleep, waitFor } from '../server/support.js';
import { consumeName, startApp } from './support.js';

const queue = consumeName('byte-bound');
const MiB = 1024 * 1024;
let running = 0;
let maxRunning = 0;
let handled = 0;

@Controller()
class SlowController {
  @QueueConsumer(queue, { durable: false, prefetch: 40, maxInFlightBytes: 4 * MiB })
  async onMessage(@Payload() _data: Buffer): Promise<void> {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    await sleep(50);
    running -= 1;
    handled += 1;
  }
}

describe('maxInFlightBytes', () => {
  let app: INestMicroservice;
  let admin: Admin;

  beforeAll(async () => {
    admin = await Admin.open();
    await admin.channel.assertQueue(queue, { durable: false });
    for (let i = 0; i < 40; i += 1) admin.channel.sendToQueue(queue, Buffer.alloc(MiB, i), { contentType: 'application/octet-stream' });
    await admin.channel.waitForConfirms();
    ({ app } = await startApp([SlowController]));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await admin?.cleanup([queue]);
    await admin?.close();
  });

  it('40 x 1 MiB with prefetch 40 and a 4 MiB bound: at most bound + one message held at once, all handled', async () => {
    await waitFor(() => handled === 40, '40 handled', 60_000);
    console.log(`byte bound 4 MiB, prefetch 40: at most ${maxRunning} x 1 MiB deliveries held at once`);
    // Without the bound all 40 are held at once; the window (1, then 4 once a 1 MiB body was seen) keeps it to 4 MiB + one.
    expect(maxRunning).toBeLessThanOrEqual(5);
    expect(maxRunning).toBeGreaterThan(1);
  }, 90_000);
});
