/**
 * Incremental inbound frame parser with content assembly (sans-IO: bytes in, events out).
 *
 * Rules of this file:
 * - `push` accepts chunks of any size split at any byte, with any `byteOffset`.
 * - A frame wholly inside a chunk is parsed in place. A frame split across chunks is gathered into
 *   one buffer of its exact size, except a body frame, whose bytes are copied straight into the
 *   message body: a body is copied at most once, and a body that arrives as one frame in one chunk
 *   is handed out as a subarray of that chunk (no copy).
 * - Content is assembled per channel: method -> header -> body frames; any other order on that
 *   channel is 505 UNEXPECTED_FRAME. A header announcing more than `maxBodySize` is refused with
 *   {@link BodyTooLargeError} before any body byte is buffered.
 * - Every malformed input ends in exactly one `onFrameError` carrying the spec's reply code and the
 *   stream offset; after it the parser ignores all input (`failed`). Nothing else is thrown for bad
 *   bytes. Handler exceptions are not the parser's: it finishes the chunk, then rethrows the first.
 */
import { BodyTooLargeError, FrameError } from '../errors.js';
import { cursor, readU16, readU32 } from './primitives.js';
import { decodeProperties } from './properties.js';
import type { BasicProperties } from './properties.js';
import { decodeMethod, METHOD_INFO } from './spec.generated.js';
import type { AnyMethod } from './spec.generated.js';

/** Receives what the parser decodes. Called synchronously from `push`. */
export interface FrameHandler {
  /** A method without content. */
  onMethod(channel: number, method: AnyMethod): void;
  /** A content-carrying method (basic.deliver, basic.return, basic.get-ok ...) with its properties and whole body. */
  onContent(channel: number, method: AnyMethod, properties: BasicProperties, body: Buffer): void;
  onHeartbeat(): void;
  /** Fatal: the stream cannot be trusted after it, and the parser ignores all later input. */
  onFrameError(error: FrameError): void;
}

/** Parser limits. */
export interface FrameParserOptions {
  /** Largest accepted frame, header and end octet included (0 = no limit). Default 131072. */
  frameMax?: number;
  /** Largest accepted message body. Default 64 MiB. */
  maxBodySize?: number;
}

/** A content-carrying method waiting for its header and body on one channel. */
interface PendingContent {
  method: AnyMethod;
  properties: BasicProperties | undefined;
  bodySize: number;
  received: number;
  body: Buffer | undefined;
}

const EMPTY = Buffer.alloc(0);
const DEFAULT_FRAME_MAX = 131072;
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

const TYPE_METHOD = 1;
const TYPE_HEADER = 2;
const TYPE_BODY = 3;
const TYPE_HEARTBEAT = 8;
const FRAME_END = 0xce;

/** What the bytes at the start of the next chunk belong to. */
const enum Need {
  /** A frame header (7 bytes). */
  Header,
  /** The rest of a method/header/heartbeat frame payload + end octet, gathered in `frameBuf`. */
  Frame,
  /** The rest of a body frame payload, copied into the pending body. */
  Body,
  /** The end octet after a streamed body payload. */
  End,
}

/** Decodes AMQP frames from a byte stream and assembles content per channel. */
export class FrameParser {
  /** Largest accepted frame size (settable after connection.tune-ok); 0 = no limit. */
  frameMax: number;
  /** Largest accepted message body. */
  readonly maxBodySize: number;
  private failedFlag = false;
  private readonly handler: FrameHandler;
  private readonly pending = new Map<number, PendingContent>();

  /** Stream offset of byte 0 of the chunk being parsed. */
  private base = 0;
  private need = Need.Header;
  /** A frame header split across chunks. */
  private readonly hdr = Buffer.alloc(7);
  private hdrLen = 0;
  /** The split frame in progress. */
  private fType = 0;
  private fChannel = 0;
  private fSize = 0;
  /** Stream offset where the split frame's payload starts. */
  private fPayloadAt = 0;
  /** Gathered payload + end octet of a split non-body frame. */
  private frameBuf: Buffer = EMPTY;
  private frameLen = 0;
  /** Body bytes of the split body frame still to come. */
  private bodyLeft = 0;
  private bodyContent: PendingContent | undefined;
  private handlerError: unknown = undefined;
  private handlerFailed = false;

