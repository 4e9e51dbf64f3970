import type { ProducerDeserializer, WritePacket } from '@nestjs/microservices';
import type { Subscriber } from 'rxjs';
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
    this.fail(error);
  }

  /** Ends the call with `err` (whatever was thrown), as a disposed error reply. */
  fail(err: unknown): void {
    this.callback({ err, isDisposed: true });
  }

  protected deliver(reply: DeserializedReply): boolean {
    const { err, response, isDisposed } = reply;
    if (isDisposed === true || (err !== undefined && err !== null)) {
      this.callback({ err, response, isDisposed: true });
      return true;
    }
    this.callback({ err, response });
    return false;
  }
}

/** The client's own mapping of what reaches the subscriber (ClientProxy's serializeError / serializeResponse). */
export interface ReplyMapping {
  serializeError(err: unknown): unknown;
  serializeResponse(response: unknown): unknown;
}

/**
 * A call whose replies go straight to the `send()` subscriber, as ClientProxy's `createObserver`
 * would pass them on (used while the client's `publish` and `createObserver` are its own): no
 * observer closure per call and no reply packet object per reply.
 */
export class ObserverReplyCall extends ReplyCall {
  constructor(
    deserializer: ProducerDeserializer,
    private readonly observer: Subscriber<unknown>,
    private readonly mapping: ReplyMapping,
  ) {
    super(deserializer, noCallback);
  }

  override fail(err: unknown): void {
    if (err) this.observer.error(this.mapping.serializeError(err));
    else this.observer.complete();
  }

  protected override deliver(reply: DeserializedReply): boolean {
    const { err, response, isDisposed } = reply;
    if (err) {
      this.observer.error(this.mapping.serializeError(err));
      return true;
    }
    if (isDisposed === true || (err !== undefined && err !== null)) {
      if (response !== undefined) this.observer.next(this.mapping.serializeResponse(response));
      this.observer.complete();
      return true;
    }
    this.observer.next(this.mapping.serializeResponse(response));
    return false;
  }
}

function noCallback(): void {}
