/**
 * The Nest layer: ServerAMQP and @QueueConsumer (consuming), ClientAMQP (Nest ClientProxy),
 * AmqpModule + AmqpPublisher (publishing from providers), AmqpContext, events, health.
 */
// server side
export { ServerAMQP, type ServerAMQPHealth } from './server/server-amqp.js';
export type { ServerAMQPOptions, ServerAMQPQueueOptions } from './options/server-amqp.options.js';
export { AMQP_TRANSPORT } from './core/amqp-transport.js';
export { AmqpReplySerializer } from './server/amqp-reply.serializer.js';
export { AmqpRequestDeserializer } from './compat/incoming-request.deserializer.js';
export { QueueConsumer } from './decorators/queue-consumer.decorator.js';
export type {
  AckMode,
  QueueConsumerBinding,
  QueueConsumerExchange,
  QueueConsumerOptions,
  RetryOptions,
} from './options/queue-consumer.options.js';
export {
  AmqpContext,
  type AmqpChannelRef,
  type AmqpMessage,
  type AmqplibSettleMethods,
} from './core/amqp.context.js';
// consumer pipeline: replies, failure policies, batches, streams
export { AmqpBatchContext } from './core/amqp-batch.context.js';
export type {
  BatchOptions,
  ConsumerErrorAction,
  ConsumerErrorHandler,
  ConsumerErrorPolicy,
  QueueMismatchPolicy,
  StreamOffset,
  StreamOptions,
} from './options/consumer-pipeline.options.js';
export type { ConsumerErrorReply } from './consume/reply/consumer-reply.js';
export {
  DELIVERY_COUNT_HEADER,
  DROPPED_PROPERTIES_HEADER,
  EXCEPTION_CLASS_HEADER,
  EXCEPTION_MESSAGE_HEADER,
  EXCEPTION_STACK_HEADER,
  FAILED_CONSUMER_HEADER,
  FAILED_QUEUE_HEADER,
  FAILURE_ATTEMPTS_HEADER,
  FAILURE_REASON_HEADER,
  FIRST_FAILURE_QUEUE_HEADER,
  FIRST_FAILURE_TIME_HEADER,
  ORIGINAL_BCC_HEADER,
  ORIGINAL_CC_HEADER,
  ORIGINAL_EXPIRATION_HEADER,
  ORIGINAL_USER_ID_HEADER,
  REDELIVERY_COUNT_HEADER,
  REPLY_STATUS_HEADER,
  RETRY_COUNT_HEADER,
  STREAM_OFFSET_HEADER,
} from './core/message-headers.js';
export { ErrorReplyError } from './core/error-reply.error.js';
export { AmqpEvent, type AmqpEventName, type AmqpEventsMap } from './core/amqp.events.js';
export {
  AmqpHealthIndicator,
  type AmqpConnectionHealth,
  type AmqpHealthCheckOptions,
  type AmqpHealthDetails,
  type AmqpHealthResult,
} from './health/amqp-health.indicator.js';
export { AmqpHealthModule } from './health/amqp-health.module.js';

// client side
export { ClientAMQP } from './client/client-amqp.js';
export type { AmqpClientOptions, AmqpClientQueueOptions } from './options/amqp-client.options.js';
export { AmqpRecord, AmqpRecordBuilder, type AmqpRecordOptions } from './client/amqp.record-builder.js';
export { AmqpRecordSerializer } from './client/amqp-record.serializer.js';
export {
  AmqpClientsModule,
  amqpClient,
  amqpClientAsync,
  type AmqpClientAsyncRegistration,
  type AmqpClientRegistration,
} from './client/amqp-clients.module.js';

// module and publisher
export { AmqpModule, AMQP_MODULE_OPTIONS } from './module/amqp.module.js';
export type {
  AmqpModuleAsyncOptions,
  AmqpModuleExtras,
  AmqpModuleOptionsFactory,
  AmqpModuleRootOptions,
} from './module/amqp.module-definition.js';
export { InjectAmqpPublisher, getAmqpModuleOptionsToken, getAmqpPublisherToken } from './module/amqp.tokens.js';
export { AmqpPublisher, type AmqpPublishOptions, type AmqpRequestOptions } from './module/amqp-publisher.js';
export type {
  AmqpBindingDefinition,
  AmqpExchangeDefinition,
  AmqpModuleOptions,
  AmqpPublisherSerializer,
  AmqpQueueDefinition,
  AmqpTopology,
} from './options/amqp-module.options.js';

// consumers from configuration, on providers, under run-time control
export type { AmqpConsumerConfig, AmqpConsumersConfig, QueueConsumerConfigRef } from './options/amqp-consumer.config.js';
export {
  AmqpConsumerRegistry,
  type AmqpConsumerDefinition,
  type AmqpConsumerHandler,
  type AmqpConsumerInfo,
  type AmqpConsumerSource,
} from './module/amqp-consumer.registry.js';
export type { ConsumerState as AmqpConsumerState } from './consume/consumer-runner.js';
export type { ConsumerHealingOptions } from './options/consumer-healing.options.js';
export { AmqpDeadLetters } from './module/amqp-dead-letters.js';
export type { DeadLetter, ReplayOptions, ReplayResult } from './module/amqp-dead-letters.js';
export { REPLAY_COUNT_HEADER, REPLAYED_AT_HEADER } from './core/message-headers.js';
export { ConsumerConfigError, UnknownConnectionError, UnknownConsumerError } from './core/consumer.errors.js';
export { DeadLetterReplayError } from './core/dead-letter.errors.js';

// shared
export type { AmqpConnectionOptions } from './options/connection-options.js';
// Transport.RMQ's option shapes (amqplib's and amqp-connection-manager's), accepted as they are
export type { AmqpUrl } from './options/amqp-url.js';
export type { AmqpQueueShortcuts } from './options/queue-options.js';
export type { AmqpSocketConnectionOptions, AmqpSocketOptions } from './options/socket-options.js';
export {
  AmqpConnectionHost,
  type AmqpChannel,
  type AmqpConnection,
  type AmqpStatus,
} from './connection/connection-host.js';
export type { AmqpMessageOptions } from './options/message-options.js';
export { NO_MESSAGE_HANDLER } from './publish/nest-envelope.js';
