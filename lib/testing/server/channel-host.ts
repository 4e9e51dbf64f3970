/**
 * What a server channel needs from the connection that opened it. Channels depend on this narrow
 * interface rather than on ServerConnection, so the connection (which creates channels) and its
 * channels do not import each other.
 */
import type { BasicProperties, encodeMethodFrame, MethodName } from '../../protocol/index.js';
import type { BrokerCore } from './broker-core.js';

type MethodArgs<N extends MethodName> = Parameters<typeof encodeMethodFrame<N>>[2];

export interface ChannelHost {
  readonly broker: BrokerCore;
  /** The authenticated user (checked against a publish's user_id). */
  readonly user: string;
  readonly isOpen: boolean;
  /** The client asked for broker-side consumer cancel notifications. */
  readonly cancelNotify: boolean;
  /** Open channels by number; a channel removes itself when it closes. */
  readonly channels: Map<number, unknown>;
  sendMethod<N extends MethodName>(channel: number, name: N, args: MethodArgs<N>): void;
  sendContent<N extends MethodName>(channel: number, name: N, args: MethodArgs<N>, properties: BasicProperties, body: Buffer): void;
  closeConnection(code: number, text: string, classId?: number, methodId?: number): void;
  drop(): void;
}
