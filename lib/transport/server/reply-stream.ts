import type { LoggerService } from '@nestjs/common';
import type { WritePacket } from '@nestjs/microservices';
import { isObservable, type Observer } from 'rxjs';
import { describeError } from '../consume/message-identity.js';

/**
 * The replies of one request, as Nest's `Server.send` makes them from a handler's result, without its
 * operators, closures and observables per call (used when the server's plumbing is Nest's own,
 * see `runsPlainNestPlumbing`): each value is a `{response}`, an error is an `{err}`, the end an
 * `{isDisposed: true}` merged into the last reply still queued. The queue is written from the next
 * tick, one reply after the other, as Nest does, so a result is one reply with `isDisposed`.
 */
export class ReplyStream implements Observer<unknown> {
  private readonly queue: WritePacket[] = [];
  private draining = false;

  constructor(
    private readonly respond: (packet: WritePacket) => Promise<void>,
    private readonly logger: LoggerService,
  ) {}

  /** What the handler returned (a promise already awaited): an observable is followed to its end, anything else is the one reply. */
  take(result: unknown): void {
    if (isObservable(result)) {
      result.subscribe(this);
      return;
    }
    this.push({ response: result });
    this.complete();
  }

  next(response: unknown): void {
    this.push({ response });
  }

  /** As Nest's `catchError`: the error is a reply, then the stream ends. */
  error(err: unknown): void {
    this.push({ err });
    this.complete();
  }

  complete(): void {
    this.push({ isDisposed: true });
  }

  private push(packet: WritePacket): void {
    const queue = this.queue;
    if (packet.isDisposed === true && queue.length > 0) (queue[queue.length - 1] as WritePacket).isDisposed = true;
    else queue.push(packet);
    if (this.draining) return;
    this.draining = true;
    process.nextTick(this.drain);
  }

  private readonly drain = (): void => {
    const packet = this.queue.shift();
    if (packet === undefined) {
      this.draining = false;
      return;
    }
    this.respond(packet).then(this.drain, this.failed);
  };

  /** A reply that could not be written must neither surface as an unhandled rejection nor stop the ones behind it (as Nest). */
  private readonly failed = (error: unknown): void => {
    this.logger.error(`a reply failed: ${describeError(error)}`);
    this.drain();
  };
}
