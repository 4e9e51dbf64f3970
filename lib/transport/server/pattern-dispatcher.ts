import type { MessageHandler, WritePacket } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';
import { AmqpContext, type AmqpMessage } from '../core/amqp.context.js';
import type { AmqpChannel } from '../connection/connection-host.js';
import { decodeBody } from '../publish/serialization.js';
import { fullProperties } from '../core/full-properties.js';
import { noHandlerReply, patternToString } from '../publish/nest-envelope.js';
import type { ConsumerPipeline } from '../consume/consumer-pipeline.js';
import type { Delivery } from '../consume/delivery.js';
import type { HandlerRunner } from '../consume/handler-invoker.js';
import { describeError, describeMessage, loggedByNest } from '../consume/message-identity.js';
import { logValue } from '../logging/log-text.js';
import { reasonKind, RepeatedLines } from '../logging/repeated-lines.js';
import { originalErrorOf } from '../decorators/handler-error-capture.js';
import { telemetry } from '../telemetry/telemetry.js';
import { isNestEnvelope } from '../compat/index.js';
import { ReplyWriter, settleDelivery, type IncomingPacket, type PendingRequest, type ReplyWriterHost } from './reply-writer.js';

export type { SerializedReply } from './reply-writer.js';

/** What the pattern dispatcher borrows from its server (Nest's protected machinery, bound). */
export interface PatternDispatcherHost extends ReplyWriterHost {
  getHandlerByPattern(pattern: string): MessageHandler | null;
  /** A synchronous deserializer's packet comes back as is (no promise): most of them are synchronous. */
  deserialize(value: unknown, options: Record<string, unknown>): IncomingPacket | Promise<IncomingPacket>;
  /** Nest's request handling: processing hooks, stream replies, the final `isDisposed`. May return a promise (the hooks'). */
  handleRequest(context: AmqpContext, produce: () => Promise<Observable<unknown>>, respond: (packet: WritePacket) => Promise<void>): unknown;
  transformToObservable(value: unknown): Observable<unknown>;
  /** True while the server's processing hooks and `send` are Nest's own, unchanged: a request may be answered without them. */
  plainPlumbing?(): boolean;
  /** True while the deserializer is the default one, which returns Nest's envelope as it came (so no options are built for it). */
  defaultDeserializer?(): boolean;
  run: HandlerRunner;
}

/** Options of the default-queue dispatch. */
export interface PatternDispatcherOptions {
  /** Take the pattern of a message without Nest's envelope from this header instead of its routing key. */
  patternHeader?: string | undefined;
  /** Where dead-lettered messages go (the queue's DLX, else its dead-letter queue); a plain nack without. */
  failures?: ConsumerPipeline | undefined;
}

/**
 * Serves the server's default queue as Nest's RMQ transport does on the wire: `{pattern, data, id}`
 * requests answered to `replyTo` with `correlationId` (`{response | err, isDisposed}`, several for a
 * stream), `{pattern, data}` events, and the no-handler reply. A message without the envelope (from
 * another producer) is routed by its routing key (or `patternHeader`) with its decoded body as data.
 *
 * Acks: a request once its last reply is written, an event once its handler succeeded; a failed
 * event, or a message nobody handles, is nacked without requeue and logged.
 */
export class PatternDispatcher {
  private readonly repeated = new RepeatedLines();
  private readonly replies: ReplyWriter;

  constructor(
    private readonly host: PatternDispatcherHost,
    private readonly options: PatternDispatcherOptions = {},
  ) {
    this.replies = new ReplyWriter(host);
  }

