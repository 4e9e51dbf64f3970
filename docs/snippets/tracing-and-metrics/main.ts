import { metricReader, spans } from './tracing.js';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { trace } from '@opentelemetry/api';
import { AmqpModule, AmqpPublisher, ServerAMQP } from 'nestjs-amqp-transport';
import { ORDERS, OrdersConsumer } from './orders.consumer.js';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

@Module({ imports: [AmqpModule.forRoot({ urls: [url] })], controllers: [OrdersConsumer] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [url] }) });
await app.init();
await app.startAllMicroservices();

const handled = new Promise<string>((resolve) => (OrdersConsumer.handled = resolve));
// A span of the app's own (an HTTP request's, with the http instrumentation) is the parent of the publish.
await trace.getTracer('docs').startActiveSpan('checkout', async (span) => {
  await app.get(AmqpPublisher).sendToQueue(ORDERS, { id: 42 });
  span.end();
});
await handled;
await new Promise((resolve) => setTimeout(resolve, 100));

for (const span of spans.getFinishedSpans()) {
  console.log(
    `span "${span.name}" trace ${span.spanContext().traceId} parent ${span.parentSpanContext?.spanId ?? '-'}`,
  );
}
const { resourceMetrics } = await metricReader.collect();
for (const metric of resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)) {
  console.log(`metric ${metric.descriptor.name}: ${metric.dataPoints.length} series`);
}
await app.close();
