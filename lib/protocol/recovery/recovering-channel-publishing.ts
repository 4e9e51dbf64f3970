/**
 * The publishing side of a RecoveringChannel: basicPublish and publishWithRetry over the connection's
 * outbound gate and outage budget, and withdrawPublish for a caller that gives up on a publish still
 * waiting its turn. A publish goes to the live engine channel when the connection is OPEN and its
 * socket under the high-water mark; otherwise it waits in the connection's buffer, counted by the
 * budget. publishWithRetry keeps its body for a re-send while it is written and unconfirmed: that is
 * counted by the same budget (keep / unkeep, plain counters), so what waits plus what is kept never
 * passes the bounds, connected or not.
 */
import type { BasicProperties, BasicPublishOptions } from './engine-port.js';
import { isLossError, type BufferedPublish, type PublishRetryOptions, type SendRecord } from './publish-retry.js';
import { RecoveringChannelCore } from './recovering-channel-core.js';

/** A publish waiting in the connection's buffer: how to take it back out (withdrawPublish). */
interface HeldPublish {
  readonly withdraw: () => boolean;
  readonly reject: (error: unknown) => void;
}

/** `Self` as in RecoveringChannelCore: generic so that this file sits below recovering-channel.ts. */
export abstract class RecoveringChannelPublishing<Self> extends RecoveringChannelCore<Self> {
  /** basicPublish promises of this channel still waiting in the buffer (dropped once sent or failed). */
  private readonly heldPublishes = new WeakMap<Promise<void>, HeldPublish>();

  /**
   * Publishes. While the connection is down the message goes to the connection's publish buffer (sent
   * in order after recovery, within the outage budget: OutageBudgetError past a bound or the
   * deadline) or, with buffering off, rejects at once with PublishBufferFullError. While it is up but
   * its socket is over the high-water mark (or older publishes wait), the message waits its turn in
   * the same buffer, within the same budget, whatever the buffering option (outbound-gate.ts). A
   * publish on the wire when the connection dies rejects (never hangs). A publish still waiting can
   * be taken back with {@link withdrawPublish}.
   */
  basicPublish(
    exchange: string,
    routingKey: string,
    body: Buffer | string,
    properties?: BasicProperties,
    o?: BasicPublishOptions,
  ): Promise<void> {
    return this.publishTracked(exchange, routingKey, body, properties, o, { generation: 0, keepBytes: -1 });
  }

  /**
   * Publishes and, when the connection is lost before the publish settled, sends it again on the
   * recovered channel until it settles: with confirms on, a resolved promise means the broker took it
   * at least once. Errors that a retry cannot fix (nack, unroutable exchange, recovery given up)
   * reject at once. The body is kept in memory from the call to the settlement, and counted all that
   * time by the outage budget (`recovery.outage`): while it waits (the connection down, in the publish
   * buffer when it is on, else for the recovered channel; or behind the socket's high-water mark),
   * and while it is written and unconfirmed. Past `maxBytes` or `maxMessages` it rejects at once
   * with OutageBudgetError, connected or not; only a wait has a deadline, not a confirm. A duplicate
   * is possible when the broker took the message but its confirm was lost with the connection.
   */
  async publishWithRetry(
    exchange: string,
    routingKey: string,
    body: Buffer | string,
    properties?: BasicProperties,
    o?: BasicPublishOptions,
    retry: PublishRetryOptions = {},
  ): Promise<void> {
    const maxRetries = retry.maxRetries ?? Number.POSITIVE_INFINITY;
    const bytes = bodyBytes(body);
    const budget = this.host.budget();
    for (let retries = 0; ; retries += 1) {
      const sent: SendRecord = { generation: 0, keepBytes: bytes };
      try {
        if (this.stateValue === 'SUSPENDED' && !this.host.buffersPublishes()) {
          await this.untilGenerationAfter(this.generation - 1, bytes);
        }
        await this.publishTracked(exchange, routingKey, body, properties, o, sent);
      } catch (error) {
        // Written (so kept) and then lost or refused: it is not on the wire any more.
        const kept = sent.generation !== 0;
        if (kept) budget.unkeep(bytes);
        if (retries >= maxRetries || !isLossError(error)) throw error;
        // The caller's callback first: when it throws, the publish ends there and keeps no room in the
        // budget (a wait made before it would hold that room until the recovery or its deadline).
        retry.onRetry?.(error, retries + 1);
        // Wait for a channel newer than the one that lost it; a final close rejects instead. What was
        // kept moves into the wait's hold at once, so that nothing newer takes its room meanwhile.
        const lostOn = sent.generation === 0 ? this.generation : sent.generation;
        await this.untilGenerationAfter(lostOn, bytes, kept);
        continue;
      }
      if (sent.generation !== 0) budget.unkeep(bytes);
      return;
    }
  }

