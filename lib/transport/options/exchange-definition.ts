import type { FieldTable } from '../../protocol/index.js';

/** An exchange the Nest layer declares: at module start (AmqpModule) or before a consumer binds to it. */
export interface AmqpExchangeDefinition {
  name: string;
  /** 'direct', 'topic', 'fanout', 'headers' or a plugin's type. @default 'direct' */
  type?: string;
  /** @default true */
  durable?: boolean;
  /** @default false */
  autoDelete?: boolean;
  /** @default false */
  internal?: boolean;
  arguments?: FieldTable;
  /** Only check that it exists (passive declare); golevelup's `createExchangeIfNotExists: false`. @default false */
  passive?: boolean;
}
