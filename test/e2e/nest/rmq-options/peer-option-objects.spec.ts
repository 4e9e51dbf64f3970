/**
 * Every options object of Nest's RabbitMQ documentation and of Nest's own RMQ integration tests,
 * given as it is to ServerAMQP, ClientAMQP and AmqpModule: each builds, and each serves an RPC on
 * the real broker (the client's `send` and the module publisher's `request`, answered by the
 * server). The objects are copied as data from the files named beside them; only the broker URL
 * (this machine's) and the queue and exchange names (prefixed, so that no other suite meets them)
 * differ.
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { Controller, type INestApplication } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import { AmqpModule } from '../../../../lib/transport/module/amqp.module.js';
import { AmqpPublisher } from '../../../../lib/transport/module/amqp-publisher.js';
import type { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { AMQP_URL, cleanup, rmqName } from './support.js';

const sum = (numbers: number[]): number => numbers.reduce((a, b) => a + b, 0);

@Controller()
class SumController {
  @MessagePattern({ cmd: 'sum' })
  sum(@Payload() data: number[]): number {
    return sum(data);
  }

  @MessagePattern('wildcard.*.*')
  wildcard(@Payload() data: number[], @Ctx() ctx: AmqpContext): string {
    return `${ctx.getPattern()} ${sum(data)}`;
  }

  @MessagePattern('ping')
  ping(@Payload() data: number[], @Ctx() ctx: AmqpContext): string {
    return `${ctx.getPattern()}/pong ${sum(data)}`;
  }
}

type Options = Record<string, unknown>;

interface Case {
  /** Where the object comes from. */
  from: string;
  /** The server's object; `client` when the file gives the producer its own. */
  server: Options;
  client?: Options;
  /** What the client sends, and what comes back for [1, 2, 3]. */
  pattern: string | Record<string, string>;
  answer: unknown;
  /** Where AmqpPublisher.request sends the same request. */
  target: (names: Names) => { exchange: string; routingKey: string };
}

interface Names {
  queue: string;
  exchange: string;
}

const queues: string[] = [];
const exchanges: string[] = [];
const DOCS = 'nestjs/docs.nestjs.com content/microservices/rabbitmq.md';
const NEST = 'nestjs/nest integration/microservices';
const toQueue = (names: Names) => ({ exchange: '', routingKey: names.queue });

/** The objects, `Q` and `X` standing for the queue and exchange names of the files. */
function cases(q: string, x: string): Case[] {
  const urls = [AMQP_URL];
  return [
    // Overview (createMicroservice) and Client (ClientsModule.register): the same object.
    { from: `${DOCS}, "Overview" and "Client"`, server: { urls, queue: q, queueOptions: { durable: false } }, pattern: { cmd: 'sum' }, answer: 6, target: toQueue },
    // Message acknowledgement.
    { from: `${DOCS}, "Message acknowledgement"`, server: { urls, queue: q, noAck: false, queueOptions: { durable: false } }, pattern: { cmd: 'sum' }, answer: 6, target: toQueue },
    // Wildcards.
    {
      from: `${DOCS}, "Wildcards"`,
      server: { urls, queue: q, wildcards: true },
      pattern: 'wildcard.a.b',
      answer: 'wildcard.a.b 6',
      target: (names) => ({ exchange: names.queue, routingKey: 'wildcard.a.b' }),
    },
    // e2e/sum-rmq.spec.ts (connectMicroservice) and src/rmq/rmq.controller.ts (ClientProxyFactory.create).
    {
      from: `${NEST}/e2e/sum-rmq.spec.ts and src/rmq/rmq.controller.ts`,
      server: { urls, queue: q, queueOptions: { durable: false }, socketOptions: { noDelay: true } },
      pattern: { cmd: 'sum' },
      answer: 6,
      target: toQueue,
    },
    // src/rmq/rmq.controller.ts, POST /multiple-urls: a node that is not there, then the broker.
    {
      from: `${NEST}/src/rmq/rmq.controller.ts (multiple-urls)`,
      server: { urls: ['amqp://guest:guest@127.0.0.1:5671', AMQP_URL], queue: q, queueOptions: { durable: false }, socketOptions: { noDelay: true } },
      pattern: { cmd: 'sum' },
      answer: 6,
      target: toQueue,
    },
    // e2e/topic-exchange-rmq.spec.ts and src/rmq/topic-exchange-rmq.controller.ts.
    {
      from: `${NEST}/e2e/topic-exchange-rmq.spec.ts and src/rmq/topic-exchange-rmq.controller.ts`,
      server: { urls, queue: q, wildcards: true },
      pattern: 'wildcard.a.b',
      answer: 'wildcard.a.b 6',
      target: (names) => ({ exchange: names.queue, routingKey: 'wildcard.a.b' }),
    },
    // e2e/fanout-exchange-rmq.spec.ts (the consumer) and src/rmq/fanout-exchange-producer-rmq.controller.ts (the client).
    {
      from: `${NEST}/e2e/fanout-exchange-rmq.spec.ts and src/rmq/fanout-exchange-producer-rmq.controller.ts`,
      server: { urls, queue: '', exchange: x, exchangeType: 'fanout', queueOptions: { exclusive: true } },
      client: { urls, exchange: x, exchangeType: 'fanout' },
      pattern: 'ping',
      answer: 'ping/pong 6',
      target: (names) => ({ exchange: names.exchange, routingKey: '' }),
    },
  ];
}

afterAll(async () => {
  await cleanup(queues, exchanges);
});

const count = cases('q', 'x').length;
describe("Nest's RMQ option objects on ServerAMQP, ClientAMQP and AmqpModule", () => {
  for (let index = 0; index < count; index += 1) {
    const sample = cases('q', 'x')[index] as Case;
    it(`${sample.from}: ${JSON.stringify(sample.server)} serves an RPC to ClientAMQP and to AmqpPublisher`, async () => {
      const names: Names = { queue: rmqName(`peer-${index}`), exchange: rmqName(`peer-x-${index}`) };
      queues.push(names.queue);
      // `wildcards: true` gives the queue a topic exchange of its own name.
      exchanges.push(names.exchange, names.queue);
      const subject = cases(names.queue, names.exchange)[index] as Case;
      const clientOptions = subject.client ?? subject.server;
      const moduleRef = await Test.createTestingModule({
        imports: [AmqpModule.forRoot(subject.server as never)],
        controllers: [SumController],
      }).compile();
      const app: INestApplication = moduleRef.createNestApplication({ logger: false });
      app.connectMicroservice({ strategy: new ServerAMQP(subject.server as never) });
      const client = new ClientAMQP(clientOptions as never);
      try {
        await app.startAllMicroservices();
        await app.init();
        await expect(firstValueFrom(client.send(subject.pattern, [1, 2, 3]))).resolves.toEqual(subject.answer);
        const { exchange, routingKey } = subject.target(names);
        const pattern = typeof subject.pattern === 'string' ? subject.pattern : JSON.stringify(subject.pattern);
        const reply = await app.get(AmqpPublisher).request(exchange, routingKey, { pattern, data: [1, 2, 3], id: `peer-${index}` }, { timeout: 20_000 });
        expect(reply).toMatchObject({ response: subject.answer });
      } finally {
        await client.close();
        await app.close();
      }
    }, 120_000);
  }
});
