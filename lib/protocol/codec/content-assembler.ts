/**
 * Per-channel content assembly and event delivery, behind the frame parser: a content-carrying
 * method, then its header, then body frames until the announced size. Any other order on a channel
 * is 505 UNEXPECTED_FRAME; a header announcing more than `maxBodySize` is refused with
 * {@link BodyTooLargeError} before any body byte is buffered. The handler's `admitContent` is asked
 * at the content-carrying method, before anything is kept: content for a channel that is not open
 * fails the stream there, and content nobody will take (a closing connection) streams past
 * unstored. A body buffer is sized from the announced size only while the bytes reserved and not
 * yet arrived, over all channels, stay within {@link BODY_RESERVE_BUDGET} (one allocation, one
 * copy: the common case); past it, a buffer holds what arrived (the rest of the current chunk
 * included) and doubles as more arrives, so a peer announcing 64 MiB and sending 1 KiB on each of
 * 60 channels costs about 16 MiB + 60 x 4 KiB, not 3,840 MiB. When the handler takes
 * `onOversizeContent`, that refusal is not fatal: the body is counted off as it streams past, never
 * stored, and the method and properties are reported once it has passed, so one oversize message
 * cannot take the connection (and every consumer on it) down again on each redelivery.
 *
 * Violations are thrown as FrameError with offsets relative to the buffer given; the parser turns
 * them into stream offsets and reports them. Handler exceptions are caught and kept so the parser
 * can finish its chunk (the stream stays in step) and rethrow the first one afterwards.
 * Not part of the public API (a file-level `@internal` would make stripInternal drop the first import).
 */
import { BodyTooLargeError, FrameError } from '../errors.js';
import type { FrameHandler } from './frame-handler.js';
import { cursor, readU16, readU32 } from './primitives.js';
import { decodeProperties } from './properties.js';
import type { BasicProperties } from './properties.js';
import { decodeMethod, METHOD_INFO } from './spec.generated.js';
import type { AnyMethod } from './spec.generated.js';

/** Content state of one channel; one object per channel, reused for every message. @internal */
export interface ChannelContent {
  /** 0 idle, 1 method seen (header expected), 2 header seen (body expected). */
  state: number;
  method: AnyMethod | undefined;
  properties: BasicProperties | undefined;
  bodySize: number;
  received: number;
  /** Allocated only when the body does not arrive as one frame in one chunk. */
  body: Buffer | undefined;
  /** Set while an oversize body streams past unstored (only with `onOversizeContent`). */
  skipped: BodyTooLargeError | undefined;
  /** The handler declined this content (admitContent false): it streams past unstored and unreported. */
  discard: boolean;
}

const IDLE = 0;
const WANT_HEADER = 1;
const WANT_BODY = 2;
const EMPTY = Buffer.alloc(0);
/** The smallest body buffer allocated for a body that arrives in pieces (never more than the body). */
const MIN_BODY_BUFFER = 4096;
/**
 * Bytes of body buffers that may be reserved ahead of the bytes that arrived, over all channels of
 * one stream: within it a body gets its announced size at once; past it, buffers grow with the data.
 * @internal
 */
export const BODY_RESERVE_BUDGET = 16 * 1024 * 1024;

/** @internal */
export class ContentAssembler {
  private readonly channels = new Map<number, ChannelContent>();
  private handlerFailed = false;
  private handlerError: unknown = undefined;
  /** Body buffer bytes allocated and not yet filled, over all channels (see BODY_RESERVE_BUDGET). */
  private reservedAhead = 0;

  constructor(
    private readonly handler: FrameHandler,
    readonly maxBodySize: number,
  ) {}

