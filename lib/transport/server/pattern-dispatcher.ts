import type { LoggerService } from '@nestjs/common';
import type { MessageHandler, ReadPacket, WritePacket } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';
import { StaleDeliveryError } from '../../protocol/errors.js';
import type { BasicProperties } from '../../protocol/index.js';
import { AmqpContext, type AmqpMessage } from '../core/amqp.context.js';
import type { AmqpChannel } from '../connection/connection-host.js';
import { JSON_CONTENT_TYPE, decodeBody } from '../publish/serialization.js';
import { fullProperties } from '../core/full-properties.js';
import { encodeEnvelope, noHandlerReply, patternToString } from '../publish/nest-envelope.js';
import type { ConsumerPipeline } from '../consume/consumer-pipeline.js';
import type { Delivery } from '../consume/delivery.js';
import type { HandlerRunner } from '../consume/handler-invoker.js';
import { describeError, describeMessage, loggedByNest } from '../consume/message-identity.js';
import { logValue } from '../logging/log-text.js';
import { reasonKind, RepeatedLines } from '../logging/repeated-lines.js';
import { originalErrorOf } from '../decorators/handler-error-capture.js';
import { telemetry } from '../telemetry/telemetry.js';
import { isNestEnvelope } from '../compat/index.js';
import { ReplyStream } from './reply-stream.js';

/** An incoming packet as a Nest deserializer returns it: an event, or a request when it has an id. */
type IncomingPacket = ReadPacket & { id?: string };

/** One request being answered: what its reply and its ack need. */
interface PendingRequest {
  readonly handler: MessageHandler;
  readonly packet: IncomingPacket;
  readonly context: AmqpContext;
  readonly message: AmqpMessage;
  readonly delivery: Delivery;
  readonly channel: AmqpChannel;
  readonly queue: string;
  readonly replyTo: string;
  readonly correlationId: string | undefined;
  /** Nest asked for the handler's result: a start hook failing after that means no drop. */
  produced: boolean;
  /** Settles the dispatch once the last reply is written (or the request dropped). */
  readonly resolve: () => void;
}

/** A reply ready for the wire: the packet to send and its per-reply AMQP properties. */
export interface SerializedReply {
  packet: unknown;
  properties: BasicProperties;
}

/** What the pattern dispatcher borrows from its server (Nest's protected machinery, bound). */
export interface PatternDispatcherHost {
  getHandlerByPattern(pattern: string): MessageHandler | null;
  /** A synchronous deserializer's packet comes back as is (no promise): most of them are synchronous. */
  deserialize(value: unknown, options: Record<string, unknown>): IncomingPacket | Promise<IncomingPacket>;
  /** The server's serializer applied to a reply: the packet to send and its per-reply AMQP properties. */
  serializeReply(packet: WritePacket): SerializedReply | Promise<SerializedReply>;
  /** Nest's request handling: processing hooks, stream replies, the final `isDisposed`. May return a promise (the hooks'). */
  handleRequest(context: AmqpContext, produce: () => Promise<Observable<unknown>>, respond: (packet: WritePacket) => Promise<void>): unknown;
  transformToObservable(value: unknown): Observable<unknown>;
  /** True while the server's processing hooks and `send` are Nest's own, unchanged: a request may be answered without them. */
  plainPlumbing?(): boolean;
  /** True while the deserializer is the default one, which returns Nest's envelope as it came (so no options are built for it). */
  defaultDeserializer?(): boolean;
  run: HandlerRunner;
  logger: LoggerService;
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

