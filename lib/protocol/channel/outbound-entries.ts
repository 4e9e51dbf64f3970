/** The kinds of entries the channel's {@link RpcQueue} holds. */
import type { AnyMethod, BasicProperties } from '../codec/index.js';
import { deferred, type Deferred } from '../continuation.js';
import type { Outbound } from './rpc-queue.js';

const noop = (): void => undefined;

/** Turns the reply of a synchronous method into its result; runs synchronously as the reply is read. */
export type ReplyHandler<T> = (method: AnyMethod, properties?: BasicProperties, body?: Buffer) => T;

/** A synchronous method: settles with the handler's result when one of `responses` arrives. */
export class RpcCall<T> implements Outbound {
  readonly isContent = false;
  readonly result: Deferred<T> = deferred<T>();
  constructor(
    readonly name: string,
    readonly frame: Buffer,
    readonly responses: readonly number[],
    private readonly onReply: ReplyHandler<T>,
    private readonly onSent?: () => void,
  ) {}

  sent(): void {
    this.onSent?.();
  }

  reply(method: AnyMethod, properties?: BasicProperties, body?: Buffer): void {
    let value: T;
    try {
      value = this.onReply(method, properties, body);
    } catch (error) {
      this.result.reject(error);
      return;
    }
    this.result.resolve(value);
  }

  /**
   * The channel or connection went away. CPS callers often drop the promise; the loss already reaches
   * them through the close callbacks, so this rejection must not also crash them as unhandled.
   */
  fail(error: Error): void {
    this.result.promise.catch(noop);
    this.result.reject(error);
  }
}

/** A frame that expects no reply (ack, nack, reject, our channel.close) queued behind a synchronous method. */
export class HeldFrame implements Outbound {
  readonly responses = null;
  readonly isContent = false;
  constructor(
    readonly frame: Buffer,
    private readonly onSent?: () => void,
  ) {}
  sent(): void {
    this.onSent?.();
  }
  reply(): void {}
  fail(): void {}
}

/**
 * A publish that could not go straight out (a synchronous method was queued before it, or the broker
 * paused the channel). Once written, its promise follows what the channel decides for a written publish.
 */
export class HeldPublish implements Outbound {
  readonly responses = null;
  readonly isContent = true;
  private readonly done: Deferred<void> = deferred<void>();
  constructor(
    readonly frame: Buffer,
    private readonly afterWrite: (accepted: boolean) => Promise<void>,
  ) {}

  get promise(): Promise<void> {
    return this.done.promise;
  }

  sent(accepted: boolean): void {
    this.afterWrite(accepted).then(this.done.resolve, this.done.reject);
  }

  reply(): void {}

  fail(error: Error): void {
    this.done.promise.catch(noop);
    this.done.reject(error);
  }
}
