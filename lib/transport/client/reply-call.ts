import type { ProducerDeserializer, WritePacket } from '@nestjs/microservices';
import type { BasicProperties } from '../../protocol/index.js';
import type { RpcCall } from '../publish/direct-reply-rpc.js';
import { parseEnvelopeBody } from '../publish/nest-envelope.js';

/** The reply shape Nest's deserializers produce. */
interface DeserializedReply {
  err?: unknown;
  response?: unknown;
  isDisposed?: boolean;
}

/**
 * One request's side of the call: Nest's reply handling (ClientRMQ.handleMessage), where an error or
 * `isDisposed` ends the call. A class rather than closures made per request: fewer allocations, and
 * tsx (which the benches run under) wraps every named closure in a defineProperty of its name.
 */
export class ReplyCall implements RpcCall {
  constructor(
    private readonly deserializer: ProducerDeserializer,
    private readonly callback: (packet: WritePacket) => void,
  ) {}

  onReply(properties: BasicProperties, body: Buffer): boolean | Promise<boolean> {
    const reply = this.deserializer.deserialize(parseEnvelopeBody(body), { properties }) as
      DeserializedReply | Promise<DeserializedReply>;
    return reply instanceof Promise ? reply.then((resolved) => this.deliver(resolved)) : this.deliver(reply);
  }

  onError(error: Error): void {
    this.callback({ err: error, isDisposed: true });
  }

  private deliver(reply: DeserializedReply): boolean {
    const { err, response, isDisposed } = reply;
    if (isDisposed === true || (err !== undefined && err !== null)) {
      this.callback({ err, response, isDisposed: true });
      return true;
    }
    this.callback({ err, response });
    return false;
  }
}
