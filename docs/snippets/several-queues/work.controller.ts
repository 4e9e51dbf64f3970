import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { QueueConsumer } from 'nestjs-amqp-transport';

export const EMAILS = 'docs.several-queues.emails';
export const THUMBNAILS = 'docs.several-queues.thumbnails';
export const AUDIT = 'docs.several-queues.audit';

// One server, any number of queues: each @QueueConsumer has its own channel, prefetch and options.
@Controller()
export class WorkController {
  static seen: string[] = [];

  @QueueConsumer(EMAILS, { prefetch: 50 })
  email(@Payload() message: { to: string }): void {
    WorkController.seen.push(`email to ${message.to}`);
  }

  @QueueConsumer(THUMBNAILS, { prefetch: 2, queueType: 'quorum' })
  async thumbnail(@Payload() message: { file: string }): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20)); // slow work: a small prefetch
    WorkController.seen.push(`thumbnail of ${message.file}`);
  }

  @QueueConsumer(AUDIT, { durable: false, autoDelete: true, ack: 'none' })
  audit(@Payload() message: { event: string }): void {
    WorkController.seen.push(`audit ${message.event}`);
  }
}
