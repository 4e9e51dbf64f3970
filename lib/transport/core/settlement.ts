/**
 * What a handler's context settles its delivery through: ack, nack or reject, once. The consumer
 * side implements it; the public context depends on this shape only, never on the consumer's classes.
 */
export interface DeliverySettlement {
  /** True once acked, nacked, rejected, auto-acked or lost with its channel. */
  readonly settled: boolean;
  ack(): void;
  nack(requeue?: boolean): void;
  reject(requeue?: boolean): void;
}
