/**
 * A scripted run read back through the SDK's metric reader: N messages published to a fanout
 * exchange bound to a tap queue nobody consumes and to three consumed queues, one per fate of a
 * failed message: work (2 retries, then dead-lettered through its DLX to a DLQ), requeue (onError
 * 'requeue' once, then dead-lettered to its own DLQ) and drop (onError 'ack': dropped). Every fifth
 * message fails always. Prints one JSON line with the counters (by destination) and the broker's
 * queue depths (rabbitmqctl list_queues), then deletes what it made.
 *
 * Env: AMQP_URL, OTEL_SCENARIO_PREFIX, OTEL_SCENARIO_N (default 20).
 */
import { readCounters } from './otel-setup.js';

const common = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const { Payload } = await import('@nestjs/microservices');
const { AmqpModule, AmqpPublisher, QueueConsumer, ServerAMQP } = await import('../../../../lib/index.js');
const { deleteQueue, queueInfo } = await import('../../../support/broker.js');
const { Controller, Module } = common;

const url = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const prefix = process.env['OTEL_SCENARIO_PREFIX'] ?? `otel.metrics.${process.pid}`;
const N = Number(process.env['OTEL_SCENARIO_N'] ?? 20);
const EXCHANGE = `${prefix}.fanout`;
const WORK = `${prefix}.work`;
const TAP = `${prefix}.tap`;
const DLQ = `${prefix}.dlq`;
const REQUEUE = `${prefix}.requeue`;
const REQUEUE_DLQ = `${prefix}.requeue.dlq`;
const DROP = `${prefix}.drop`;

let handled = 0;
let handledRequeue = 0;
let handledDrop = 0;

@Controller()
class Worker {
  @QueueConsumer(WORK, {
    durable: false,
    bindings: [{ exchange: EXCHANGE }],
    deadLetterExchange: '',
    deadLetterRoutingKey: DLQ,
    retry: { attempts: 2, delay: 10 },
  })
  work(@Payload() message: { i: number }): void {
    handled += 1;
    if (message.i % 5 === 0) throw new Error(`message ${message.i} always fails`);
  }

  @QueueConsumer(REQUEUE, { durable: false, bindings: [{ exchange: EXCHANGE }], onError: 'requeue', maxRedeliveries: 1, deadLetterQueue: REQUEUE_DLQ })
  requeue(@Payload() message: { i: number }): void {
    handledRequeue += 1;
    if (message.i % 5 === 0) throw new Error(`message ${message.i} always fails`);
  }

  @QueueConsumer(DROP, { durable: false, bindings: [{ exchange: EXCHANGE }], onError: 'ack', deadLetterQueue: false })
  drop(@Payload() message: { i: number }): void {
    handledDrop += 1;
    if (message.i % 5 === 0) throw new Error(`message ${message.i} always fails`);
  }
}

@Module({
  imports: [
    AmqpModule.forRoot({
      urls: [url],
      exchanges: [{ name: EXCHANGE, type: 'fanout', durable: false }],
      queues: [
        { name: TAP, durable: false },
        { name: DLQ, durable: false },
      ],
      bindings: [{ exchange: EXCHANGE, queue: TAP }],
    }),
  ],
  controllers: [Worker],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [url] }) });
await app.init();
await app.startAllMicroservices();

const failing = Math.ceil(N / 5); // i = 0, 5, 10 ...
try {
  const publisher = app.get(AmqpPublisher);
  for (let i = 0; i < N; i += 1) await publisher.publish(EXCHANGE, '', { i });
  const deadline = Date.now() + 30_000;
  // Every message handled: N first deliveries plus 2 retries (work) or one requeue (requeue) of each failing one.
  const done = (): boolean => handled >= N + 2 * failing && handledRequeue >= N + failing && handledDrop >= N;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const counters = await readCounters('messaging.destination.name');
  const broker = {
    tap: (await queueInfo(TAP))?.messages,
    dlq: (await queueInfo(DLQ))?.messages,
    work: (await queueInfo(WORK))?.messages,
    requeue: (await queueInfo(REQUEUE))?.messages,
    requeueDlq: (await queueInfo(REQUEUE_DLQ))?.messages,
    drop: (await queueInfo(DROP))?.messages,
  };
  const names = { EXCHANGE, WORK, TAP, DLQ, REQUEUE, REQUEUE_DLQ, DROP };
  console.log(JSON.stringify({ phase: 'metrics', N, failing, handled, handledRequeue, handledDrop, counters, broker, names }));
} finally {
  const channel = await app.get(AmqpPublisher).connection.channel();
  await channel.exchangeDelete({ exchange: EXCHANGE }).catch(() => undefined);
  await app.close();
  for (const queue of [WORK, TAP, DLQ, REQUEUE, REQUEUE_DLQ, DROP]) await deleteQueue(queue).catch(() => undefined);
  process.stdout.write('', () => process.exit(0));
}