  /** A method frame payload at `buf[p..end)`. */
  method(buf: Buffer, p: number, end: number, channel: number): void {
    const c = this.channel(channel);
    if (c.state !== IDLE) {
      const name = (c.method as AnyMethod).name;
      throw new FrameError(`method frame on channel ${channel} while ${name} content is incomplete`, 505, {
        offset: p - 7,
      });
    }
    const method = decodeMethod(buf, p, end);
    if ((METHOD_INFO[method.id] as { hasContent: boolean }).hasContent) {
      const admit = this.handler.admitContent === undefined ? true : this.handler.admitContent(channel, method);
      if (admit !== true && admit !== false) throw admit;
      c.discard = !admit;
      c.state = WANT_HEADER;
      c.method = method;
      return;
    }
    try {
      this.handler.onMethod(channel, method);
    } catch (err) {
      this.handlerThrew(err);
    }
  }

  /** A content header frame payload at `buf[p..end)`. */
  header(buf: Buffer, p: number, end: number, channel: number): void {
    const c = this.channels.get(channel);
    if (c === undefined || c.state !== WANT_HEADER) {
      throw new FrameError(`content header on channel ${channel} without a content method before it`, 505, {
        offset: p - 7,
      });
    }
    if (p + 12 > end) throw new FrameError('truncated content header', 502, { offset: p });
    const classId = readU16(buf, p);
    const methodClass = (c.method as AnyMethod).id >>> 16;
    if (classId !== methodClass) {
      throw new FrameError(`content header for class ${classId} after a class ${methodClass} method`, 505, {
        offset: p,
      });
    }
    const hi = readU32(buf, p + 4);
    const bodySize = hi * 4294967296 + readU32(buf, p + 8);
    let skipped: BodyTooLargeError | undefined;
    if (bodySize > this.maxBodySize || hi > 0x1fffff) {
      const error = new BodyTooLargeError(bodySize, Math.min(this.maxBodySize, Number.MAX_SAFE_INTEGER), channel);
      // A size past 2^53 is no message any broker sends: the stream is not to be trusted.
      if (hi > 0x1fffff || (this.handler.onOversizeContent === undefined && !c.discard)) throw error;
      skipped = error;
    }
    if (c.discard) {
      // nobody takes it: count the body off without decoding or keeping anything
      c.bodySize = bodySize;
      c.received = 0;
      c.state = WANT_BODY;
      if (bodySize === 0) this.complete(channel, c, EMPTY);
      return;
    }
    const props = decodeProperties(buf, p + 12, end);
    if (cursor.pos !== end) {
      throw new FrameError(`content header: ${end - cursor.pos} unexpected bytes after the properties`, 502, {
        offset: cursor.pos,
      });
    }
    c.properties = props;
    c.bodySize = bodySize;
    c.received = 0;
    c.skipped = skipped;
    c.state = WANT_BODY;
    if (bodySize === 0) this.complete(channel, c, EMPTY);
  }

  heartbeat(size: number, channel: number): void {
    if (channel !== 0) throw new FrameError(`heartbeat frame on channel ${channel}`, 501);
    if (size !== 0) throw new FrameError(`heartbeat frame with a ${size}-byte payload`, 501);
    try {
      this.handler.onHeartbeat();
    } catch (err) {
      this.handlerThrew(err);
    }
  }

  /**
   * The content a body frame of `size` bytes on `channel` belongs to, or the 505 message when no
   * header precedes it or it overruns the announced size (a string, so the hot path never throws).
   */
  bodyTarget(channel: number, size: number): ChannelContent | string {
    const c = this.channels.get(channel);
    if (c === undefined || c.state !== WANT_BODY) {
      return `body frame on channel ${channel} without a content header before it`;
    }
    if (size > c.bodySize - c.received) {
      return `body frame of ${size} bytes overruns the announced body size ${c.bodySize} on channel ${channel}`;
    }
    return c;
  }

