/**
 * AMQP field tables and arrays with every value tag RabbitMQ parses: S T b B s u I i d f l L t D F A x V.
 *
 * Decode: S->string, x->Buffer, t->boolean, b B s u I i->number, l L->number when safe else bigint,
 * f d->number, D->Decimal, T->Date, A->array, F->object, V->null.
 * Encode: string->S, boolean->t, integer in int32 range->I, other safe integer->l, other number->d,
 * bigint->l, Buffer/Uint8Array->x, Date->T, null/undefined->V, array->A, Decimal->D, plain object->F,
 * `new TypedValue(tag, value)` forces a tag.
 */
export { Decimal, TypedValue, MAX_TABLE_DEPTH } from './field-value.js';
export type { FieldTable, FieldTag, FieldValue } from './field-value.js';
export { encodeFieldTable, fieldTableSize, inferTag, writeFieldTable } from './field-table-encoder.js';
export { decodeFieldTable } from './field-table-decoder.js';
