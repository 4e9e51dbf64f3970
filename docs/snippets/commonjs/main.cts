// A CommonJS Nest app in one file. In a `nest new` app every `.ts` file is CommonJS (its package.json
// has no "type": "module"); here the `.cts` extension says so. TypeScript compiles these imports to
// require() calls, which load the package's CommonJS build: no ES module set-up, no Jest changes.
import 'reflect-metadata';
import { Controller, Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type ClientProxy, ClientsModule, MessagePattern, Payload } from '@nestjs/microservices';
import {
  AmqpModule,
  AmqpPublisher,
  ClientAMQP,
  Connection,
  QueueConsumer,
  ServerAMQP,
  URLParameters,
} from 'nestjs-amqp-transport';
import { firstValueFrom } from 'rxjs';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const RPC_QUEUE = 'docs.commonjs.rpc';
const JOBS_QUEUE = 'docs.commonjs.jobs';
const TRANSIENT = { durable: false, autoDelete: true } as const; // queues that go when the app stops

@Controller()
class JobsController {
  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((total, n) => total + n, 0);
  }

  @QueueConsumer(JOBS_QUEUE, TRANSIENT)
  onJob(@Payload() job: { id: string }): void {
    console.log(`queue consumer: job ${job.id}`);
  }
}

@Injectable()
class JobsService {
  constructor(
    @Inject(AmqpPublisher) private readonly publisher: AmqpPublisher,
    @Inject('MATH') private readonly math: ClientProxy,
  ) {}

  enqueue(id: string): Promise<void> {
    return this.publisher.publish('', JOBS_QUEUE, { id });
  }

  total(numbers: number[]): Promise<number> {
    return firstValueFrom(this.math.send<number>('sum', numbers));
  }
}

@Module({
  imports: [
    AmqpModule.forRoot({ urls: [AMQP_URL] }),
    ClientsModule.register([
      {
        name: 'MATH',
        customClass: ClientAMQP,
        options: { urls: [AMQP_URL], queue: RPC_QUEUE, queueOptions: TRANSIENT },
      },
    ]),
  ],
  controllers: [JobsController],
  providers: [JobsService],
})
class AppModule {}

// CommonJS has no top-level await: the app starts in a function.
async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.connectMicroservice({
    strategy: new ServerAMQP({ urls: [AMQP_URL], queue: RPC_QUEUE, queueOptions: TRANSIENT }),
  });
  await app.startAllMicroservices();
  await app.init();
  const jobs = app.get(JobsService);
  await jobs.enqueue('j-1');
  console.log(`sum via ClientAMQP: ${await jobs.total([1, 2, 3])}`);
  await new Promise((resolve) => setTimeout(resolve, 300)); // let the consumer log
  await app.close();

  // Delete the dead-letter queues declared for the two queues (they have no DLX), so that this
  // program leaves the broker as it found it.
  const admin = await Connection.connect(new URLParameters(AMQP_URL));
  const channel = await admin.channel();
  for (const queue of [JOBS_QUEUE, RPC_QUEUE]) await channel.queueDelete({ queue: `${queue}.dlq` });
  await admin.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
