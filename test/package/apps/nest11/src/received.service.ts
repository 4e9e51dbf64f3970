import { Injectable } from '@nestjs/common';

/** What the handlers received; `waitFor` resolves once an entry is there (or fails after 10 s). */
@Injectable()
export class ReceivedService {
  private readonly entries = new Set<string>();
  private readonly waiters = new Map<string, () => void>();

  add(entry: string): void {
    this.entries.add(entry);
    this.waiters.get(entry)?.();
  }

  waitFor(entry: string): Promise<void> {
    if (this.entries.has(entry)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never received: ${entry}`)), 10_000);
      this.waiters.set(entry, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
