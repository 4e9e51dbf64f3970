/**
 * Polls `check` until it returns true, or fails with `what` after `timeoutMs`. A check that is
 * cheap is repeated every 20 ms; one that is not (a `rabbitmqctl` call boots an Erlang VM: about a
 * second of CPU) is repeated no more often than it takes itself, so a wait costs at most half a core
 * for the suites that run beside it.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = Date.now();
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pollPause(Date.now() - started);
  }
}

/** The pause before the next poll of a check that took `checkMs`: 20 ms, or as long as the check. */
export function pollPause(checkMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(20, checkMs)));
}