  constructor(handler: FrameHandler, options: FrameParserOptions = {}) {
    this.handler = handler;
    this.frameMax = options.frameMax ?? DEFAULT_FRAME_MAX;
    this.maxBodySize = options.maxBodySize ?? DEFAULT_MAX_BODY;
  }

  /** True once a frame error was reported; later input is ignored. */
  get failed(): boolean {
    return this.failedFlag;
  }

  /**
   * Feeds bytes from the socket. Handlers run synchronously; if one throws, the rest of the chunk
   * is still parsed (the stream stays in step) and the first handler error is rethrown at the end.
   */
  push(chunk: Buffer): void {
    if (this.failedFlag || chunk.length === 0) return;
    try {
      let pos = this.need === Need.Header && this.hdrLen === 0 ? 0 : this.resume(chunk);
      const len = chunk.length;
      while (pos >= 0 && pos < len) {
        if (len - pos < 7) {
          this.stashHeader(chunk, pos, len);
          break;
        }
        const size = readU32(chunk, pos + 3);
        pos = this.frame(chunk, pos + 7, chunk[pos] as number, readU16(chunk, pos + 1), size, chunk, pos);
      }
    } catch (err) {
      // the decoders throw FrameError for bad bytes; anything else is a codec bug, still reported typed
      const e =
        err instanceof FrameError
          ? err
          : new FrameError(`internal parser failure: ${String(err)}`, 502, {}, 'ERR_AMQP_FRAME_INTERNAL');
      this.fail(e);
    } finally {
      this.base += chunk.length;
    }
    if (this.handlerFailed) {
      const err = this.handlerError;
      this.handlerFailed = false;
      this.handlerError = undefined;
      throw err;
    }
  }

  private fail(error: FrameError): void {
    if (this.failedFlag) return;
    this.failedFlag = true;
    this.pending.clear();
    this.frameBuf = EMPTY;
    this.bodyContent = undefined;
    this.guard(() => this.handler.onFrameError(error));
  }

  private error(message: string, replyCode: number, offset: number, channel?: number): FrameError {
    return new FrameError(message, replyCode, channel === undefined ? { offset } : { offset, channel });
  }

  /** Runs a handler callback, keeping its exception for after the chunk. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!this.handlerFailed) {
        this.handlerFailed = true;
        this.handlerError = err;
      }
    }
  }

  private stashHeader(chunk: Buffer, pos: number, len: number): void {
    chunk.copy(this.hdr, this.hdrLen, pos, len);
    this.hdrLen += len - pos;
    this.need = Need.Header;
  }

  /** Continues a frame begun in an earlier chunk; returns where the next frame starts, or -1. */
  private resume(chunk: Buffer): number {
    const len = chunk.length;
    switch (this.need) {
      case Need.Header: {
        const take = Math.min(7 - this.hdrLen, len);
        chunk.copy(this.hdr, this.hdrLen, 0, take);
        this.hdrLen += take;
        if (this.hdrLen < 7) return -1;
        this.hdrLen = 0;
        const h = this.hdr;
        // payload starts at chunk[take]; the header itself started in an earlier chunk
        return this.frame(chunk, take, h[0] as number, readU16(h, 1), readU32(h, 3), h, 0);
      }
      case Need.Frame: {
        const take = Math.min(this.fSize + 1 - this.frameLen, len);
        chunk.copy(this.frameBuf, this.frameLen, 0, take);
        this.frameLen += take;
        if (this.frameLen < this.fSize + 1) return -1;
        this.need = Need.Header;
        const buf = this.frameBuf;
        this.frameBuf = EMPTY;
        if (buf[this.fSize] !== FRAME_END) {
          this.fail(
            this.error('frame end octet is not 0xCE', 501, this.fPayloadAt + this.fSize, this.fChannel),
          );
          return -1;
        }
        this.dispatch(buf, 0, this.fSize, this.fType, this.fChannel, this.fPayloadAt);
        return this.failedFlag ? -1 : take;
      }
      case Need.Body: {
        const take = Math.min(this.bodyLeft, len);
        const c = this.bodyContent as PendingContent;
        chunk.copy(c.body as Buffer, c.received, 0, take);
        c.received += take;
        this.bodyLeft -= take;
        if (this.bodyLeft > 0) return -1;
        this.need = Need.End;
        return take < len ? this.bodyEnd(chunk, take) : -1;
      }
      case Need.End:
        return this.bodyEnd(chunk, 0);
    }
  }