  /**
   * Body bytes `chunk[start..end)` for `c`. A body that arrives whole as one checked frame
   * (`frameChecked`: its end octet verified) is handed out as a subarray (no copy) and delivered;
   * otherwise one buffer of bodySize is allocated and every piece copied in.
   */
  bodyBytes(
    channel: number,
    c: ChannelContent,
    chunk: Buffer,
    start: number,
    end: number,
    frameChecked: boolean,
  ): void {
    const n = end - start;
    if (n === 0) return;
    if (c.skipped !== undefined || c.discard) {
      c.received += n;
      return;
    }
    if (frameChecked && c.received === 0 && n === c.bodySize) {
      this.complete(channel, c, chunk.subarray(start, end));
      return;
    }
    let body = c.body;
    if (body === undefined || body.length < c.received + n) body = this.grow(c, chunk.length - start);
    chunk.copy(body, c.received, start, end);
    c.received += n;
    this.reservedAhead -= n;
  }

  /**
   * A body buffer for `c`: its announced size at once while the stream's reservations ahead of the
   * data stay within the budget (one copy); else one big enough for what has arrived (the bytes kept
   * so far plus `inChunk`, the rest of the current chunk), at least double the old one, never more
   * than the announced size. A body grown that way is copied about twice in all, and a peer cannot
   * make this side hold more than twice what it sent beyond the budget.
   */
  private grow(c: ChannelContent, inChunk: number): Buffer {
    const old = c.body;
    const oldSize = old === undefined ? 0 : old.length;
    let size: number;
    if (old === undefined && this.reservedAhead + c.bodySize <= BODY_RESERVE_BUDGET) size = c.bodySize;
    else size = Math.min(c.bodySize, Math.max(c.received + inChunk, oldSize * 2, MIN_BODY_BUFFER));
    const body = Buffer.allocUnsafe(size);
    if (old !== undefined && c.received > 0) old.copy(body, 0, 0, c.received);
    this.reservedAhead += size - oldSize;
    c.body = body;
    return body;
  }

  /** After a whole body frame: delivers the message once all of its body is in. */
  bodyFrameDone(channel: number, c: ChannelContent): void {
    if (c.state !== WANT_BODY || c.received !== c.bodySize) return;
    if (c.discard) this.complete(channel, c, EMPTY);
    else if (c.body !== undefined) this.complete(channel, c, c.body);
    else if (c.skipped !== undefined) this.complete(channel, c, EMPTY, c.skipped);
  }

  /** Reports a fatal frame error and forgets all pending content. */
  frameError(error: FrameError): void {
    this.channels.clear();
    this.reservedAhead = 0;
    try {
      this.handler.onFrameError(error);
    } catch (err) {
      this.handlerThrew(err);
    }
  }

  /** Rethrows the first handler exception since the last call, if any. */
  rethrowHandlerError(): void {
    if (!this.handlerFailed) return;
    const err = this.handlerError;
    this.handlerFailed = false;
    this.handlerError = undefined;
    throw err;
  }

  private channel(channel: number): ChannelContent {
    let c = this.channels.get(channel);
    if (c === undefined) {
      c = {
        state: IDLE,
        method: undefined,
        properties: undefined,
        bodySize: 0,
        received: 0,
        body: undefined,
        skipped: undefined,
        discard: false,
      };
      this.channels.set(channel, c);
    }
    return c;
  }

  /**
   * Delivers the finished content of `c` (its body, or for an oversize one skipped unread, the
   * error) and returns the channel to idle first, so a handler that throws leaves it in step.
   */
  private complete(channel: number, c: ChannelContent, body: Buffer, skipped?: BodyTooLargeError): void {
    const method = c.method as AnyMethod;
    const props = c.properties as BasicProperties;
    c.state = IDLE;
    c.method = undefined;
    c.properties = undefined;
    c.body = undefined;
    c.skipped = undefined;
    if (c.discard) {
      c.discard = false;
      return;
    }
    try {
      if (skipped === undefined) this.handler.onContent(channel, method, props, body);
      else this.handler.onOversizeContent?.(channel, method, props, skipped);
    } catch (err) {
      this.handlerThrew(err);
    }
  }

  private handlerThrew(err: unknown): void {
    if (this.handlerFailed) return;
    this.handlerFailed = true;
    this.handlerError = err;
  }
}
