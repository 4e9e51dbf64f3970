import { InvalidArgumentError } from '../../protocol/errors.js';

/**
 * A consumer names a configuration entry that is missing or wrong (`@QueueConsumer({ config })`):
 * raised at start-up, before anything is declared, naming the entry and the consumer.
 */
export class ConsumerConfigError extends InvalidArgumentError {
  /** The configuration entry at fault. */
  readonly configName: string;
  /** The consumer that names it (`Class.method`, or the name given at run time). */
  readonly consumer: string;
  constructor(configName: string, consumer: string, message: string) {
    super(`consumers.${configName}`, `${message} (named by ${consumer})`);
    (this as { code: string }).code = 'ERR_AMQP_CONSUMER_CONFIG';
    this.configName = configName;
    this.consumer = consumer;
  }
}

/** The consumer registry was asked about a consumer name it does not know. */
export class UnknownConsumerError extends InvalidArgumentError {
  readonly consumer: string;
  constructor(consumer: string, known: readonly string[]) {
    super('name', `no consumer named "${consumer}" (known: ${known.length === 0 ? 'none' : known.join(', ')})`);
    (this as { code: string }).code = 'ERR_AMQP_UNKNOWN_CONSUMER';
    this.consumer = consumer;
  }
}

/** A consumer or an injection names an AmqpModule connection (`forRoot({ name })`) the app does not have. */
export class UnknownConnectionError extends InvalidArgumentError {
  readonly connection: string;
  constructor(connection: string, known: readonly string[], usedBy: string) {
    super(
      'connection',
      `${usedBy} names AmqpModule connection "${connection}", which the app does not register ` +
        `(registered: ${known.length === 0 ? 'none' : known.map((name) => `"${name}"`).join(', ')})`,
    );
    (this as { code: string }).code = 'ERR_AMQP_UNKNOWN_CONNECTION';
    this.connection = connection;
  }
}
