import { Inject, Injectable, Logger } from '@nestjs/common';
import { AmqpPublisher, OutageBudgetError } from 'nestjs-amqp-transport';

export const ORDERS = 'docs.hardening-outages.orders';

@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);

  constructor(@Inject(AmqpPublisher) private readonly publisher: AmqpPublisher) {}

  /** Resolves on the broker's confirm; during an outage it waits, within the budget. */
  async placed(order: { id: string }): Promise<'sent' | 'refused'> {
    try {
      await this.publisher.sendToQueue(ORDERS, order, { messageId: order.id });
      return 'sent';
    } catch (error) {
      if (!(error instanceof OutageBudgetError)) throw error;
      // Not sent. 'bytes' / 'messages': the outage holds all it may; 'deadline': it lasted too long.
      this.logger.warn(`order ${order.id} not published (${error.bound}): ${error.message}`);
      return 'refused';
    }
  }
}
