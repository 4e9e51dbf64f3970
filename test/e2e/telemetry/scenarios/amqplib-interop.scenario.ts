/**
 * Trace interop with amqplib instrumented by @opentelemetry/instrumentation-amqplib, both ways:
 * an amqplib producer's trace continues in our @QueueConsumer, and our AmqpPublisher's trace
 * continues in an amqplib consumer. Prints one JSON line with the spans of both traces.
 *
 * Env: AMQP_URL, OTEL_SCENARIO_PREFIX; OTEL_SCENARIO_AMQPLIB=1 (set by the test) makes otel-setup
 * register the amqplib instrumentation, before amqplib is required below.
 */
import { createRequire } from 'node:module';
import { finishedSpans } from './otel-setup.js';

const { trace } = await import('@opentelemetry/api');
const amqplib = createRequire(import.meta.url)('amqplib') as typeof import('amqplib');
const common = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const { Payload } = await import('@nestjs/microservices');
const { AmqpModule, AmqpPublisher, QueueConsumer, ServerAMQP } = await import('../../../../lib/index.js');
const { Controller, Module } = common;

const url = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const prefix = process.env['OTEL_SCENARIO_PREFIX'] ?? `otel.interop.${process.pid}`;
const INTO_OURS = `${prefix}.into-ours`;
const INTO_AMQPLIB = `${prefix}.into-amqplib`;

let received: (data: unknown) => void = () => undefined;
const ourConsumerGot = new Promise<unknown>((resolve) => (received = resolve));

@Controller()
class Consumer {
  @QueueConsumer(INTO_OURS, { durable: false, autoDelete: true })
  onMessage(@Payload() data: unknown): void {
    received(data);
  }
}

@Module({ imports: [AmqpModule.forRoot({ urls: [url] })], controllers: [Consumer] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [url] }) });
await app.startAllMicroservices();
await app.init();

const connection = await amqplib.connect(url);
const channel = await connection.createChannel();
await channel.assertQueue(INTO_AMQPLIB, { durable: false, autoDelete: true });
const tracer = trace.getTracer('interop-scenario');

try {
  // amqplib -> ours
  await tracer.startActiveSpan('amqplib producer', async (span) => {
    channel.sendToQueue(INTO_OURS, Buffer.from(JSON.stringify({ from: 'amqplib' })), { contentType: 'application/json' });
    span.end();
  });
  await Promise.race([ourConsumerGot, new Promise((_, reject) => setTimeout(() => reject(new Error('our consumer got nothing in 20 s')), 20_000))]);

  // ours -> amqplib
  const amqplibGot = new Promise<void>((resolve) => {
    void channel.consume(INTO_AMQPLIB, (message) => {
      if (message === null) return;
      channel.ack(message);
      resolve();
    });
  });
  const publisher = app.get(AmqpPublisher);
  await tracer.startActiveSpan('our producer', async (span) => {
    await publisher.sendToQueue(INTO_AMQPLIB, { from: 'ours' });
    span.end();
  });
  await Promise.race([amqplibGot, new Promise((_, reject) => setTimeout(() => reject(new Error('amqplib consumer got nothing in 20 s')), 20_000))]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log(JSON.stringify({ phase: 'interop', spans: finishedSpans() }));
} finally {
  await channel.close().catch(() => undefined);
  await connection.close().catch(() => undefined);
  await app.close();
  process.stdout.write('', () => process.exit(0));
}
