/**
 * Continuation-passing plus promises from one helper: every asynchronous engine operation takes an
 * optional callback and returns a promise of the same result.
 */

/** A continuation as the engine calls it: the result on success. Errors go to the promise / `onError`. */
export type Continuation<T> = (result: T) => void;

/**
 * Wraps a promise so that `callback` (when given) is called with its value. The promise is returned
 * either way; when a callback is given, a rejection is still observable on the returned promise but is
 * marked handled so a CPS-only caller does not get an unhandled-rejection crash.
 */
export function withContinuation<T>(promise: Promise<T>, callback?: Continuation<T>): Promise<T> {
  if (callback === undefined) return promise;
  promise.then(callback, () => undefined);
  return promise;
}

/** A promise with its settle functions outside, for waiters kept in queues and maps. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
