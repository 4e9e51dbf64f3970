/**
 * What the frame parser hands its decoded frames to, and its limits. Types only, apart from
 * frame-parser.ts, so that content-assembler.ts (which the parser drives) can name the handler too.
 */
import type { BodyTooLargeError, FrameError } from '../errors.js';
import type { BasicProperties } from './properties.js';
import type { AnyMethod } from './spec.generated.js';

/**
 * Receives what the parser decodes. Called synchronously from `push`; a handler may change
 * `frameMax` but must not call `push` itself (the parser is in the middle of a chunk).
 */
export interface FrameHandler {
  /** A method without content. */
  onMethod(channel: number, method: AnyMethod): void;
  /** A content-carrying method (basic.deliver, basic.return, basic.get-ok ...) with its properties and whole body. */
  onContent(channel: number, method: AnyMethod, properties: BasicProperties, body: Buffer): void;
  onHeartbeat(): void;
  /**
   * A content-carrying method whose body was larger than `maxBodySize`: the body streamed past
   * without being stored, and the stream goes on. Without this handler such a body is fatal
   * (`onFrameError` with {@link BodyTooLargeError}).
   */
  onOversizeContent?(channel: number, method: AnyMethod, properties: BasicProperties, error: BodyTooLargeError): void;
  /**
   * Asked at every content-carrying method frame, before anything of its content is kept: `true`
   * assembles it; `false` lets its header and body stream past unstored and unreported (e.g. while
   * the connection is closing); a FrameError fails the stream at once (content for a channel that
   * is not open), so a peer cannot make the parser hold a body nobody will take. Without this
   * handler every content is assembled.
   */
  admitContent?(channel: number, method: AnyMethod): boolean | FrameError;
  /** Fatal: the stream cannot be trusted after it, and the parser ignores all later input. */
  onFrameError(error: FrameError): void;
}

/** Parser limits. */
export interface FrameParserOptions {
  /** Largest accepted frame, header and end octet included (0 = only `maxBodySize` + 8 limits it). Default 131072. */
  frameMax?: number;
  /** Largest accepted message body. Default 64 MiB. */
  maxBodySize?: number;
}
