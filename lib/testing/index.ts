/**
 * `nestjs-amqp-transport/testing`: test an app's consumers, publishers and RPCs without a broker, on
 * an in-memory broker with RabbitMQ's semantics (checked against the real one by a conformance
 * suite), and give real-broker integration tests a vhost of their own.
 */
export { InMemoryBroker, type InMemoryBrokerOptions, type WaitOptions, type DeadLetteredFilter } from './in-memory-broker.js';
export type { PublishedMessage, PublishedFilter, PublishOutcome, DeadLetteredMessage } from './broker/journal.js';
export type { DeathReason } from './broker/memory-queue.js';
export type { QueueView, QueuedMessageView } from './queue-view.js';
export type { FaultAction, FaultMatch, FaultFacts, FaultPoint } from './server/fault-plan.js';
export type { BrokerTuning } from './server/broker-core.js';
export { ManualClock, timersClock, type BrokerClock, type CancelBrokerTimer } from './clock.js';
export { NotModelledError, TestKitTimeoutError, VhostHelperError } from './errors.js';
export { topicMatches } from './broker/topic-match.js';
export { headersMatch } from './broker/headers-match.js';
export { createTestVhost, useTestVhost, type TestVhost, type TestVhostHandle, type TestVhostOptions } from './vhost/test-vhost.js';
