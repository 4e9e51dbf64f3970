/**
 * A consumer in a process of its own, so its RSS is its own: a @QueueConsumer with a large prefetch,
 * a byte bound and a slow handler. Arguments: queue, url, bound bytes, messages expected, handler ms.
 * Prints READY {baselineRss} once consuming, then RESULT {json} when every message was handled:
 * the most body bytes and deliveries its handlers held at once, its largest RSS, and its largest RSS
 * right after a full collection (every 200 ms).
 * Run with --expose-gc: the baseline is taken after a full collection (the floor the growth is measured
 * from), and so is every "live" sample: what the process keeps, whatever moment V8 would have chosen to
 * collect on a loaded machine (the raw peak also counts bodies released but not yet collected).
 */
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import type { AmqpContext } from '../../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../../lib/transport/server/server-amqp.js';

const [queue = '', url = '', boundArg = '', countArg = '', delayArg = ''] = process.argv.slice(2);
const bound = Number(boundArg);
const expected = Number(countArg);
const delayMs = Number(delayArg);

let running = 0;
let held = 0;
let maxRunning = 0;
let maxHeld = 0;
let handled = 0;
let maxRss = 0;
let maxLiveRss = 0;
const sample = (): void => {
  maxRss = Math.max(maxRss, process.memoryUsage().rss);
};
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc: the live samples follow a full collection');
const sampleLive = (): void => {
  gc();
  maxLiveRss = Math.max(maxLiveRss, process.memoryUsage().rss);
};

@Controller()
class SlowConsumer {
  @QueueConsumer(queue, { durable: false, prefetch: 50, maxInFlightBytes: bound })
  async onMessage(@Payload() _data: unknown, @Ctx() context: AmqpContext): Promise<void> {
    const size = context.getMessage().content.length;
    running += 1;
    held += size;
    maxRunning = Math.max(maxRunning, running);
    maxHeld = Math.max(maxHeld, held);
    sample();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    sample();
    running -= 1;
    held -= size;
    handled += 1;
    if (handled === expected) setImmediate(() => void finish());
  }
}

@Module({ controllers: [SlowConsumer] })
class ConsumerModule {}

const app = await NestFactory.createMicroservice(ConsumerModule, {
  strategy: new ServerAMQP({ urls: [url], connectionKey: 'byte-bound-child' }),
  logger: ['error', 'warn'],
});
await app.listen();
gc();
const baselineRss = process.memoryUsage().rss;
const sampler = setInterval(sample, 2);
const liveSampler = setInterval(sampleLive, 200);
process.stdout.write(`READY ${JSON.stringify({ baselineRss })}\n`);

async function finish(): Promise<void> {
  clearInterval(sampler);
  clearInterval(liveSampler);
  process.stdout.write(`RESULT ${JSON.stringify({ handled, maxRunning, maxHeld, baselineRss, maxRss, maxLiveRss })}\n`);
  await app.close();
  process.exit(0);
}
