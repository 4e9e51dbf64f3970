import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ClientAMQP, RequestTimeoutError, ServerAMQP } from 'nestjs-amqp-transport';
import { firstValueFrom } from 'rxjs';
import { MathController } from './math.controller.js';
import { Module } from '@nestjs/common';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const QUEUE = 'docs.rpc.math';

@Module({ controllers: [MathController] })
class MathModule {}

// The responder: a pure microservice whose default queue carries the requests.
const server = await NestFactory.createMicroservice(MathModule, {
  strategy: new ServerAMQP({ urls: [AMQP_URL], queue: QUEUE, queueOptions: { durable: false } }),
  logger: false,
});
await server.listen();

// The caller: Nest's ClientProxy API. Replies come back over direct reply-to (no reply queue to declare).
const client = new ClientAMQP({
  urls: [AMQP_URL],
  queue: QUEUE,
  queueOptions: { durable: false },
  timeout: 2_000,
});
console.log(`sum: ${await firstValueFrom(client.send<number>('sum', [1, 2, 3]))}`);
await firstValueFrom(client.send<number>('divide', [1, 0])).catch((error: { message: string }) =>
  console.log(`divide: error "${error.message}"`),
);
// A pattern nobody handles gets Nest's "no handler" reply; a server that is down, RequestTimeoutError.
await firstValueFrom(client.send('unknown', {})).catch((error: unknown) =>
  console.log(
    `unknown: ${error instanceof RequestTimeoutError ? 'timed out' : String((error as Error).message ?? error)}`,
  ),
);

await client.close();
await server.close();
const cleanup = new ClientAMQP({ urls: [AMQP_URL] });
const channel = await (await cleanup.connect()).channel();
await channel.queueDelete({ queue: QUEUE });
await channel.queueDelete({ queue: `${QUEUE}.dlq` }); // declared for a consumer without DLX
await cleanup.close();
