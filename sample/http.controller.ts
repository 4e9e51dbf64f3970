import { Body, Controller, Get, Inject, Post, Query } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { OrdersService } from './orders.service.js';
import { MATH_CLIENT } from './sample.config.js';

/** The HTTP side of the hybrid app. */
@Controller()
export class HttpController {
  constructor(
    @Inject(MATH_CLIENT) private readonly math: ClientProxy,
    @Inject(OrdersService) private readonly orders: OrdersService,
  ) {}

  /** GET /sum?numbers=1,2,3 -> an RPC through ClientAMQP to the @MessagePattern('sum') handler. */
  @Get('sum')
  async sum(@Query('numbers') numbers = ''): Promise<{ sum: number }> {
    const values = numbers.split(',').filter((n) => n !== '').map(Number);
    return { sum: await firstValueFrom(this.math.send<number>('sum', values)) };
  }

  /** POST /orders {id} -> published to the orders exchange, consumed by the @QueueConsumer. */
  @Post('orders')
  async create(@Body() order: { id: string }): Promise<{ published: true }> {
    await this.orders.publishOrder('created', order);
    return { published: true };
  }
}
