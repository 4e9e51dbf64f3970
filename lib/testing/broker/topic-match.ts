/**
 * RabbitMQ's topic matching: words split at '.', '*' is exactly one word, '#' zero or more words.
 * An empty routing key or pattern has no words (so '#' matches '' and '*' does not), as the
 * broker's trie splits them.
 */

function words(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

/** True when `routingKey` matches the binding key `pattern`. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  return matchFrom(words(pattern), 0, words(routingKey), 0, new Map());
}

function matchFrom(p: string[], i: number, k: string[], j: number, memo: Map<number, boolean>): boolean {
  const id = i * (k.length + 1) + j;
  const known = memo.get(id);
  if (known !== undefined) return known;
  let result: boolean;
  if (i === p.length) result = j === k.length;
  else if (p[i] === '#') result = matchFrom(p, i + 1, k, j, memo) || (j < k.length && matchFrom(p, i, k, j + 1, memo));
  else result = j < k.length && (p[i] === '*' || p[i] === k[j]) && matchFrom(p, i + 1, k, j + 1, memo);
  memo.set(id, result);
  return result;
}
