/** The connection types every part of the Nest layer speaks of. */
import type { RecoveringChannel, RecoveringConnection } from '../../protocol/recovery/index.js';

/** Where a shared connection stands, as every Nest-layer `status` observable reports it. */
export type AmqpStatus = 'connecting' | 'connected' | 'disconnected' | 'blocked' | 'reconnecting';

/** The connection the Nest layer holds: the engine's, wrapped for automatic recovery. */
export type AmqpConnection = RecoveringConnection;
/** A channel of {@link AmqpConnection}: the engine's Channel API, surviving recoveries. */
export type AmqpChannel = RecoveringChannel;
