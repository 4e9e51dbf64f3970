import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';

/**
 * A monotonic count per attribute set, kept in the process and reported when the SDK collects (an
 * ObservableCounter): the hot path adds to a number in a map instead of handing the SDK a fresh
 * attributes object to hash on every message. The sums exported are the same as a Counter's.
 * The keys (queue or destination names, reply-to collapsed) are few, as metric attributes must be.
 * @internal
 */
export class MetricTally {
  private readonly counts = new Map<string, { readonly attributes: Attributes; value: number }>();

  constructor(
    meter: Meter,
    name: string,
    description: string,
    /** The attributes of a key, made once per key. */
    private readonly attributesOf: (key: string) => Attributes,
    unit = '{message}',
  ) {
    meter.createObservableCounter(name, { description, unit }).addCallback((result) => this.observe(result));
  }

  add(key: string, count = 1): void {
    const entry = this.counts.get(key);
    if (entry !== undefined) entry.value += count;
    else this.counts.set(key, { attributes: this.attributesOf(key), value: count });
  }

  private observe(result: ObservableResult): void {
    for (const { attributes, value } of this.counts.values()) result.observe(value, attributes);
  }
}
