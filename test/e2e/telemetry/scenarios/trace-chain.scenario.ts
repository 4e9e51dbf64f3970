/**
 * One order through the whole stack, traced: HTTP GET /order/:id -> AmqpPublisher.sendToQueue ->
 * @QueueConsumer -> ClientAMQP.send('sum') -> @MessagePattern('sum') -> reply. Prints one JSON line
 * per phase ({ phase, traceId, spans }) on stdout.
 *
 * Env: AMQP_URL; OTEL_SCENARIO_PREFIX (names of queues); OTEL_SCENARIO_RESTART_NODE: a private node
 * whose app is stopped while the second order is in flight and started again 2 s later.
 */
import { finishedSpans, metricReader } from './otel-setup.js';

const { ctl } = await import('../../../support/rabbit-node.js');
const common = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const { ClientsModule, Payload, MessagePattern } = await import('@nestjs/microservices');
const { lastValueFrom } = await import('rxjs');
const lib = await import('../../../../lib/index.js');
const { AmqpModule, AmqpPublisher, ClientAMQP, QueueConsumer, ServerAMQP } = lib;
const { Controller, Get, Inject, Module, Param } = common;

const url = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const prefix = process.env['OTEL_SCENARIO_PREFIX'] ?? `otel.trace.${process.pid}`;
const restartNode = process.env['OTEL_SCENARIO_RESTART_NODE'];
const ORDERS = `${prefix}.orders`;
const RPC = `${prefix}.rpc`;

const done = new Map<string, (sum: number) => void>();

@Controller()
class HttpController {
  constructor(@Inject(AmqpPublisher) private readonly publisher: InstanceType<typeof AmqpPublisher>) {}

  @Get('order/:id')
  async order(@Param('id') id: string): Promise<{ queued: string }> {
    await this.publisher.sendToQueue(ORDERS, { id: Number(id) });
    return { queued: id };
  }
}

@Controller()
class OrdersController {
  constructor(@Inject('MATH') private readonly math: InstanceType<typeof ClientAMQP>) {}

  @QueueConsumer(ORDERS, { durable: false, autoDelete: true })
  async onOrder(@Payload() order: { id: number }): Promise<void> {
    const sum = await lastValueFrom(this.math.send<number>('sum', [order.id, 1]));
    done.get(String(order.id))?.(sum);
  }

  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }
}

@Module({
  imports: [
    AmqpModule.forRoot({ urls: [url] }),
    ClientsModule.register([{ name: 'MATH', customClass: ClientAMQP, options: { urls: [url], queue: RPC, queueOptions: { durable: false, autoDelete: true } } }]),
  ],
  controllers: [HttpController, OrdersController],
})
class AppModule {}

const started = Date.now();
const step = (what: string): boolean => process.stderr.write(`[${Date.now() - started} ms] ${what}\n`);
const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [url], queue: RPC, queueOptions: { durable: false, autoDelete: true } }) });
step('created');
await app.startAllMicroservices();
step('microservices started');
await app.listen(0, '127.0.0.1');
step('listening');
const port = (app.getHttpServer().address() as { port: number }).port;

async function order(id: number, duringOutage?: () => Promise<void>): Promise<void> {
  const handled = new Promise<number>((resolve) => done.set(String(id), resolve));
  const response = fetch(`http://127.0.0.1:${port}/order/${id}`).then((r) => r.json());
  if (duringOutage !== undefined) await duringOutage();
  await response;
  const sum = await Promise.race([handled, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`order ${id} not handled in 30 s`)), 30_000))]);
  // The server span of the reply and the client span end a moment after the handler saw the sum.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const spans = finishedSpans();
  const root = spans.find((span) => span.scope.includes('http') && span.kind === 1 && String(span.attributes['url.path'] ?? span.attributes['http.target'] ?? '').endsWith(`/order/${id}`));
  const traceId = root?.traceId;
  console.log(JSON.stringify({ phase: `order ${id}`, sum, traceId, spans: spans.filter((span) => span.traceId === traceId) }));
}

try {
  await order(1);
  if (restartNode !== undefined) {
    await order(2, async () => {
      // The request is in flight (HTTP accepted, publish pending) while the node's app is down.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await ctl(['stop_app'], restartNode);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await ctl(['start_app'], restartNode);
    });
    // 'recovered' is emitted once the topology is restored; the order may have been answered before
    // (on a busy machine the node's restart and the recovery's backoff take several seconds more).
    let recoveries = 0;
    for (let tries = 0; tries < 250 && recoveries === 0; tries += 1) {
      const { resourceMetrics } = await metricReader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((candidate) => candidate.descriptor.name === 'messaging.rabbitmq.connection.recoveries');
      recoveries = metric?.dataPoints.reduce((n, point) => n + (point.value as number), 0) ?? 0;
      if (recoveries === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    console.log(JSON.stringify({ phase: 'metrics', recoveries }));
  }
} finally {
  step('closing');
  await app.close();
  step('closed');
  // Exit explicitly: the scenario's output is complete, nothing else should hold the process.
  process.stdout.write('', () => process.exit(0));
}
