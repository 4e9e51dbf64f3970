/** The AMQP 0-9-1 codec: generated method table, field tables, properties, frame encoder and parser. */
export * from './spec.generated.js';
export { Decimal, TypedValue, MAX_TABLE_DEPTH, encodeFieldTable } from './field-table.js';
export type { FieldTable, FieldValue, FieldTag } from './field-table.js';
export type { BasicProperties } from './properties.js';
export {
  PROTOCOL_HEADER,
  HEARTBEAT_FRAME,
  encodeMethodFrame,
  encodeContentFrames,
  encodeBasicPublish,
  encodeBasicPublishVectored,
  VECTORED_COPY_THRESHOLD,
} from './frame-encoder.js';
export { FrameParser } from './frame-parser.js';
export type { FrameHandler, FrameParserOptions } from './frame-handler.js';
