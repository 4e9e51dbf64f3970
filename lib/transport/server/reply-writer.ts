import type { LoggerService } from '@nestjs/common';
import type { MessageHandler, ReadPacket, WritePacket } from '@nestjs/microservices';
import { isObservable, type Observable } from 'rxjs';
import { StaleDeliveryError } from '../../protocol/errors.js';
import type { BasicProperties } from '../../protocol/index.js';
import type { AmqpContext, AmqpMessage } from '../core/amqp.context.js';
import type { AmqpChannel } from '../connection/connection-host.js';
import { JSON_CONTENT_TYPE } from '../publish/serialization.js';
import { encodeEnvelope } from '../publish/nest-envelope.js';
import { isPublishWritten } from '../../protocol/channel/publish-written.js';
import type { Delivery } from '../consume/delivery.js';
import { describeError, describeMessage } from '../consume/message-identity.js';
import { publishReply } from '../publish/traced-reply.js';
import { ReplyStream } from './reply-stream.js';

/** An incoming packet as a Nest deserializer returns it: an event, or a request when it has an id. */
export type IncomingPacket = ReadPacket & { id?: string };

/** One request being answered: what its reply and its ack need. */
export interface PendingRequest {
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
  resolve: () => void;
}

/** A reply ready for the wire: the packet to send and its per-reply AMQP properties. */
export interface SerializedReply {
  packet: unknown;
  properties: BasicProperties;
}

/** What the reply writer borrows from the server. */
export interface ReplyWriterHost {
  /** The server's serializer applied to a reply: the packet to send and its per-reply AMQP properties. */
  serializeReply(packet: WritePacket): SerializedReply | Promise<SerializedReply>;
  logger: LoggerService;
}

/** How a delivery is settled by {@link settleDelivery}. */
export type Settlement = 'ack' | 'nack';

/**
 * Writes the replies of requests to their `replyTo` with their `correlationId`, and acks a request
 * once its last reply is written (at most once; not in noAck mode). A reply that cannot be written is
 * logged and answered with an error reply, so the caller hears of it at once rather than at its timeout.
 */
export class ReplyWriter {
  constructor(private readonly host: ReplyWriterHost) {}

  /** Writes one reply of a request (Nest's `respond`); the last one (`isDisposed`) acks the request. */
  async respond(request: PendingRequest, reply: WritePacket): Promise<void> {
    // Nest calls this from a process.nextTick; the engine flushes its writes on the next tick, which
    // runs before the promise jobs that follow the publish. Publishing from a promise job instead puts
    // the reply and its ack (written once the publish settles) in the same socket write.
    await undefined;
    try {
      const serialized = this.host.serializeReply(reply);
      const { packet, properties } = serialized instanceof Promise ? await serialized : serialized;
      await this.publish(request.channel, request.replyTo, request.correlationId, packet, properties);
    } catch (error) {
      await this.failed(request, error);
    } finally {
      if (reply.isDisposed === true) this.answered(request);
    }
  }

  /**
   * Answers a request with what its handler returned, in one async step (Nest's handlers return a
   * promise): a value, or an error, is one disposed reply, written once it is there (what Nest's
   * `send` writes for it, without its queue and ticks); an observable's values are followed by a
   * {@link ReplyStream}. Resolves once the last reply is written and the request acked.
   */
  async answer(request: PendingRequest, result: unknown): Promise<void> {
    let reply: WritePacket;
    if (result instanceof Promise) {
      try {
        const value: unknown = await result;
        if (isObservable(value)) return await this.follow(request, value);
        reply = { response: value, isDisposed: true };
      } catch (err) {
        reply = { err, isDisposed: true };
      }
    } else {
      if (isObservable(result)) return await this.follow(request, result);
      reply = { response: result, isDisposed: true };
      await undefined; // from a promise job: see respond
    }
    try {
      const serialized = this.host.serializeReply(reply);
      const { packet, properties } = serialized instanceof Promise ? await serialized : serialized;
      const published = this.publish(request.channel, request.replyTo, request.correlationId, packet, properties);
      // Written at once (most replies): ack in this same job, so both leave in one socket write.
      if (!isPublishWritten(published)) await published;
    } catch (error) {
      await this.failed(request, error);
    } finally {
      this.answered(request);
    }
  }

  /** The replies of a handler that returned an observable, as Nest's `send` writes them. */
  private follow(request: PendingRequest, stream: Observable<unknown>): Promise<void> {
    return new Promise<void>((resolve) => {
      request.resolve = resolve;
      new ReplyStream((reply) => this.respond(request, reply), this.host.logger).take(stream);
    });
  }

  /** A reply could not be written: named here (Nest would log the bare error), and the caller told at once rather than at its timeout. */
  private async failed(request: PendingRequest, error: unknown): Promise<void> {
    const { channel, replyTo, correlationId, message, queue } = request;
    const text = `could not be sent: ${describeError(error)}`;
    this.host.logger.error(`the reply to ${describeMessage(message, queue)} ${text}`);
    if (channel.isOpen) {
      await this.publish(channel, replyTo, correlationId, { err: `the reply ${text}`, isDisposed: true }, {}).catch(() => undefined);
    }
  }

  /** The last reply is written: the request is answered, ack it (at most once; not in noAck mode). */
  private answered(request: PendingRequest): void {
    const { delivery, message, queue } = request;
    if (!delivery.settled) settleDelivery(this.host.logger, delivery, message, queue, 'ack');
    request.resolve();
  }

  publish(channel: AmqpChannel, replyTo: string, correlationId: string | undefined, packet: unknown, properties: BasicProperties): Promise<void> {
    // The reply's own properties win over the content type; the request's correlationId over both.
    const replyProperties: BasicProperties = hasAny(properties)
      ? { contentType: JSON_CONTENT_TYPE, ...properties }
      : { contentType: JSON_CONTENT_TYPE, correlationId };
    if (correlationId !== undefined) replyProperties.correlationId = correlationId;
    return publishReply(channel, replyTo, encodeEnvelope(packet), replyProperties);
  }
}

/** Acks or nacks (without requeue) a delivery; a failure to do so is logged, never thrown. */
export function settleDelivery(logger: LoggerService, delivery: Delivery, message: AmqpMessage, queue: string, how: Settlement): void {
  try {
    if (how === 'ack') delivery.ack();
    else delivery.nack(false);
  } catch (error) {
    const text = `${describeMessage(message, queue)}: ${describeError(error)}`;
    if (error instanceof StaleDeliveryError) logger.warn?.(text);
    else logger.error(text);
  }
}

function hasAny(properties: BasicProperties): boolean {
  for (const key in properties) if (Object.hasOwn(properties, key)) return true;
  return false;
}
