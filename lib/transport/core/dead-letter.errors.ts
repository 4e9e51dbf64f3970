import { AMQPError, type MessageReturnedError } from '../../protocol/errors.js';

/**
 * A dead-letter replay stopped because the broker returned a letter: its target queue does not exist
 * (any more), so the mandatory publish came back (312 NO_ROUTE) instead of being confirmed and lost.
 * The letter and those after it stay in the dead-letter queue; `replayed` says how many went before.
 */
export class DeadLetterReplayError extends AMQPError {
  /** The dead-letter queue being replayed. */
  readonly queue: string;
  /** The queue the returned letter was sent to. */
  readonly target: string;
  /** Letters replayed (confirmed and acked) before this one. */
  readonly replayed: number;
  /** The broker's reply code for the return (312 NO_ROUTE for a queue that does not exist). */
  readonly replyCode: number;
  constructor(queue: string, target: string, replayed: number, returned: MessageReturnedError) {
    super(
      `replay of "${queue}" stopped: the broker returned the letter sent to queue "${target}" ` +
        `(${returned.replyCode} ${returned.replyText}: does that queue exist?); ${replayed} replayed before it, ` +
        `it and the letters after it are left in "${queue}"`,
      'ERR_AMQP_DEAD_LETTER_REPLAY',
      { cause: returned },
    );
    this.queue = queue;
    this.target = target;
    this.replayed = replayed;
    this.replyCode = returned.replyCode;
  }
}
