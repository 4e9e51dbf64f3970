/**
 * What the package writes into message headers: an AmqpPublisher publish to a @QueueConsumer, a
 * ClientAMQP request to a @MessagePattern handler and its reply, and a ClientAMQP event. Prints one
 * JSON line: whether @opentelemetry/api resolves here, each message's header names, the results.
 *
 * Env: AMQP_URL, OTEL_SCENARIO_PREFIX; OTEL_SCENARIO_SDK=1 registers the SDK first (in-memory
 * exporter). Run with hide-opentelemetry.cjs preloaded to play an app without OpenTelemetry.
 */
import { createRequire } from 'node:module';
import type { AmqpContext } from '../../../../lib/index.js';

if (process.env['OTEL_SCENARIO_SDK'] === '1') await import('./otel-setup.js');

const common = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const { ClientsModule, Ctx, EventPattern, MessagePattern, Payload } = await import('@nestjs/microservices');
const { lastValueFrom } = await import('rxjs');
const lib = await import('../../../../lib/index.js');
const { AmqpModule, AmqpPublisher, ClientAMQP, QueueConsumer, ServerAMQP } = lib;
const { Controller, Module } = common;

let apiResolves = true;
try {
  createRequire(import.meta.url).resolve('@opentelemetry/api');
} catch {
  apiResolves = false;
}

const url = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const prefix = process.env['OTEL_SCENARIO_PREFIX'] ?? `otel.headers.${process.pid}`;
const QUEUE = `${prefix}.consumer`;
const RPC = `${prefix}.rpc`;

const seen: Record<string, string[]> = {};
const waiters = new Map<string, () => void>();
function record(what: string, context: AmqpContext): void {
  seen[what] = Object.keys(context.getMessage().properties.headers ?? {}).sort();
  waiters.get(what)?.();
}
function arrival(what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    waiters.set(what, resolve);
    setTimeout(() => reject(new Error(`${what} did not arrive in 20 s`)), 20_000).unref();
  });
}

@Controller()
class Handlers {
  @QueueConsumer(QUEUE, { durable: false, autoDelete: true })
  onPublished(@Payload() _data: unknown, @Ctx() context: AmqpContext): void {
    record('published', context);
  }

  @MessagePattern('double')
  double(@Payload() n: number, @Ctx() context: AmqpContext): number {
    record('request', context);
    return n * 2;
  }

  @EventPattern('noted')
  noted(@Payload() _data: unknown, @Ctx() context: unknown): void {
    record('event', context as AmqpContext);
  }
}

@Module({
  imports: [
    AmqpModule.forRoot({ urls: [url] }),
    ClientsModule.register([{ name: 'RPC', customClass: ClientAMQP, options: { urls: [url], queue: RPC, queueOptions: { durable: false, autoDelete: true } } }]),
  ],
  controllers: [Handlers],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [url], queue: RPC, queueOptions: { durable: false, autoDelete: true } }) });
await app.startAllMicroservices();
await app.init();

try {
  const published = arrival('published');
  await app.get(AmqpPublisher).sendToQueue(QUEUE, { hello: 1 });
  await published;
  const client = app.get<InstanceType<typeof ClientAMQP>>('RPC' as never);
  await client.connect();
  // The reply's headers, as the client's deserializer sees them.
  const doubled = await lastValueFrom(client.send<number>('double', 21));
  const event = arrival('event');
  await lastValueFrom(client.emit('noted', { x: 1 }), { defaultValue: undefined });
  await event;
  console.log(JSON.stringify({ phase: 'headers', apiResolves, doubled, seen }));
} finally {
  await app.close();
  process.stdout.write('', () => process.exit(0));
}
