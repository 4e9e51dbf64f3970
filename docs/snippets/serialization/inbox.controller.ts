import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AmqpContext, QueueConsumer } from 'nestjs-amqp-transport';

export const INBOX = 'docs.serialization.inbox';

@Controller()
export class InboxController {
  static received = 0;

  // What `data` is depends on the message's content type, not on the handler's parameter type:
  //   application/json, or none: the parsed JSON; a body that is not JSON arrives as a Buffer
  //   text/*: a string (UTF-8)
  //   anything else: a Buffer of the raw bytes
  // ctx.message.content is always the raw body.
  @QueueConsumer(INBOX)
  receive(@Payload() data: unknown, @Ctx() ctx: AmqpContext): void {
    const kind = Buffer.isBuffer(data) ? `Buffer(${data.length})` : `${typeof data} ${JSON.stringify(data)}`;
    console.log(`${ctx.properties.contentType ?? '(no content type)'} -> ${kind}`);
    InboxController.received += 1;
  }
}