  /** A {@link DeliveryHandler} for the default queue's runner. */
  readonly dispatch = (message: AmqpMessage, delivery: Delivery, channel: AmqpChannel, queue: string): Promise<void> => {
    const value = decodeBody(message.content, message.properties.contentType);
    // Nest's envelope through the default deserializer is the packet itself: no options to build.
    if (isNestEnvelope(value) && this.host.defaultDeserializer?.() === true) return this.route(value as IncomingPacket, message, delivery, channel, queue);
    let packet: IncomingPacket | Promise<IncomingPacket>;
    try {
      // Not `{ ...properties, channel }`: see fullProperties (a hidden class per message).
      const options: Record<string, unknown> = fullProperties(message.properties) as Record<string, unknown>;
      options['channel'] = this.fallbackPattern(message);
      packet = this.host.deserialize(value, options);
    } catch (error) {
      return this.drop(message, delivery, queue, `the deserializer failed: ${describeError(error)}`);
    }
    // Per message: no promise for a synchronous deserializer (Nest's own are).
    if (!(packet instanceof Promise)) return this.route(packet, message, delivery, channel, queue);
    return packet.then(
      (resolved) => this.route(resolved, message, delivery, channel, queue),
      (error: unknown) => this.drop(message, delivery, queue, `the deserializer failed: ${describeError(error)}`),
    );
  };

  private route(packet: IncomingPacket, message: AmqpMessage, delivery: Delivery, channel: AmqpChannel, queue: string): Promise<void> {
    const pattern = patternToString(packet.pattern);
    telemetry?.routed(pattern);
    const handler = this.host.getHandlerByPattern(pattern);
    const context = new AmqpContext(message, channel, pattern, delivery, packet.metadata);
    const id = packet.id ?? this.externalRequestId(message, handler);
    if (id === undefined) return this.event(pattern, packet, handler, context, message, delivery, queue);
    return this.request(id, pattern, packet, handler, context, message, delivery, channel, queue);
  }

  /** The pattern of a message without the envelope: the chosen header, else the routing key. */
  private fallbackPattern(message: AmqpMessage): string {
    const header = this.options.patternHeader;
    if (header !== undefined) {
      const value = message.properties.headers?.[header];
      if (typeof value === 'string' && value !== '') return value;
    }
    return message.fields.routingKey;
  }

  /** Another producer's request (no Nest id, but a replyTo for a message handler) is answered too. */
  private externalRequestId(message: AmqpMessage, handler: MessageHandler | null): string | undefined {
    const { replyTo, correlationId } = message.properties;
    if (handler === null || handler.isEventHandler === true || replyTo === undefined || replyTo === '') return undefined;
    return correlationId ?? '';
  }

  private async event(
    pattern: string,
    packet: IncomingPacket,
    handler: MessageHandler | null,
    context: AmqpContext,
    message: AmqpMessage,
    delivery: Delivery,
    queue: string,
  ): Promise<void> {
    if (handler === null) {
      await this.drop(message, delivery, queue, `no event handler for pattern ${logValue(pattern)}`);
      return;
    }
    const result = await this.host.run(handler, packet.data, context);
    if (result.ok) {
      // Already settled: noAck mode, or the handler acked through its context.
      if (!delivery.settled) settleDelivery(this.host.logger, delivery, message, queue, 'ack');
      return;
    }
    // Nest's exception filter has logged an unknown error with its stack: say the message's fate only.
    // The error the handler threw (kept by AmqpModule's capture), not what Nest's filter made of it.
    const error = originalErrorOf(context, result.error);
    await this.drop(message, delivery, queue, `event handler of ${logValue(pattern)} failed: ${describeError(error)}`, loggedByNest(result.error), error);
  }

