/** Calls kept in flight, and what they cost this process. */

/** Runs `call(i)` for i = 0 .. calls - 1 with `inFlight` outstanding at all times. */
export async function runInFlight(calls: number, inFlight: number, call: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next;
      next += 1;
      await call(i);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** `runInFlight`, measured: this process's CPU (user + system) per call, µs. */
export async function cpuPerCallUs(calls: number, inFlight: number, call: (i: number) => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await runInFlight(calls, inFlight, call);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}
