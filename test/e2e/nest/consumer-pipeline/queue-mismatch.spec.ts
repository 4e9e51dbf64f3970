/**
 * onQueueMismatch: a queue that exists with other arguments fails the start by default, is consumed
 * as it is with 'use-existing' (one warning with the broker's reason), and only checked with 'passive'.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice, type Type } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import type { QueueMismatchPolicy } from '../../../../lib/transport/options/consumer-pipeline.options.js';
import { Admin, waitFor } from '../server/support.js';
import { consumeName, startApp } from './support.js';

const existing = consumeName('mismatch');
const received: unknown[] = [];

function controllerWith(policy: QueueMismatchPolicy | undefined): Type {
  @Controller()
  class MismatchController {
    @QueueConsumer(existing, {
      durable: false,
      maxLength: 5,
      deadLetterQueue: false,
      ...(policy === undefined ? {} : { onQueueMismatch: policy }),
    })
    onMessage(@Payload() data: unknown): void {
      received.push(data);
    }
  }
  return MismatchController;
}

let admin: Admin;
const apps: INestMicroservice[] = [];

beforeAll(async () => {
  admin = await Admin.open();
  await admin.channel.assertQueue(existing, { durable: false, arguments: { 'x-max-length': 1000 } });
});

afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  await admin?.cleanup([existing]);
  await admin?.close();
});

describe('onQueueMismatch', () => {
  it("'fail' (default): the start fails naming the queue and the broker's 406", async () => {
    await expect(
      startApp([controllerWith(undefined)], { connectionKey: 'consume-mismatch-fail' }),
    ).rejects.toThrow(new RegExp(`queue "${existing}".*406 PRECONDITION_FAILED`));
  });

  it("'use-existing': warns once and consumes the queue as it is", async () => {
    const { app, logger } = await startApp([controllerWith('use-existing')], {
      connectionKey: 'consume-mismatch-use',
    });
    apps.push(app);
    expect(logger.find('warn', `queue "${existing}" exists with other arguments`)).toEqual([
      expect.stringContaining("consuming it as it is (onQueueMismatch: 'use-existing')"),
    ]);
    await admin.publish('', existing, { n: 1 });
    await waitFor(() => received.length === 1, 'the message', 10_000);
    await app.close();
  });

  it("'passive': only checks the queue exists", async () => {
    const { app } = await startApp([controllerWith('passive')], {
      connectionKey: 'consume-mismatch-passive',
    });
    apps.push(app);
    await admin.publish('', existing, { n: 2 });
    await waitFor(() => received.length === 2, 'the message', 10_000);
  });
});
