/** A wait of `ms` that `wake()` ends early (a healing consumer's backoff, cut short when it is stopped). */
export function wakeableDelay(ms: number): { done: Promise<void>; wake: () => void } {
  let wake = (): void => undefined;
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, wake };
}