  /** The end octet of a streamed body frame at `chunk[pos]`; completes the message when it is whole. */
  private bodyEnd(chunk: Buffer, pos: number): number {
    this.need = Need.Header;
    if (chunk[pos] !== FRAME_END) {
      this.fail(this.error('frame end octet is not 0xCE', 501, this.base + pos, this.fChannel));
      return -1;
    }
    const c = this.bodyContent as PendingContent;
    this.bodyContent = undefined;
    if (c.received === c.bodySize) this.complete(this.fChannel, c, c.body as Buffer);
    return pos + 1;
  }

  /**
   * One frame whose 7-byte header has been read; its payload starts at `chunk[p]`. `hdrBuf`/`hdrAt`
   * locate the header for the protocol-header check. Returns where the next frame starts, or -1
   * when the chunk is used up (the frame continues in the next chunk) or the parser failed.
   */
  private frame(
    chunk: Buffer,
    p: number,
    type: number,
    channel: number,
    size: number,
    hdrBuf: Buffer,
    hdrAt: number,
  ): number {
    const at = this.base + p - 7; // stream offset of the frame start
    if (type !== TYPE_METHOD && type !== TYPE_HEADER && type !== TYPE_BODY && type !== TYPE_HEARTBEAT) {
      if (
        type === 0x41 &&
        hdrBuf[hdrAt + 1] === 0x4d &&
        hdrBuf[hdrAt + 2] === 0x51 &&
        hdrBuf[hdrAt + 3] === 0x50
      ) {
        const end = hdrBuf === chunk ? Math.min(chunk.length, hdrAt + 8) : 7;
        this.checkProtocolHeader(hdrBuf, hdrAt, end, at);
        return -1;
      }
      this.fail(this.error(`invalid frame type ${type}`, 501, at, channel));
      return -1;
    }
    const max = this.frameMax === 0 ? 0xffffffff : this.frameMax;
    if (size + 8 > max) {
      this.fail(this.error(`frame of ${size + 8} bytes exceeds frame_max ${max}`, 501, at, channel));
      return -1;
    }
    let content: PendingContent | undefined;
    if (type === TYPE_BODY) {
      content = this.pending.get(channel);
      if (content === undefined || content.properties === undefined) {
        this.fail(this.error(`body frame on channel ${channel} without a content header`, 505, at, channel));
        return -1;
      }
      if (size > content.bodySize - content.received) {
        this.fail(
          this.error(
            `body frame of ${size} bytes overruns the announced body size ${content.bodySize} on channel ${channel}`,
            505,
            at,
            channel,
          ),
        );
        return -1;
      }
    }
    const avail = chunk.length - p;
    if (avail > size) {
      if (chunk[p + size] !== FRAME_END) {
        this.fail(this.error('frame end octet is not 0xCE', 501, this.base + p + size, channel));
        return -1;
      }
      if (content !== undefined) this.body(chunk, p, size, channel, content);
      else this.dispatch(chunk, p, p + size, type, channel, this.base);
      return this.failedFlag ? -1 : p + size + 1;
    }
    // the frame continues in a later chunk
    this.fType = type;
    this.fChannel = channel;
    this.fSize = size;
    this.fPayloadAt = this.base + p;
    if (content !== undefined) {
      if (content.body === undefined) content.body = Buffer.allocUnsafe(content.bodySize);
      chunk.copy(content.body, content.received, p);
      content.received += avail;
      this.bodyLeft = size - avail;
      this.bodyContent = content;
      this.need = size === avail ? Need.End : Need.Body;
    } else {
      this.frameBuf = Buffer.allocUnsafe(size + 1);
      chunk.copy(this.frameBuf, 0, p);
      this.frameLen = avail;
      this.need = Need.Frame;
    }
    return -1;
  }

  /** "AMQP" + version where a frame should start: the broker refused our protocol header. */
  private checkProtocolHeader(buf: Buffer, at: number, end: number, streamAt: number): void {
    const v = [];
    for (let i = at + 5; i < Math.min(at + 8, end); i++) v.push(buf[i] as number);
    this.fail(
      this.error(
        `the broker refused the protocol header and offered AMQP ${v.join('-')} instead of 0-9-1`,
        501,
        streamAt,
      ),
    );
  }

