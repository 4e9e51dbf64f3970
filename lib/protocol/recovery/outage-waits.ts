/**
 * What waits out an outage of a RecoveringConnection, in one keeper: the publishes held behind the
 * outbound gate (the publish buffer, each entry counted by the outage budget) and the callers waiting
 * for the connection to be OPEN (whenReady; waitOutOutage, counted by the budget too). The connection
 * says when it opens, recovers or closes for good; this file says who is let go then, and with what.
 */
import { ConnectionClosedError, InvalidStateError, type AMQPError } from '../errors.js';
import { OutboundGate, type OutboundGateHost } from './outbound-gate.js';
import { OutageBudget } from './outage-budget.js';
import { PublishBuffer } from './publish-buffer.js';
import type { BufferedPublish } from './publish-retry.js';
import { OutageWaiters, ReadyWaiters } from './ready-waiters.js';
import type { RecoveringConnectionState } from './recovering-connection-types.js';
import type { ResolvedRecoveryOptions } from './recovery-options.js';

export class OutageWaits {
  readonly budget: OutageBudget;
  readonly buffer: PublishBuffer<BufferedPublish>;
  readonly gate: OutboundGate;
  private readonly ready = new ReadyWaiters();
  private readonly outage: OutageWaiters;

  constructor(options: ResolvedRecoveryOptions, gateHost: OutboundGateHost) {
    this.budget = new OutageBudget(options.outage);
    this.buffer = new PublishBuffer<BufferedPublish>(options.publishBuffer, this.budget);
    this.gate = new OutboundGate(this.buffer, gateHost);
    this.outage = new OutageWaiters(this.budget);
  }

  /** See RecoveringConnection.whenReady: at once when OPEN, refused once closing. */
  whenReady(state: RecoveringConnectionState): Promise<void> {
    if (state === 'OPEN') return Promise.resolve();
    if (state === 'CLOSED' || state === 'CLOSING') return Promise.reject(new InvalidStateError('the connection is closed', state));
    return this.ready.wait();
  }

  /** See RecoveringConnection.waitOutOutage: like whenReady, the wait counted by the outage budget. */
  waitOutOutage(state: RecoveringConnectionState, bytes: number, signal?: AbortSignal): Promise<void> {
    if (state === 'OPEN') return Promise.resolve();
    if (state === 'CLOSED' || state === 'CLOSING') return Promise.reject(new InvalidStateError('the connection is closed', state));
    return this.outage.wait(bytes, signal);
  }

  /** OPEN, the first time or again: every waiter goes on (their holds leave the budget). */
  opened(): void {
    this.ready.resolveAll();
    this.outage.resolveAll();
  }

  /** The first connect failed: every waiter fails with its error. */
  openFailed(error: AMQPError): void {
    this.ready.rejectAll(error);
    this.outage.rejectAll(error);
  }

  /**
   * Closed for good, first step: the buffered publishes fail (with `error`, or a normal-shutdown
   * ConnectionClosedError when closed by the user); returns that error for {@link closed}. Two steps
   * because the connection finalizes its channels (their users' close callbacks) in between.
   */
  failPublishes(error: AMQPError | undefined): AMQPError {
    const publishError =
      error ??
      new ConnectionClosedError(
        { replyCode: 200, replyText: 'Normal shutdown', initiator: 'client' },
        'the connection was closed before the buffered publish could be sent',
      );
    this.buffer.rejectAll(publishError);
    return publishError;
  }

  /** Closed for good, last step: the callers waiting for OPEN fail (a wait kept a message: as its publish). */
  closed(error: AMQPError | undefined, publishError: AMQPError): void {
    this.ready.rejectAll(error ?? new InvalidStateError('the connection is closed', 'CLOSED'));
    this.outage.rejectAll(publishError);
  }
}
