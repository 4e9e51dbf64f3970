/**
 * A Nest app that uses the packed package as an application would: a microservice on ServerAMQP,
 * an RPC and an event through ClientAMQP, a message for a @QueueConsumer, and the engine's entry
 * point. Compiled as CommonJS (../cjs) and as ESM (../esm); exits 0 when everything came through.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ClientAMQP, ServerAMQP } from 'nestjs-amqp-transport';
import { URLParameters } from 'nestjs-amqp-transport/protocol';
import { firstValueFrom } from 'rxjs';
import { AppModule } from './app.module.js';
import { AMQP_URL, CONSUMER_QUEUE, RPC_QUEUE } from './names.js';
import { Received } from './received.js';

async function main(): Promise<void> {
  const parameters = new URLParameters(AMQP_URL);
  const app = await NestFactory.createMicroservice(AppModule, {
    strategy: new ServerAMQP({
      urls: [AMQP_URL],
      queue: RPC_QUEUE,
      queueOptions: { durable: false, autoDelete: true },
      deadLetterQueue: false, // a test queue: nothing of it stays on the broker
    }),
    logger: ['error', 'warn'],
  });
  await app.listen();
  const received = app.get(Received);
  const rpc = new ClientAMQP({ urls: [AMQP_URL], queue: RPC_QUEUE, noAssert: true });
  const jobs = new ClientAMQP({ urls: [AMQP_URL], queue: CONSUMER_QUEUE, noAssert: true });
  try {
    const sum = await firstValueFrom(rpc.send<number>('sum', [1, 2, 3]));
    if (sum !== 6) throw new Error(`sum([1,2,3]) came back as ${String(sum)}`);
    await firstValueFrom(rpc.emit('order.created', { id: 'o-1' }), { defaultValue: undefined });
    await received.waitFor('event o-1');
    await firstValueFrom(jobs.emit('job', { id: 'j-1' }), { defaultValue: undefined });
    await received.waitFor(`consumer j-1 from ${CONSUMER_QUEUE}`);
    console.log(`package app ok: rpc sum=${sum}, event, queue consumer, engine host=${parameters.host}`);
  } finally {
    await rpc.close();
    await jobs.close();
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error('package app failed:', error);
  process.exit(1);
});
