import { Inject, Injectable } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { AmqpPublisher } from 'nestjs-amqp-transport';
import { firstValueFrom } from 'rxjs';
import { MATH, ORDERS_EXCHANGE } from './names.js';
import type { Order } from './orders.controller.js';

@Injectable()
export class OrdersService {
  // @Inject(...) names the tokens, so this also runs where decorator metadata is not emitted (tsx, esbuild).
  constructor(
    @Inject(AmqpPublisher) private readonly publisher: AmqpPublisher,
    @Inject(MATH) private readonly math: ClientProxy,
  ) {}

  /** Resolves once the broker has confirmed the message (publisher confirms are always on). */
  created(order: Order): Promise<void> {
    return this.publisher.publish(ORDERS_EXCHANGE, 'order.created', order, { persistent: true });
  }

  /** An event to the server's default queue, through Nest's ClientProxy. */
  shipped(order: Order): Promise<undefined> {
    return firstValueFrom(this.math.emit('order.shipped', order), { defaultValue: undefined });
  }

  total(numbers: number[]): Promise<number> {
    return firstValueFrom(this.math.send<number>('sum', numbers));
  }
}
