/**
 * The channel's consumers by tag. A Map, with the consumer that the last delivery went to
 * remembered: deliveries come in runs for one consumer, and a tag decoded afresh from each frame is
 * a new string whose hash the Map would compute every time (a compare with the remembered tag costs
 * less). Every change to the table forgets the remembered one.
 */
export class ConsumerTable<V> extends Map<string, V> {
  // plain fields, not #private: Map's constructor may call set() before #fields exist
  private lastTag: string | undefined = undefined;
  private lastConsumer: V | undefined = undefined;

  /** The consumer of `tag`, as get() would answer. */
  lookup(tag: string): V | undefined {
    if (tag === this.lastTag) return this.lastConsumer;
    const consumer = super.get(tag);
    if (consumer !== undefined) {
      this.lastTag = tag;
      this.lastConsumer = consumer;
    }
    return consumer;
  }

  override set(tag: string, consumer: V): this {
    this.forget();
    return super.set(tag, consumer);
  }

  override delete(tag: string): boolean {
    this.forget();
    return super.delete(tag);
  }

  override clear(): void {
    this.forget();
    super.clear();
  }

  private forget(): void {
    this.lastTag = undefined;
    this.lastConsumer = undefined;
  }
}
