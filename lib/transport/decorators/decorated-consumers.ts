import type { LoggerService } from '@nestjs/common';
import type { QueueConsumerMetadata } from './queue-consumer.metadata.js';

/**
 * Every `@QueueConsumer` method of the process (pattern -> `Class.method`), and whether an AmqpModule
 * (its explorer, which runs providers' consumers) was created. Nest only hands controllers' handlers
 * to a server: without this, a consumer on a provider in an app without AmqpModule would be ignored
 * without a word.
 */
const decorated = new Map<string, string>();
let explorerCreated = false;

/** @internal Called by the decorator. */
export function recordDecoratedConsumer(metadata: QueueConsumerMetadata): void {
  decorated.set(metadata.pattern, metadata.pattern.slice(metadata.pattern.lastIndexOf(':') + 1));
}

/** @internal Called when an AmqpModule's explorer is created (at app creation, before any server listens). */
export function noteConsumerExplorer(): void {
  explorerCreated = true;
}

/**
 * @internal Called by ServerAMQP at listen with the patterns it serves: warns, once per method, about
 * decorated methods no server serves while no AmqpModule could run them (a provider's consumer in an
 * app without AmqpModule). A warning, not an error: the class may belong to another app of the process.
 */
export function warnAboutUnrunConsumers(served: ReadonlySet<string>, logger: LoggerService): void {
  if (explorerCreated) return;
  for (const [pattern, name] of decorated) {
    if (served.has(pattern)) continue;
    decorated.delete(pattern);
    logger.warn?.(
      `${name} has @QueueConsumer but is not a controller of this app: nothing consumes for it. ` +
        "A provider's consumers run when the app imports AmqpModule.forRoot/forRootAsync",
    );
  }
}