  /**
   * Takes back a publish that still waits its turn in the connection's buffer (behind the socket's
   * high-water mark, or for a recovery): it is never sent, its room in the outage budget comes back at
   * once, and `published` (the promise basicPublish returned) rejects with `reason`. False when it
   * does not wait there (written already, refused, expired, or never held). For a caller that gave up
   * on it, such as a request at its timeout.
   */
  withdrawPublish(published: Promise<void>, reason: unknown): boolean {
    const held = this.heldPublishes.get(published);
    if (held === undefined) return false;
    this.heldPublishes.delete(published);
    if (!held.withdraw()) return false;
    held.reject(reason);
    return true;
  }

  /**
   * Sends now on the live channel, or holds the publish in the connection's buffer while the
   * connection is down or its socket over the mark (the buffer refuses it at once when full or off).
   * `sent.generation` tells a retry which generation lost the message. With `sent.keepBytes` >= 0
   * (publishWithRetry), the body is counted by the outage budget from its write until the caller's
   * unkeep(): refused with OutageBudgetError when it does not fit beside what is held and kept.
   */
  protected publishTracked(
    exchange: string,
    routingKey: string,
    body: Buffer | string,
    properties: BasicProperties | undefined,
    o: BasicPublishOptions | undefined,
    sent: SendRecord,
  ): Promise<void> {
    if (this.stateValue === 'CLOSED' || this.stateValue === 'CLOSING') {
      return Promise.reject(this.closedError('basic.publish'));
    }
    const target = exchange === '' ? this.host.record.resolveQueue(routingKey) : routingKey;
    if (this.stateValue === 'OPEN' && !this.host.holdsPublishes()) {
      if (sent.keepBytes >= 0) {
        try {
          this.host.budget().keep(sent.keepBytes);
        } catch (error) {
          return Promise.reject(error);
        }
      }
      sent.generation = this.generation;
      return this.sendNow(exchange, target, body, properties, o);
    }
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const held = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: BufferedPublish = {
      exchange,
      routingKey: target,
      body,
      properties,
      options: o,
      bytes: sent.keepBytes >= 0 ? sent.keepBytes : bodyBytes(body),
      send: () => {
        this.heldPublishes.delete(held);
        if (this.stateValue === 'CLOSED' || this.stateValue === 'CLOSING') {
          reject(this.closedError('basic.publish'));
          return;
        }
        // Its hold was returned a moment ago (the buffer gave it up to be sent): counted again, kept.
        if (sent.keepBytes >= 0) this.host.budget().keep(sent.keepBytes, true);
        sent.generation = this.generation;
        this.sendNow(exchange, target, body, properties, o).then(resolve, reject);
      },
      resolve,
      reject: (error) => {
        this.heldPublishes.delete(held);
        reject(error);
      },
    };
    try {
      this.heldPublishes.set(held, { withdraw: this.host.hold(entry), reject });
    } catch (error) {
      reject(error);
    }
    return held;
  }

  /** The engine throws synchronously for bad state or arguments: turn that into a rejection. */
  private sendNow(
    exchange: string,
    routingKey: string,
    body: Buffer | string,
    properties: BasicProperties | undefined,
    o: BasicPublishOptions | undefined,
  ): Promise<void> {
    try {
      return this.engine.basicPublish(exchange, routingKey, body, properties, o);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

function bodyBytes(body: Buffer | string): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}
