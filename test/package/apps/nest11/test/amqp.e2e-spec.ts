import { INestApplication } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { Test, TestingModule } from '@nestjs/testing';
import { AmqpPublisher, ServerAMQP } from 'nestjs-amqp-transport';
import { firstValueFrom } from 'rxjs';
import { AppModule } from './../src/app.module';
import { AMQP_URL, JOBS_QUEUE, MATH, RPC_QUEUE } from './../src/names';
import { ReceivedService } from './../src/received.service';

// The hybrid app against the broker: an RPC through ClientAMQP (ClientsModule) to ServerAMQP, and a
// message AmqpPublisher publishes to the @QueueConsumer's queue.
describe('AMQP (e2e)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication({ logger: ['error', 'warn'] });
    app.connectMicroservice({
      strategy: new ServerAMQP({
        urls: [AMQP_URL],
        queue: RPC_QUEUE,
        queueOptions: { durable: false, autoDelete: true },
        deadLetterQueue: false, // a test queue: nothing of it stays on the broker
      }),
    });
    await app.startAllMicroservices();
    await app.init();
  }, 30_000);

  afterAll(async () => {
    await app.close();
  }, 30_000);

  it('runs on the build of its own module format', () => {
    // The package's entry points record the copy a process loaded under this global symbol;
    // scripts/test-package.mjs says which format the app is (cjs for this one, esm for the others).
    const key = Object.getOwnPropertySymbols(globalThis).find((symbol) =>
      symbol.description?.startsWith('nestjs-amqp-transport@'),
    );
    const loaded = key === undefined ? undefined : (globalThis as Record<symbol, { format: string }>)[key];
    expect(loaded?.format).toBe(process.env.PACKAGE_APP_FORMAT);
  });

  it('answers an RPC sent through ClientAMQP', async () => {
    const math = app.get<ClientProxy>(MATH);
    await expect(firstValueFrom(math.send<number>('sum', [1, 2, 3]))).resolves.toBe(6);
  }, 30_000);

  it('delivers what AmqpPublisher publishes to the @QueueConsumer', async () => {
    await app.get(AmqpPublisher).publish('', JOBS_QUEUE, { id: 'j-1' });
    await app.get(ReceivedService).waitFor(`job j-1 from ${JOBS_QUEUE}`);
  }, 30_000);
});
