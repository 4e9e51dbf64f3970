/**
 * Promises seen fulfilled. A publish the socket takes at once (most of them, without confirms)
 * resolves to one shared promise the engine made already fulfilled: once it has been seen so, a
 * caller needs neither a rejection handler nor an `await` per call for it (each would be a promise
 * job and an allocation per message). A fulfilled promise cannot change, so this is never wrong.
 */
const fulfilled = new WeakSet<Promise<unknown>>();

/** True when `promise` is known to have fulfilled already. */
export function isFulfilled(promise: Promise<unknown>): boolean {
  return fulfilled.has(promise);
}

/** Notes `promise` as fulfilled: call it only once it has (after an `await` of it, or in its `then`). */
export function markFulfilled(promise: Promise<unknown>): void {
  fulfilled.add(promise);
}
