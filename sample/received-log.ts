import { Injectable } from '@nestjs/common';

/** One thing the app received, as `main.ts` prints it. */
export interface ReceivedEntry {
  via: string;
  payload: unknown;
}

/** What the handlers received, so `main.ts` can wait for it and print it. */
@Injectable()
export class ReceivedLog {
  private readonly entries: ReceivedEntry[] = [];
  private readonly waiters: Array<() => void> = [];

  add(via: string, payload: unknown): void {
    this.entries.push({ via, payload });
    console.log(`received via ${via}: ${JSON.stringify(payload)}`);
    for (const wake of this.waiters.splice(0)) wake();
  }

  get all(): readonly ReceivedEntry[] {
    return this.entries;
  }

  /** Resolves once `count` entries came through `via`, or rejects after `timeoutMs`. */
  async waitFor(via: string, count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.entries.filter((entry) => entry.via === via).length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} messages via ${via} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
