/**
 * The outgoing packet of a ClientProxy on either Nest major. Nest 12's `createPacket` runs the
 * client's dispatch hook (`setOnDispatchHook`), which may attach `packet.metadata`; Nest 11 has
 * neither, so its packet is `{ pattern, data }`.
 */
import { ClientProxy, type ReadPacket } from '@nestjs/microservices';

interface ClientMembers {
  /** Nest 12 only. */
  createPacket?(pattern: unknown, data: unknown): ReadPacket;
}

/** Nest 12's ClientProxy builds packets itself (and runs its dispatch hook there). */
export const NEST_CREATES_PACKETS =
  typeof (ClientProxy.prototype as unknown as ClientMembers).createPacket === 'function';

/** The packet `send`/`emit` publish for `pattern` and `data`. */
export function createPacket(client: object, pattern: unknown, data: unknown): ReadPacket {
  if (NEST_CREATES_PACKETS) return (client as unknown as Required<ClientMembers>).createPacket(pattern, data);
  return { pattern, data };
}
