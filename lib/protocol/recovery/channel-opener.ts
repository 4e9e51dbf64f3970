/**
 * Opening a channel on a RecoveringConnection: it waits out a bring-up or a recovery, and a channel
 * whose connection is lost while it opens is opened again on the recovered connection.
 */
import { InvalidStateError } from '../errors.js';
import type { EngineChannel, EngineConnection } from './engine-port.js';
import type { RecoveringConnectionState } from './recovering-connection-types.js';

/** What the opener reads on its connection, live. */
export interface ChannelOpenerHost {
  whenReady(): Promise<void>;
  engine(): EngineConnection | undefined;
  state(): RecoveringConnectionState;
}

/**
 * Opens an engine channel on the connection of the moment and hands it to `adopt` in the same tick
 * as the checks that the connection is still that one and OPEN.
 */
export async function openChannel<T>(host: ChannelOpenerHost, adopt: (opened: EngineChannel) => T): Promise<T> {
  for (;;) {
    await host.whenReady();
    const engine = host.engine();
    if (engine === undefined) throw new InvalidStateError('channel: no connection', host.state());
    let opened: EngineChannel;
    try {
      opened = await engine.channel();
    } catch (error) {
      // Lost while opening: open it on the recovered connection instead.
      if (host.state() === 'RECOVERING') continue;
      throw error;
    }
    if (engine !== host.engine() || host.state() !== 'OPEN') {
      if (host.state() === 'RECOVERING') continue;
      throw new InvalidStateError('channel: the connection closed while the channel opened', host.state());
    }
    return adopt(opened);
  }
}
