/**
 * The timeouts of the calls one {@link DirectReplyRpc} has in flight, on one timer instead of a
 * Timeout per call (its allocation, and node's timer-list insert and removal on every call).
 *
 * Calls are kept per timeout length in the order their clocks started: a Map keeps insertion order,
 * and restarting a call's clock (a streamed reply) moves it to the end, so the first entry of each
 * length has that length's earliest deadline. The timer is armed for the earliest of those; when it
 * fires, the calls whose deadline has passed are reported and it is armed for the next one. While
 * no call is in flight there is no timer (nothing keeps the process alive that a Timeout per call
 * would not have kept alive).
 * @internal
 */
export class RpcDeadlines<K> {
  /** Timeout length (ms) -> key -> deadline (ms, on `now`'s clock), in the order the clocks started. */
  private readonly lanes = new Map<number, Map<K, number>>();
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The deadline the timer is armed for (Infinity: none). */
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(
    /** A call's time ran out (it has been forgotten here already). */
    private readonly expired: (key: K) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts (or restarts) the clock of `key`: it expires `timeoutMs` from now unless stopped or restarted. */
  start(key: K, timeoutMs: number): void {
    let lane = this.lanes.get(timeoutMs);
    if (lane === undefined) {
      lane = new Map();
      this.lanes.set(timeoutMs, lane);
    }
    if (!lane.delete(key)) this.count += 1;
    const deadline = this.now() + timeoutMs;
    lane.set(key, deadline);
    if (deadline < this.armedFor) this.arm(deadline);
  }

  /** Stops the clock of `key` (answered, failed or abandoned). */
  stop(key: K, timeoutMs: number): void {
    const lane = this.lanes.get(timeoutMs);
    if (lane === undefined || !lane.delete(key)) return;
    this.count -= 1;
    // An emptied lane goes unless it is the only one (the client's own timeout, used again next call).
    if (lane.size === 0 && this.lanes.size > 1) this.lanes.delete(timeoutMs);
    if (this.count === 0) this.disarm();
  }

  /** Forgets every clock. */
  clear(): void {
    this.lanes.clear();
    this.count = 0;
    this.disarm();
  }

  private arm(deadline: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedFor = deadline;
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(deadline - this.now())));
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.now();
    const due: K[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [timeoutMs, lane] of this.lanes) {
      for (const [key, deadline] of lane) {
        if (deadline > now) {
          if (deadline < next) next = deadline;
          break;
        }
        lane.delete(key);
        this.count -= 1;
        due.push(key);
      }
      if (lane.size === 0) this.lanes.delete(timeoutMs);
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
    for (const key of due) this.expired(key);
  };
}
