/**
 * The test kit's speed on the in-memory broker (no RabbitMQ, no network):
 *
 *   set-up + 1 RPC   Test.createTestingModule with a controller, a ClientAMQP and ServerAMQP as the
 *                    microservice, listen, one `send('sum')`, close: the cost a unit test pays
 *   10,000 messages  published with broker.publish into a @QueueConsumer's queue (auto ack, the
 *                    default prefetch), timed until the consumer has handled them all
 *
 * Run: npx tsx bench/testing.bench.ts   (BENCH_ROUNDS=15 set-ups, BENCH_MESSAGES=10000)
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { ClientsModule, MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { ClientAMQP, QueueConsumer, ServerAMQP } from '../lib/index.js';
import { InMemoryBroker } from '../lib/testing/index.js';
import { median } from './support/median.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 15);
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 10_000);

@Controller()
class SumController {
  static handled = 0;
  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }

  @QueueConsumer('bench.work', { durable: false })
  work(@Payload() _m: { n: number }): void {
    SumController.handled++;
  }
}

/** Wall time and this process's CPU time (user + system) of one set-up and call, in ms. */
async function setUpAndCall(url: string): Promise<[wall: number, cpu: number]> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  @Module({
    imports: [ClientsModule.register([{ name: 'MATH', customClass: ClientAMQP, options: { urls: [url], queue: 'bench.rpc', queueOptions: { durable: false } } }])],
    controllers: [SumController],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ urls: [url], queue: 'bench.rpc', queueOptions: { durable: false } }), logger: false });
  await app.listen();
  const math = app.get<ClientAMQP>('MATH');
  const sum = await lastValueFrom(math.send<number>('sum', [1, 2]));
  if (sum !== 3) throw new Error(`sum was ${sum}`);
  await app.close();
  const used = process.cpuUsage(cpu);
  return [performance.now() - started, (used.user + used.system) / 1000];
}

const broker = await InMemoryBroker.start({ host: 'bench' });
try {
  await setUpAndCall(broker.url()); // warm-up: module loading and JIT
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const [wall, cpu] = await setUpAndCall(broker.url());
    walls.push(wall);
    cpus.push(cpu);
  }
  // CPU time says what it costs when the machine is shared (wall time then includes waiting for a core).
  console.log(
    `set-up + 1 RPC: wall median ${median(walls).toFixed(1)} ms (min ${Math.min(...walls).toFixed(1)}), CPU median ${median(cpus).toFixed(1)} ms (${ROUNDS} rounds)`,
  );

  @Module({ controllers: [SumController] })
  class WorkModule {}
  const moduleRef = await Test.createTestingModule({ imports: [WorkModule] }).compile();
  const app = moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ urls: [broker.url()], queue: 'bench.rpc', queueOptions: { durable: false } }), logger: false });
  await app.listen();
  await broker.waitForConsumers('bench.work');
  for (const round of ['warm-up', 'measured']) {
    SumController.handled = 0;
    const before = broker.handled('bench.work');
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (let n = 0; n < MESSAGES; n++) broker.publish('', 'bench.work', { n });
    await broker.waitForHandled('bench.work', before + MESSAGES, { timeoutMs: 60_000 });
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    if (round === 'measured') {
      console.log(
        `${MESSAGES} messages through a @QueueConsumer: wall ${ms.toFixed(0)} ms (${Math.round((MESSAGES / ms) * 1000)} msg/s), CPU ${((used.user + used.system) / 1000).toFixed(0)} ms, handled ${SumController.handled}`,
      );
    }
    broker.reset();
  }
  await app.close();
} finally {
  await broker.stop();
}

