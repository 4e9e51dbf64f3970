import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AmqpContext, QueueConsumer } from 'nestjs-amqp-transport';

export const JOBS = 'docs.manual-ack.jobs';

@Controller()
export class JobsController {
  static settled = 0;

  // 'manual': the handler settles each message itself, when it wants to (here after a timer).
  @QueueConsumer(JOBS, { ack: 'manual', prefetch: 5 })
  run(@Payload() job: { n: number }, @Ctx() ctx: AmqpContext): void {
    setTimeout(() => {
      if (job.n % 2 === 0) {
        ctx.ack();
        console.log(`job ${job.n}: acked`);
      } else {
        ctx.nack({ requeue: false }); // dead-lettered if the queue has a DLX, dropped otherwise
        console.log(`job ${job.n}: nacked`);
      }
      JobsController.settled += 1;
    }, 50);
  }
}