  constructor(
    private readonly host: PatternDispatcherHost,
    private readonly options: PatternDispatcherOptions = {},
  ) {}

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
      if (!delivery.settled) this.settle(delivery, message, queue, () => delivery.ack());
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
    return new Promise<void>((resolve) => {
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
        resolve,
      };
      if (this.host.plainPlumbing?.() === true) {
        this.answer(request);
        return;
      }
      try {
        const started = this.host.handleRequest(
          context,
          () => this.produce(request),
          (reply) => this.respond(request, reply),
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
      await this.publish(channel, replyTo, correlationId, noHandlerReply(id), {});
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
  private answer(request: PendingRequest): void {
    request.produced = true;
    const replies = new ReplyStream((reply) => this.respond(request, reply), this.host.logger);
    let result: unknown;
    try {
      result = request.handler(request.packet.data, request.context);
    } catch (error) {
      replies.error(error);
      return;
    }
    if (result instanceof Promise) result.then((value: unknown) => replies.take(value), (error: unknown) => replies.error(error));
    else replies.take(result);
  }

  private async produce(request: PendingRequest): Promise<Observable<unknown>> {
    request.produced = true;
    try {
      return this.host.transformToObservable(await request.handler(request.packet.data, request.context));
    } catch (error) {
      return throwError(() => error);
    }
  }

  private async respond(request: PendingRequest, reply: WritePacket): Promise<void> {
    const { channel, replyTo, correlationId, message, delivery, queue } = request;
    // Nest calls this from a process.nextTick; the engine flushes its writes on the next tick, which
    // runs before the promise jobs that follow the publish. Publishing from a promise job instead puts
    // the reply and its ack (written once the publish settles) in the same socket write.
    await undefined;
    try {
      const serialized = this.host.serializeReply(reply);
      const { packet: outgoing, properties } = serialized instanceof Promise ? await serialized : serialized;
      await this.publish(channel, replyTo, correlationId, outgoing, properties);
    } catch (error) {
      // Named here (Nest would log the bare error), and the caller told at once rather than at its timeout.
      const text = `could not be sent: ${describeError(error)}`;
      this.host.logger.error(`the reply to ${describeMessage(message, queue)} ${text}`);
      if (channel.isOpen) {
        await this.publish(channel, replyTo, correlationId, { err: `the reply ${text}`, isDisposed: true }, {}).catch(() => undefined);
      }
    } finally {
      // The last reply is written: the request is answered, ack it (at most once; not in noAck mode).
      if (reply.isDisposed === true) {
        if (!delivery.settled) this.settle(delivery, message, queue, () => delivery.ack());
        request.resolve();
      }
    }
  }

  private publish(
    channel: AmqpChannel,
    replyTo: string,
    correlationId: string | undefined,
    packet: unknown,
    properties: BasicProperties,
  ): Promise<void> {
    // The reply's own properties win over the content type; the request's correlationId over both.
    const replyProperties: BasicProperties = hasAny(properties)
      ? { contentType: JSON_CONTENT_TYPE, ...properties }
      : { contentType: JSON_CONTENT_TYPE };
    if (correlationId !== undefined) replyProperties.correlationId = correlationId;
    const body = encodeEnvelope(packet);
    if (telemetry === undefined || !telemetry.active) return channel.basicPublish('', replyTo, body, replyProperties);
    const trace = telemetry.publish('reply', '', replyTo, replyProperties, body.length);
    return channel.basicPublish('', replyTo, body, trace.properties).then(
      () => trace.end(),
      (error: unknown) => {
        trace.end(error);
        throw error;
      },
    );
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
    if (!delivery.autoAcked && !delivery.settled) this.settle(delivery, message, queue, () => delivery.nack(false));
    return DONE;
  }

  private settle(delivery: Delivery, message: AmqpMessage, queue: string, settle: () => void): void {
    try {
      settle();
    } catch (error) {
      const text = `${describeMessage(message, queue)}: ${describeError(error)}`;
      if (error instanceof StaleDeliveryError) this.host.logger.warn?.(text);
      else this.host.logger.error(text);
    }
  }
}

const DONE: Promise<void> = Promise.resolve();

function hasAny(properties: BasicProperties): boolean {
  for (const key in properties) if (Object.hasOwn(properties, key)) return true;
  return false;
}