  /** A whole body frame at `chunk[p..p+size)`. */
  private body(chunk: Buffer, p: number, size: number, channel: number, content: PendingContent): void {
    if (size === 0) return;
    if (content.received === 0 && size === content.bodySize) {
      this.complete(channel, content, chunk.subarray(p, p + size));
      return;
    }
    if (content.body === undefined) content.body = Buffer.allocUnsafe(content.bodySize);
    chunk.copy(content.body, content.received, p, p + size);
    content.received += size;
    if (content.received === content.bodySize) this.complete(channel, content, content.body);
  }

  private complete(channel: number, content: PendingContent, body: Buffer): void {
    this.pending.delete(channel);
    const props = content.properties as BasicProperties;
    this.guard(() => this.handler.onContent(channel, content.method, props, body));
  }

  /**
   * A whole non-body frame payload at `buf[p..end)`; `bufBase` is the stream offset of `buf[0]`
   * for error offsets. Decoder errors become frame errors carrying stream offset and channel.
   */
  private dispatch(
    buf: Buffer,
    p: number,
    end: number,
    type: number,
    channel: number,
    bufBase: number,
  ): void {
    try {
      if (type === TYPE_METHOD) this.method(buf, p, end, channel);
      else if (type === TYPE_HEADER) this.header(buf, p, end, channel);
      else this.heartbeat(end - p, channel, bufBase + p);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      const offset = err.offset === undefined ? bufBase + p : bufBase + err.offset;
      const e =
        err instanceof BodyTooLargeError
          ? err
          : new FrameError(err.message, err.replyCode, { offset, channel });
      this.fail(e);
    }
  }

  private method(buf: Buffer, p: number, end: number, channel: number): void {
    if (this.pending.has(channel)) {
      const c = this.pending.get(channel) as PendingContent;
      throw new FrameError(
        `method frame on channel ${channel} while ${c.method.name} content is incomplete`,
        505,
        { offset: p - 7 },
      );
    }
    const method = decodeMethod(buf, p, end);
    const info = METHOD_INFO[method.id];
    if (info !== undefined && info.hasContent) {
      this.pending.set(channel, { method, properties: undefined, bodySize: 0, received: 0, body: undefined });
      return;
    }
    this.guard(() => this.handler.onMethod(channel, method));
  }

  private header(buf: Buffer, p: number, end: number, channel: number): void {
    const c = this.pending.get(channel);
    if (c === undefined || c.properties !== undefined) {
      throw new FrameError(`content header on channel ${channel} without a content method before it`, 505, {
        offset: p - 7,
      });
    }
    if (p + 12 > end) throw new FrameError('truncated content header', 502, { offset: p });
    const classId = readU16(buf, p);
    const methodClass = c.method.id >>> 16;
    if (classId !== methodClass) {
      throw new FrameError(`content header for class ${classId} after a class ${methodClass} method`, 505, {
        offset: p,
      });
    }
    const hi = readU32(buf, p + 4);
    const bodySize = hi * 4294967296 + readU32(buf, p + 8);
    if (bodySize > this.maxBodySize || hi > 0x1fffff) {
      throw new BodyTooLargeError(bodySize, Math.min(this.maxBodySize, Number.MAX_SAFE_INTEGER), channel);
    }
    const props = decodeProperties(buf, p + 12, end);
    if (cursor.pos !== end) {
      throw new FrameError(`content header: ${end - cursor.pos} unexpected bytes after the properties`, 502, {
        offset: cursor.pos,
      });
    }
    c.properties = props;
    c.bodySize = bodySize;
    if (bodySize === 0) this.complete(channel, c, EMPTY);
  }

  private heartbeat(size: number, channel: number, at: number): void {
    if (channel !== 0) throw new FrameError(`heartbeat frame on channel ${channel}`, 501, { offset: at - 7 });
    if (size !== 0)
      throw new FrameError(`heartbeat frame with a ${size}-byte payload`, 501, { offset: at - 7 });
    this.guard(() => this.handler.onHeartbeat());
  }
}
