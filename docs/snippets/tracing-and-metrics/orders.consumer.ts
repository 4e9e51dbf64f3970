import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { trace } from '@opentelemetry/api';
import { QueueConsumer } from 'nestjs-amqp-transport';

export const ORDERS = 'docs.tracing-and-metrics.orders';

@Controller()
export class OrdersConsumer {
  static handled: (traceId: string) => void = () => undefined;

  @QueueConsumer(ORDERS, { durable: false, autoDelete: true, deadLetterQueue: false }) // a demo queue: nothing to park
  onOrder(@Payload() order: { id: number }): void {
    // The handler runs inside the consumer's span, a child of the publisher's.
    const traceId = trace.getActiveSpan()?.spanContext().traceId ?? 'none';
    console.log(`order ${order.id} handled in trace ${traceId}`);
    OrdersConsumer.handled(traceId);
  }
}
