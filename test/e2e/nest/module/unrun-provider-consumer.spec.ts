/**
 * A `@QueueConsumer` on a provider of an app that has a ServerAMQP but no AmqpModule: nothing can run
 * it (Nest hands servers only controllers' handlers), and the server says so at listen instead of
 * consuming nothing in silence.
 */
import { describe, it, expect } from '@jest/globals';
import { Injectable, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { QueueConsumer, ServerAMQP } from '../../../../lib/index.js';
import { AMQP_URL, uniqueName } from '../client/support.js';

@Injectable()
class ForgottenWorker {
  @QueueConsumer(uniqueName('module-unrun'), { durable: false })
  onWork(): void {}
}

describe('a provider consumer without AmqpModule', () => {
  it('is named in a warning when the server starts', async () => {
    const warnings: string[] = [];
    const logger: LoggerService = { log: () => undefined, error: () => undefined, warn: (message: unknown) => void warnings.push(String(message)) };
    const moduleRef = await Test.createTestingModule({ providers: [ForgottenWorker] }).compile();
    const app = moduleRef.createNestApplication({ logger });
    app.connectMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL] }) });
    try {
      await app.startAllMicroservices();
      expect(warnings).toContainEqual(expect.stringContaining('ForgottenWorker.onWork has @QueueConsumer but is not a controller of this app'));
      expect(warnings.join('\n')).toContain('AmqpModule.forRoot');
    } finally {
      await app.close();
    }
  });
});