  private request(
    id: string,
    pattern: string,
    packet: IncomingPacket,
    handler: MessageHandler | null,
    context: AmqpContext,
    message: AmqpMessage,
    delivery: Delivery,
    channel: AmqpChannel,
    queue: string,
  ): Promise<void> {
    const { replyTo, correlationId } = message.properties;
    if (replyTo === undefined || replyTo === '') {
      return this.drop(message, delivery, queue, `request ${logValue(pattern)} has no replyTo to answer`);
    }
    if (handler === null) return this.answerNoHandler(id, pattern, message, delivery, channel, queue, replyTo, correlationId);
    // One state object and methods rather than closures made per request: fewer allocations, and tsx
    // (which the benches run under) wraps every named closure in a defineProperty of its name.
    const request: PendingRequest = {
      handler,
      packet,
      context,
      message,
      delivery,
      channel,
      queue,
      replyTo,
      correlationId,
      produced: false,
      resolve: noop,
    };
    if (this.host.plainPlumbing?.() === true) return this.answer(request);
    return new Promise<void>((resolve) => {
      request.resolve = resolve;
      try {
        const started = this.host.handleRequest(
          context,
          () => this.produce(request),
          (reply) => this.replies.respond(request, reply),
        );
        if (started instanceof Promise) started.catch((error: unknown) => this.notRun(request, error));
      } catch (error) {
        this.notRun(request, error);
      }
    });
  }

  private async answerNoHandler(
    id: string,
    pattern: string,
    message: AmqpMessage,
    delivery: Delivery,
    channel: AmqpChannel,
    queue: string,
    replyTo: string,
    correlationId: string | undefined,
  ): Promise<void> {
    try {
      await this.replies.publish(channel, replyTo, correlationId, noHandlerReply(id), {});
    } catch (error) {
      this.host.logger.error(`the no-handler reply to ${describeMessage(message, queue)} failed: ${describeError(error)}`);
    }
    await this.drop(message, delivery, queue, `no message handler for pattern ${logValue(pattern)}`);
  }

  /** The processing start hook failed: before the handler ran no reply will come, so drop it (logged). */
  private notRun(request: PendingRequest, error: unknown): void {
    const { message, delivery, queue } = request;
    if (request.produced) {
      this.host.logger.error(`processing hook of ${describeMessage(message, queue)} failed: ${describeError(error)}`);
      return;
    }
    void this.drop(message, delivery, queue, `the processing start hook failed: ${describeError(error)}`).then(request.resolve);
  }

  /** Nest's plumbing would add nothing (see `runsPlainNestPlumbing`): the handler's result goes straight to its replies. */
  private answer(request: PendingRequest): Promise<void> {
    request.produced = true;
    let result: unknown;
    try {
      result = request.handler(request.packet.data, request.context);
    } catch (error) {
      return this.replies.respond(request, { err: error, isDisposed: true });
    }
    return this.replies.answer(request, result);
  }

  private async produce(request: PendingRequest): Promise<Observable<unknown>> {
    request.produced = true;
    try {
      return this.host.transformToObservable(await request.handler(request.packet.data, request.context));
    } catch (error) {
      return throwError(() => error);
    }
  }

  /**
   * Dead-letters a message nobody could handle: to the queue's DLX, else its dead-letter queue (see
   * FailureRouter), logging its identity and where it went. Without a pipeline: nacked without requeue.
   */
  private drop(message: AmqpMessage, delivery: Delivery, queue: string, reason: string, errorLogged = false, error?: unknown): Promise<void> {
    const failures = this.options.failures;
    if (failures !== undefined) {
      const details = { reason, error, consumer: failures.consumer };
      return failures.failures.apply('dead-letter', failures.target, message, delivery, queue, details, errorLogged);
    }
    const fate = delivery.autoAcked ? 'dropped (noAck)' : 'nacked without requeue';
    const line = `${describeMessage(message, queue)} ${fate}: ${reason}`;
    // A producer can send any number of such messages: one kind's lines are rate-limited with a count.
    const write = errorLogged ? (text: string) => this.host.logger.warn?.(text) : (text: string) => this.host.logger.error(text);
    this.repeated.say(`${queue}|${String(errorLogged)}|${reasonKind(reason)}`, line, write);
    if (!delivery.autoAcked && !delivery.settled) settleDelivery(this.host.logger, delivery, message, queue, 'nack');
    return DONE;
  }
}

const DONE: Promise<void> = Promise.resolve();

function noop(): void {}
