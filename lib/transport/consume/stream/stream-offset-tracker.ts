import type { FieldTable } from '../../../protocol/index.js';
import type { StreamOffset } from '../../options/consumer-pipeline.options.js';
import { STREAM_OFFSET_HEADER } from '../../core/message-headers.js';



/**
 * Automatic offset tracking: the consumer's basic.consume arguments are the very table the
 * connection's recovery replays, so moving its `x-stream-offset` past the messages handled makes a
 * recovered consumer resume there instead of at the configured start. Deliveries arrive in offset
 * order but may finish out of order (prefetch > 1): the resume point only moves past a message once
 * every earlier one has finished, so nothing in flight at a loss is skipped. Memory: at most
 * `prefetch` offsets.
 */
export class StreamOffsetTracker {
  private readonly inFlight: number[] = [];
  private readonly finishedOffsets = new Set<number>();

  constructor(private readonly consumeArguments: FieldTable) {}

  /** The offset a recovered consumer would start from now. */
  get resumeFrom(): StreamOffset | undefined {
    return this.consumeArguments[STREAM_OFFSET_HEADER] as StreamOffset | undefined;
  }

  /** A delivery arrived (called in delivery order). */
  started(offset: number): void {
    this.inFlight.push(offset);
  }

  /** Its handling ended (successfully or not: a stream moves on either way). */
  finished(offset: number): void {
    this.finishedOffsets.add(offset);
    while (this.inFlight.length > 0 && this.finishedOffsets.has(this.inFlight[0] as number)) {
      const done = this.inFlight.shift() as number;
      this.finishedOffsets.delete(done);
      this.consumeArguments[STREAM_OFFSET_HEADER] = done + 1;
    }
  }
}
