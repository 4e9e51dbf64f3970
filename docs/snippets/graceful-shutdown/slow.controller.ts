import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { QueueConsumer } from 'nestjs-amqp-transport';

export const REPORTS = 'docs.graceful-shutdown.reports';

@Controller()
export class SlowController {
  static finished = 0;

  @QueueConsumer(REPORTS, { prefetch: 10 })
  async build(@Payload() report: { n: number }): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 300)); // a handler that takes a while
    SlowController.finished += 1;
    console.log(`report ${report.n} built`);
  }
}
