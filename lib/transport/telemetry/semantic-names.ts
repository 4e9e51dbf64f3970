/**
 * OpenTelemetry messaging semantic-convention names used by the package's spans and metrics (as
 * strings: the conventions package is not a dependency). Kept in one place so docs and code agree.
 * @internal
 */
export const ATTR = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  routingKey: 'messaging.rabbitmq.destination.routing_key',
  deliveryTag: 'messaging.rabbitmq.message.delivery_tag',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  bodySize: 'messaging.message.body.size',
  consumerGroup: 'messaging.consumer.group.name',
  errorType: 'error.type',
  pattern: 'messaging.nestjs.pattern',
  rpcMethod: 'rpc.method',
  rpcSystem: 'rpc.system',
} as const;

/** The value of `messaging.system`. */
export const RABBITMQ = 'rabbitmq';

/** Metric names. */
export const METRIC = {
  published: 'messaging.client.sent.messages',
  confirmed: 'messaging.rabbitmq.publish.confirmed',
  nacked: 'messaging.rabbitmq.publish.nacked',
  returned: 'messaging.rabbitmq.publish.returned',
  consumed: 'messaging.client.consumed.messages',
  acked: 'messaging.rabbitmq.acked.messages',
  deadLettered: 'messaging.rabbitmq.dead_lettered.messages',
  requeued: 'messaging.rabbitmq.requeued.messages',
  retried: 'messaging.rabbitmq.retried.messages',
  dropped: 'messaging.rabbitmq.dropped.messages',
  processDuration: 'messaging.process.duration',
  rpcDuration: 'rpc.client.call.duration',
  recoveries: 'messaging.rabbitmq.connection.recoveries',
  blockedTime: 'messaging.rabbitmq.connection.blocked.time',
  outboundBytes: 'messaging.rabbitmq.connection.outbound.bytes',
} as const;

/** RabbitMQ's direct reply-to queues all collapse to this destination name (each one is unique). */
const REPLY_TO = 'amq.rabbitmq.reply-to';

/**
 * `messaging.destination.name` of a publish, as the RabbitMQ conventions write it:
 * `{exchange}:{routing key}`, the one of them that is set, or `amq.default` when both are empty.
 * A direct reply-to routing key (unique per client) is collapsed so metrics stay low-cardinality.
 */
export function publishDestination(exchange: string, routingKey: string): string {
  const key = routingKey.startsWith(REPLY_TO) ? REPLY_TO : shortName(routingKey);
  if (exchange !== '' && key !== '') return `${exchange}:${key}`;
  if (exchange !== '') return exchange;
  return key === '' ? 'amq.default' : key;
}

/** AMQP names are at most 255 bytes: a longer value (refused by the encoder anyway) is cut before it becomes an attribute. */
export function shortName(name: string): string {
  return name.length > 255 ? name.slice(0, 255) : name;
}
