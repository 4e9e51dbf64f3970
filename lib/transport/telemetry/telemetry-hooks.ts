import type { BasicProperties } from '../../protocol/index.js';
import type { AmqpMessage } from '../core/amqp.context.js';

/**
 * How a delivery left the server (metrics), one count each: handled and acked; republished for a
 * retry; back to its queue (nack with requeue, or a counted requeue copy); into a dead-letter target
 * (a confirmed copy in a dead-letter queue, or a nack to the queue's DLX); dropped (acked or nacked
 * with nowhere to go). @internal
 */
export type SettleOutcome = 'acked' | 'retried' | 'requeued' | 'dead-lettered' | 'dropped';

/** One traced publish: the properties to send (trace headers added when a propagator wrote any), then its end. @internal */
export interface PublishTrace {
  readonly properties: BasicProperties;
  /** The broker confirmed (or the publish was written); `error` when it failed. */
  end(error?: unknown): void;
}

/** One traced request/reply call (ClientAMQP.send, AmqpPublisher.request): its span covers the replies. @internal */
export interface RpcTrace {
  readonly properties: BasicProperties;
  /** The call is over; `error` when it failed (timeout, returned, connection lost ...). */
  end(error?: unknown): void;
}

/**
 * The hooks the Nest layer calls on its hot paths when telemetry is available (`telemetry` is
 * undefined otherwise, so each call site costs one check). No OpenTelemetry type appears here: the
 * implementation is the only file that speaks it.
 * @internal
 */
export interface TelemetryHooks {
  /**
   * False while nothing of an SDK is registered (tracer provider, propagator, meter provider; read at
   * start-up, as `refresh`): the hot paths then skip every hook, so the API installed alone costs nothing.
   */
  readonly active: boolean;
  /** Re-reads the global meter provider (an SDK registered after this module loaded). Called at start-up of servers, clients, publishers. */
  refresh(): void;
  /** A producer span for a publish; its context travels in a copy of the message's headers. */
  publish(exchange: string, routingKey: string, properties: BasicProperties, bodySize: number): PublishTrace;
  /**
   * A reply of the current delivery: no span of its own (the delivery's `process` span, kind server,
   * covers it, as an RPC server span covers its response); that span's context goes in a copy of the
   * reply's headers when a propagator is registered, so a caller instrumented elsewhere links to it.
   * `properties` are the caller's own, made for this reply: the trace headers are set on them.
   */
  reply(properties: BasicProperties): BasicProperties;
  /** The reply of the current delivery could not be written: recorded on its span. */
  replyFailed(error: unknown): void;
  /**
   * A client span for a request; its context travels in a copy of the request's headers.
   * `properties` are the caller's own (made for this request): the trace headers are set on them.
   */
  request(label: string, exchange: string, routingKey: string, properties: BasicProperties, bodySize: number): RpcTrace;
  /** Runs `handle` inside the span of one delivery (its parent: the producer's context read from the headers). */
  consume(queue: string, message: AmqpMessage, handle: () => Promise<void>): Promise<void>;
  /** The handler of the current delivery failed: recorded on its span. */
  handlerFailed(error: unknown): void;
  /** The Nest pattern the current delivery was routed to. */
  routed(pattern: string): void;
  /** A delivery was settled. */
  settled(queue: string, outcome: SettleOutcome): void;
}
