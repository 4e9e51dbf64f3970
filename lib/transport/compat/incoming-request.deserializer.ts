import type { ConsumerDeserializer, IncomingEvent, IncomingRequest } from '@nestjs/microservices';

/**
 * The server's default deserializer, the same on both Nest majors (Nest 11 does not export its
 * `IncomingRequestDeserializer` from the package root). As Nest's: a body with a `pattern` or a
 * `data` is taken as Nest's envelope; anything else is another producer's message, whose pattern is
 * the `channel` option (the routing key, or the pattern header) and whose data is the whole body.
 */
export class AmqpRequestDeserializer implements ConsumerDeserializer {
  deserialize(value: unknown, options?: Record<string, unknown>): IncomingRequest | IncomingEvent {
    if (isNestEnvelope(value)) return value as IncomingRequest;
    return { pattern: options?.['channel'], data: value };
  }
}

/** A body with a `pattern` or a `data`: Nest's envelope, which the default deserializer returns as is. */
export function isNestEnvelope(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { pattern, data } = value as { pattern?: unknown; data?: unknown };
  return pattern !== undefined || data !== undefined;
}
