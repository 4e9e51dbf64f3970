/**
 * A string that is equal for equal field tables whatever their key order, so bindings with
 * arguments can be recorded and forgotten by value.
 */
export function stableKey(value: unknown): string {
  if (value === undefined) return 'u';
  if (value === null) return 'n';
  if (typeof value === 'bigint') return `b${value.toString()}`;
  if (typeof value === 'number') return `d${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (Buffer.isBuffer(value)) return `x${value.toString('hex')}`;
  if (value instanceof Date) return `T${value.getTime()}`;
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableKey(v)}`).join(',')}}`;
  }
  return `?${String(value)}`;
}
