/**
 * Exponential backoff with full jitter: the delay before attempt n is uniform in
 * [0, min(maxDelay, initialDelay * multiplier^(n-1))). Full jitter spreads the reconnects of many
 * clients that lost the same broker, so they do not return in one wave.
 */

/** The bounds the delay is drawn from. */
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
}

/** The upper bound of the delay before attempt `attempt` (1-based). */
export function backoffCeiling(policy: BackoffPolicy, attempt: number): number {
  const exponent = Math.max(0, attempt - 1);
  // Capping the exponent keeps the product finite for very long outages.
  const grown = policy.initialDelayMs * Math.pow(policy.multiplier, Math.min(exponent, 64));
  return Math.min(policy.maxDelayMs, grown);
}

/** The delay before attempt `attempt` (1-based), in ms. `random` is injectable for tests. */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(policy, attempt));
}
