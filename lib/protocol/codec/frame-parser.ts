/**
 * Incremental inbound frame parser (sans-IO: bytes in, events out). This file does the framing;
 * content-assembler.ts puts method, header and body frames together per channel.
 *
 * Rules of this file:
 * - `push` accepts chunks of any size split at any byte, with any `byteOffset`.
 * - A frame wholly inside a chunk is parsed in place. A frame split across chunks is gathered into
 *   one buffer of its exact size (at most frame_max), except a body frame, whose bytes are copied
 *   straight into the message body. A body that arrives as one frame in one chunk is handed out as
 *   a subarray of that chunk (no copy); otherwise it is copied once into a buffer of its size, as
 *   long as the stream's reservations ahead of the data stay within a 16 MiB budget; past it, the
 *   buffer grows with the bytes that arrived (content-assembler.ts), so an announced size cannot
 *   make this side reserve memory the peer has not sent.
 * - Every malformed input ends in exactly one `onFrameError` carrying the spec's reply code, the
 *   stream offset and the channel; after it the parser ignores all input (`failed`). Nothing else
 *   is thrown for bad bytes. Handler exceptions are not the parser's: it finishes the chunk, then
 *   rethrows the first.
 */
import { BodyTooLargeError, FrameError } from '../errors.js';
import { ContentAssembler } from './content-assembler.js';
import type { ChannelContent } from './content-assembler.js';
import { readU16, readU32 } from './primitives.js';
import type { FrameHandler, FrameParserOptions } from './frame-handler.js';

export type { FrameHandler, FrameParserOptions } from './frame-handler.js';

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
  /** A new frame (or the rest of a frame header, when `hdrLen > 0`). */
  Header,
  /** The rest of a method/header/heartbeat frame payload + end octet, gathered in `frameBuf`. */
  Frame,
  /** The rest of a body frame payload, copied straight into the message body. */
  Body,
  /** The end octet after a streamed body payload. */
  End,
}

/** Decodes AMQP frames from a byte stream and assembles content per channel. */
export class FrameParser {
  /**
   * Largest accepted frame size, header and end octet included (settable after connection.tune-ok).
   * 0 (the spec's "no limit") still caps a frame at `maxBodySize` + 8, so no frame buffer can be
   * larger than the largest body the parser would accept.
   */
  frameMax: number;
  /** Largest accepted message body. */
  readonly maxBodySize: number;
  private failedFlag = false;
  private readonly content: ContentAssembler;
  /**
   * [0] stream offset of byte 0 of the chunk being parsed, [1] stream offset of the split frame's
   * payload. A Float64Array because past 2^30 bytes a plain field turns from a small integer into a
   * boxed double, which slowed every frame after the first gigabyte.
   */
  private readonly offsets = new Float64Array(2);
  private need = Need.Header;
  /** A frame header split across chunks. */
  private readonly hdr = Buffer.alloc(7);
  private hdrLen = 0;
  /** The split frame in progress. */
  private fType = 0;
  private fChannel = 0;
  private fSize = 0;
  /** Gathered payload + end octet of a split non-body frame. */
  private frameBuf: Buffer = EMPTY;
  private frameLen = 0;
  /** Body bytes of the split body frame still to come, and the content they belong to. */
  private bodyLeft = 0;
  private bodyContent: ChannelContent | undefined;

