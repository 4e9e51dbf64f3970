import type { AmqpMessageOptions } from '../options/message-options.js';

/** Per-message options of a ClientAMQP record: where it goes, its AMQP properties, its RPC timeout. */
export interface AmqpRecordOptions extends AmqpMessageOptions {
  /** Exchange for this message (with `routingKey`); the client's queue through the default exchange otherwise. */
  exchange?: string;
  /** Routing key for this message. @default the pattern as a string when `exchange` is set */
  routingKey?: string;
  /** Milliseconds to wait for this request's reply. @default the client's `timeout` */
  timeout?: number;
}

/** A payload with per-message options, passed as the data of `client.send()` / `client.emit()`. */
export class AmqpRecord<TData = unknown> {
  constructor(
    readonly data: TData,
    readonly options?: AmqpRecordOptions,
  ) {}
}

/**
 * Builds an {@link AmqpRecord}, as Nest's RmqRecordBuilder builds an RmqRecord:
 * `client.send('sum', new AmqpRecordBuilder([1, 2]).setOptions({ priority: 5, headers: { tenant: 'a' } }).build())`.
 */
export class AmqpRecordBuilder<TData = unknown> {
  private options?: AmqpRecordOptions;

  constructor(private data?: TData) {}

  /** Replaces the options. */
  setOptions(options: AmqpRecordOptions): this {
    this.options = options;
    return this;
  }

  /** Replaces the payload. */
  setData(data: TData): this {
    this.data = data;
    return this;
  }

  build(): AmqpRecord<TData | undefined> {
    return new AmqpRecord(this.data, this.options);
  }
}
