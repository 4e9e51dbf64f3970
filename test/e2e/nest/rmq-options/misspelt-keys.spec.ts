/**
 * One misspelt key per entry point: each fails at start-up (or where it is written) with
 * InvalidOptionError naming the key and the nearest valid one, whether the options come from
 * TypeScript or from plain JavaScript / configuration (here: `as never`, as JSON would give them).
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InvalidOptionError } from '../../../../lib/protocol/errors.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import { AmqpClientsModule } from '../../../../lib/transport/client/amqp-clients.module.js';
import { AmqpModule } from '../../../../lib/transport/module/amqp.module.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { AMQP_URL, cleanup, rmqName } from './support.js';

const queue = rmqName('misspelt-q');

async function rejection(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

afterAll(async () => {
  await cleanup([queue], []);
});

describe('a misspelt key fails naming it and the nearest key', () => {
  it('ServerAMQP', () => {
    expect(() => new ServerAMQP({ urls: [AMQP_URL], queu: queue } as never)).toThrow(
      new InvalidOptionError('queu', 'unknown option', 'queue'),
    );
    expect(() => new ServerAMQP({ urls: [AMQP_URL], socketOptions: { noDelya: true } } as never)).toThrow(
      'socketOptions.noDelya: unknown option (did you mean "noDelay"?)',
    );
  });

  it('ClientAMQP', () => {
    expect(() => new ClientAMQP({ urls: [AMQP_URL], queueOptions: { durabel: false } } as never)).toThrow(
      'queueOptions.durabel: unknown option (did you mean "durable"?)',
    );
  });

  it('AmqpClientsModule (ClientsModule with ClientAMQP): when the client is made', async () => {
    const error = await rejection(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [AmqpClientsModule.register([{ name: 'MATH', options: { urls: [AMQP_URL], prefetchcount: 1 } as never }])],
      }).compile();
      await moduleRef.close();
    });
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toBe('prefetchcount: unknown option (did you mean "prefetchCount"?)');
  });

  it('AmqpModule.forRoot: where it is called', () => {
    expect(() => AmqpModule.forRoot({ urls: [AMQP_URL], exchanges: [{ name: 'x', typ: 'topic' }] } as never)).toThrow(
      'exchanges[0].typ: unknown option (did you mean "type"?)',
    );
    expect(() => AmqpModule.forRoot({ uir: AMQP_URL } as never)).toThrow('uir: unknown option (did you mean "uri"?)');
  });

  it('AmqpModule.forRootAsync: when the factory has run, before anything connects', async () => {
    const error = await rejection(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [AmqpModule.forRootAsync({ useFactory: () => ({ urls: [AMQP_URL], requestTimout: 5000 }) as never })],
      }).compile();
      await moduleRef.close();
    });
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toBe('requestTimout: unknown option (did you mean "requestTimeout"?)');
  });

  it('@QueueConsumer: where the decorator is applied', () => {
    expect(() => QueueConsumer(queue, { prefetchCont: 5 } as never)).toThrow('prefetchCont: unknown option (did you mean "prefetchCount"?)');
    expect(() => QueueConsumer(queue, { dureable: false } as never)).toThrow('dureable: unknown option (did you mean "durable"?)');
  });

  it('consumers from configuration (AmqpModule `consumers`): at start-up, naming the entry', async () => {
    @Injectable()
    class Worker {
      @QueueConsumer({ config: 'work' })
      onWork(): void {}
    }
    const error = await rejection(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [AmqpModule.forRoot({ urls: [AMQP_URL], consumers: { work: { queue, durable: false, prefech: 3 } } } as never)],
        providers: [Worker],
      }).compile();
      await moduleRef.close();
    });
    expect(error.message).toBe('consumers.work.prefech: unknown option (did you mean "prefetch"?)');
  });

  it("consumers from configuration (ServerAMQP's `consumers`): at construction, naming the entry", () => {
    expect(() => new ServerAMQP({ urls: [AMQP_URL], queue, consumers: { jobs: { queue, exclusiv: true } } } as never)).toThrow(
      'consumers.jobs.exclusiv: unknown option (did you mean "exclusive"?)',
    );
  });
});