  constructor(handler: FrameHandler, options: FrameParserOptions = {}) {
    this.frameMax = options.frameMax ?? DEFAULT_FRAME_MAX;
    this.maxBodySize = options.maxBodySize ?? DEFAULT_MAX_BODY;
    this.content = new ContentAssembler(handler, this.maxBodySize);
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
      const len = chunk.length;
      let pos = this.need === Need.Header && this.hdrLen === 0 ? 0 : this.resume(chunk);
      while (pos >= 0 && pos < len) {
        if (len - pos < 7) {
          chunk.copy(this.hdr, 0, pos, len);
          this.hdrLen = len - pos;
          break;
        }
        const size = readU32(chunk, pos + 3);
        pos = this.frame(chunk, pos + 7, chunk[pos] as number, readU16(chunk, pos + 1), size, chunk, pos);
      }
    } catch (err) {
      // decoders throw FrameError for bad bytes; anything else is a codec bug, still reported typed
      this.fail(
        err instanceof FrameError
          ? err
          : new FrameError(`internal parser failure: ${String(err)}`, 502, {}, 'ERR_AMQP_FRAME_INTERNAL'),
      );
    }
    (this.offsets[0] as number) += chunk.length;
    this.content.rethrowHandlerError();
  }

  /** Stream offset of `chunk[pos]` in the chunk being parsed (pos may be negative). */
  private streamAt(pos: number): number {
    return (this.offsets[0] as number) + pos;
  }

  private fail(error: FrameError): void {
    if (this.failedFlag) return;
    this.failedFlag = true;
    this.frameBuf = EMPTY;
    this.bodyContent = undefined;
    this.content.frameError(error);
  }

  private error(message: string, replyCode: number, offset: number, channel: number): FrameError {
    return new FrameError(message, replyCode, { offset, channel });
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
        // the payload starts at chunk[take]; the header began in an earlier chunk
        return this.frame(chunk, take, h[0] as number, readU16(h, 1), readU32(h, 3), h, 0);
      }
      case Need.Frame: {
        const take = Math.min(this.fSize + 1 - this.frameLen, len);
        chunk.copy(this.frameBuf, this.frameLen, 0, take);
        this.frameLen += take;
        if (this.frameLen <= this.fSize) return -1;
        this.need = Need.Header;
        const buf = this.frameBuf;
        this.frameBuf = EMPTY;
        if (buf[this.fSize] !== FRAME_END) {
          this.fail(this.error('frame end octet is not 0xCE', 501, this.streamAt(take - 1), this.fChannel));
          return -1;
        }
        this.dispatch(buf, 0, this.fSize, this.fType, this.fChannel, true);
        return this.failedFlag ? -1 : take;
      }
      case Need.Body: {
        const take = Math.min(this.bodyLeft, len);
        this.content.bodyBytes(this.fChannel, this.bodyContent as ChannelContent, chunk, 0, take, false);
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
      this.fail(this.error('frame end octet is not 0xCE', 501, this.streamAt(pos), this.fChannel));
      return -1;
    }
    const c = this.bodyContent as ChannelContent;
    this.bodyContent = undefined;
    this.content.bodyFrameDone(this.fChannel, c);
    return this.failedFlag ? -1 : pos + 1;
  }

  /**
   * One frame whose 7-byte header has been read; its payload starts at `chunk[p]`. `hdrBuf[hdrAt]`
   * is the header's first byte (for the protocol-header check). Returns where the next frame
   * starts, or -1 when the chunk is used up (the frame continues in the next chunk) or on failure.
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
    if (type !== TYPE_METHOD && type !== TYPE_HEADER && type !== TYPE_BODY && type !== TYPE_HEARTBEAT) {
      this.badType(chunk, p, type, channel, hdrBuf, hdrAt);
      return -1;
    }
    const max = this.frameMax === 0 ? this.maxBodySize + 8 : this.frameMax;
    if (size + 8 > max) {
      this.fail(
        this.error(`frame of ${size + 8} bytes exceeds frame_max ${max}`, 501, this.streamAt(p - 7), channel),
      );
      return -1;
    }
    let content: ChannelContent | undefined;
    if (type === TYPE_BODY) {
      const target = this.content.bodyTarget(channel, size);
      if (typeof target === 'string') {
        this.fail(this.error(target, 505, this.streamAt(p - 7), channel));
        return -1;
      }
      content = target;
    }
    const avail = chunk.length - p;
    if (avail > size) {
      // the whole frame is in this chunk: parse it in place
      if (chunk[p + size] !== FRAME_END) {
        this.fail(this.error('frame end octet is not 0xCE', 501, this.streamAt(p + size), channel));
        return -1;
      }
      if (content !== undefined) {
        this.content.bodyBytes(channel, content, chunk, p, p + size, true);
        this.content.bodyFrameDone(channel, content);
      } else this.dispatch(chunk, p, p + size, type, channel, false);
      return this.failedFlag ? -1 : p + size + 1;
    }
    // the frame continues in a later chunk
    this.fType = type;
    this.fChannel = channel;
    this.fSize = size;
    this.offsets[1] = this.streamAt(p);
    if (content !== undefined) {
      this.content.bodyBytes(channel, content, chunk, p, chunk.length, false);
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

  /** Not a frame type: either the broker answered our protocol header with its own, or garbage. */
  private badType(
    chunk: Buffer,
    p: number,
    type: number,
    channel: number,
    hdrBuf: Buffer,
    hdrAt: number,
  ): void {
    const at = this.streamAt(p - 7);
    if (
      type === 0x41 &&
      hdrBuf[hdrAt + 1] === 0x4d &&
      hdrBuf[hdrAt + 2] === 0x51 &&
      hdrBuf[hdrAt + 3] === 0x50
    ) {
      // "AMQP" 0 major minor revision; the revision may be the chunk's next byte
      const v = [hdrBuf[hdrAt + 5], hdrBuf[hdrAt + 6]];
      if (p < chunk.length) v.push(chunk[p]);
      const message = `the broker refused the protocol header and offered AMQP ${v.join('-')} instead of 0-9-1`;
      this.fail(new FrameError(message, 501, { offset: at }));
      return;
    }
    this.fail(this.error(`invalid frame type ${type}`, 501, at, channel));
  }

  /**
   * A whole non-body frame payload at `buf[p..end)`, in the chunk or (`gathered`) in `frameBuf`.
   * Decoder errors become frame errors carrying the stream offset and channel.
   */
  private dispatch(
    buf: Buffer,
    p: number,
    end: number,
    type: number,
    channel: number,
    gathered: boolean,
  ): void {
    try {
      if (type === TYPE_METHOD) this.content.method(buf, p, end, channel);
      else if (type === TYPE_HEADER) this.content.header(buf, p, end, channel);
      else this.content.heartbeat(end - p, channel);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      // a typed refusal of its own (too large, not admitted) is reported as it is
      if (err instanceof BodyTooLargeError || err.code !== 'ERR_AMQP_FRAME') {
        this.fail(err);
        return;
      }
      const bufBase = gathered ? (this.offsets[1] as number) : (this.offsets[0] as number);
      this.fail(new FrameError(err.message, err.replyCode, { offset: bufBase + (err.offset ?? p), channel }));
    }
  }
}
