import type { Deserializer, Serializer } from '@nestjs/microservices';
import type { FieldTable } from '../../protocol/index.js';
import type { AmqpConnectionOptions } from '../interfaces/connection-options.interface.js';

/** Options of a queue the client declares before its first message (as Nest's ClientRMQ asserts it). */
export interface AmqpClientQueueOptions {
  durable?: boolean;
  exclusive?: boolean;
  autoDelete?: boolean;
  arguments?: FieldTable;
}

/** Options of {@link ClientAMQP}, as given to `ClientsModule.register([{ name, customClass: ClientAMQP, options }])`. */
export interface AmqpClientOptions extends AmqpConnectionOptions {
  /**
   * The server's queue: requests and events go there through the default exchange. Set it (Nest's
   * RMQ default '' names no queue; a request to it is returned by the broker as unroutable).
   * @default ''
   */
  queue?: string;
  /** How `queue` is declared when the client asserts it. @default { durable: true } */
  queueOptions?: AmqpClientQueueOptions;
  /** Do not declare `queue` (it belongs to the server, or the user has no configure permission). @default false */
  noAssert?: boolean;
  /**
   * Publish to this exchange instead of the queue; the routing key is `routingKey`, or the pattern
   * as a string. A message can still choose its own with an AmqpRecord.
   */
  exchange?: string;
  /** Routing key used with `exchange`. @default the message's pattern */
  routingKey?: string;
  /** Where replies come back. @default 'amq.rabbitmq.reply-to' (direct reply-to, no queue to declare) */
  replyQueue?: string;
  /** Milliseconds to wait for a reply (and between streamed replies) before failing the call. @default 30000 */
  timeout?: number;
  /** Messages survive a broker restart (delivery mode 2). @default false, as Nest's RMQ transport */
  persistent?: boolean;
  /** Headers added to every message (a message's own headers win). */
  headers?: FieldTable;
  /** Nest serializer of outgoing packets. @default AmqpRecordSerializer */
  serializer?: Serializer;
  /** Nest deserializer of replies. @default Nest's IncomingResponseDeserializer */
  deserializer?: Deserializer;
}

/** Nest's RMQ default (RMQ_DEFAULT_QUEUE). */
export const DEFAULT_CLIENT_QUEUE = '';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
