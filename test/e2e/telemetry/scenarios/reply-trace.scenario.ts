/**
 * Replies carry their trace: a request to a @QueueConsumer and one to a @MessagePattern, each sent by
 * a raw engine client with a traceparent of its own, answered to a reply queue the client reads. Prints
 * one JSON line per handler kind: { phase, requestTraceId, replyTraceparent, spans }.
 *
 * Env: AMQP_URL; OTEL_SCENARIO_PREFIX (names of queues).
 */
import { finishedSpans } from './otel-setup.js';

const { Controller, Module } = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const { MessagePattern, Payload } = await import('@nestjs/microservices');
const lib = await import('../../../../lib/index.js');
const { Connection } = await import('../../../../lib/protocol/connection/connection.js');
const { QueueConsumer, ServerAMQP } = lib;

const url = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const prefix = process.env['OTEL_SCENARIO_PREFIX'] ?? `otel.reply.${process.pid}`;
const CONSUMER = `${prefix}.consumer`;
const RPC = `${prefix}.rpc`;

@Controller()
class Handlers {
  @QueueConsumer(CONSUMER, { durable: false, autoDelete: true })
  double(@Payload() n: number): number {
    return n * 2;
  }

  @MessagePattern('triple')
  triple(@Payload() n: number): number {
    return n * 3;
  }
}

@Module({ controllers: [Handlers] })
class AppModule {}

const app = await NestFactory.createMicroservice(AppModule, {
  strategy: new ServerAMQP({ urls: [url], queue: RPC, queueOptions: { durable: false, autoDelete: true } }),
  logger: ['error', 'warn'],
});
await app.listen();
const connection = await Connection.connect(url);
try {
  const channel = await connection.channel();
  const { queue: replyQueue } = await channel.queueDeclare({ queue: '', exclusive: true, autoDelete: true });
  const replies = new Map<string, Record<string, unknown>>();
  await channel.basicConsume(replyQueue, (_c, _m, properties) => {
    replies.set(properties.correlationId ?? '', properties.headers ?? {});
  }, { autoAck: true });
  const ask = async (phase: string, routingKey: string, body: string, traceId: string): Promise<void> => {
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    await channel.basicPublish('', routingKey, body, { correlationId: phase, replyTo: replyQueue, contentType: 'application/json', headers: { traceparent } });
    for (let i = 0; i < 300 && !replies.has(phase); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const headers = replies.get(phase);
    const spans = finishedSpans().filter((span) => span.traceId === traceId);
    console.log(JSON.stringify({ phase, requestTraceId: traceId, replied: headers !== undefined, replyTraceparent: headers?.['traceparent'], spans }));
  };
  await ask('queue-consumer', CONSUMER, '21', '4bf92f3577b34da6a3ce929d0e0e4736');
  await ask('message-pattern', RPC, JSON.stringify({ pattern: 'triple', data: 14, id: 'x' }), '5bf92f3577b34da6a3ce929d0e0e4737');
} finally {
  await connection.close();
  await app.close();
  process.stdout.write('', () => process.exit(0));
}
