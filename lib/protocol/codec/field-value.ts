/**
 * The values an AMQP field table or array holds, and the two classes that give a value an AMQP
 * meaning a plain JS value cannot: {@link Decimal} and {@link TypedValue} (a forced wire tag).
 */

/** An AMQP decimal: `value / 10^scale` (scale is an octet, value an unsigned 32-bit integer). */
export class Decimal {
  constructor(
    readonly scale: number,
    readonly value: number,
  ) {}
}

/** Tags a value may be forced to with {@link TypedValue}. */
export type FieldTag =
  'S' | 'T' | 'b' | 'B' | 's' | 'u' | 'I' | 'i' | 'd' | 'f' | 'l' | 'L' | 't' | 'D' | 'F' | 'A' | 'x' | 'V';

/** A value with an explicit wire tag, e.g. `new TypedValue('b', -3)` for a signed octet. */
export class TypedValue {
  constructor(
    readonly tag: FieldTag,
    readonly value: FieldValue,
  ) {}
}

/** Any value a field table or array can hold (see the module notes for the tag each maps to). */
export type FieldValue =
  | string
  | number
  | bigint
  | boolean
  | Buffer
  | Uint8Array
  | Date
  | null
  | undefined
  | Decimal
  | TypedValue
  | FieldValue[]
  | FieldTable;

/** An AMQP field table: short-string keys to tagged values. */
export type FieldTable = { [key: string]: FieldValue };

/** Deeper nesting than this is refused both ways (hostile input, cyclic objects). */
export const MAX_TABLE_DEPTH = 64;
