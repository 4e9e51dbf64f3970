import type { MessageHandler } from '@nestjs/microservices';

/**
 * Handlers whose pattern is an AMQP topic pattern (`*` one word, `#` zero or more), for a server with
 * `wildcards`: a message whose pattern no handler has exactly goes to the first topic pattern that
 * matches it, as Transport.RMQ's ServerRMQ finds it, and as the broker routed it.
 */
export class TopicHandlers {
  private readonly entries: Array<{ words: string[]; handler: MessageHandler }> = [];
  /** Patterns already looked up (the set of patterns a service sees is small): one match per pattern. */
  private readonly cache = new Map<string, MessageHandler | null>();

  constructor(routes: ReadonlyArray<readonly [string, MessageHandler | undefined]>) {
    for (const [route, handler] of routes) {
      if (handler === undefined) continue;
      const words = route.split('.');
      if (words.includes('*') || words.includes('#')) this.entries.push({ words, handler });
    }
  }

  match(pattern: string): MessageHandler | null {
    const cached = this.cache.get(pattern);
    if (cached !== undefined) return cached;
    const words = pattern.split('.');
    const found = this.entries.find((entry) => topicMatches(entry.words, 0, words, 0))?.handler ?? null;
    if (this.cache.size < 10_000) this.cache.set(pattern, found);
    return found;
  }
}

/** AMQP topic matching of pattern words against routing-key words. */
export function topicMatches(pattern: readonly string[], p: number, key: readonly string[], k: number): boolean {
  if (p === pattern.length) return k === key.length;
  const word = pattern[p];
  if (word === '#') {
    for (let skip = k; skip <= key.length; skip += 1) if (topicMatches(pattern, p + 1, key, skip)) return true;
    return false;
  }
  if (k === key.length) return false;
  return (word === '*' || word === key[k]) && topicMatches(pattern, p + 1, key, k + 1);
}
