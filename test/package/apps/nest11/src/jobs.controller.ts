import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { AmqpContext, QueueConsumer } from 'nestjs-amqp-transport';
import { JOBS_QUEUE } from './names';
import { ReceivedService } from './received.service';

@Controller()
export class JobsController {
  constructor(private readonly received: ReceivedService) {}

  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }

  // Auto-delete, and no dead-letter queue: the run leaves nothing on the broker.
  @QueueConsumer(JOBS_QUEUE, { durable: false, autoDelete: true, deadLetterQueue: false })
  onJob(@Payload() job: { id: string }, @Ctx() context: AmqpContext): void {
    this.received.add(`job ${job.id} from ${context.getMessage().fields.routingKey}`);
  }
}
