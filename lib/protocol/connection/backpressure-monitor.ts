/**
 * pika's backpressure monitor: track the average size of what is written, and raise the alarm when
 * the bytes buffered but not yet on the socket exceed that average times a multiplier.
 *
 * Each write the connection makes counts as one "frame" here: a method, or a whole message (method,
 * header and body frames encoded together), so the threshold reads as "more than N messages queued".
 * Rate limit: the alarm fires once when the buffer crosses the threshold and is re-armed only after
 * the buffer fell back below it, so a long flood calls the callbacks once, not once per write.
 */

/** The multiplier pika uses by default. */
export const DEFAULT_BACKPRESSURE_MULTIPLIER = 10;

export class BackpressureMonitor {
  #multiplier = DEFAULT_BACKPRESSURE_MULTIPLIER;
  #frames = 0;
  #bytes = 0;
  #armed = true;

  get multiplier(): number {
    return this.#multiplier;
  }

  /** @throws RangeError unless `n` is a positive finite number (the caller turns it into a typed error). */
  set multiplier(n: number) {
    if (!(typeof n === 'number' && Number.isFinite(n) && n > 0)) throw new RangeError(`bad multiplier ${String(n)}`);
    this.#multiplier = n;
  }

  /** The average size of a write so far (0 before the first). */
  get averageFrameSize(): number {
    return this.#frames === 0 ? 0 : this.#bytes / this.#frames;
  }

  /**
   * Records one write of `size` bytes with `buffered` bytes now waiting for the socket.
   * @returns true when the callbacks should fire now.
   */
  record(size: number, buffered: number): boolean {
    this.#frames += 1;
    this.#bytes += size;
    return this.observe(buffered);
  }

  /** Re-evaluates without a new write (e.g. after the socket drained). @returns true to fire. */
  observe(buffered: number): boolean {
    const over = buffered > (this.#bytes / this.#frames) * this.#multiplier;
    if (!over) {
      this.#armed = true;
      return false;
    }
    if (!this.#armed) return false;
    this.#armed = false;
    return true;
  }
}
