/**
 * The public Connection over the scripted transport and hand-advanced clock of fake-io.ts, recording
 * its callbacks and events, opened or not.
 */
import { Connection } from '../../../lib/protocol/connection/connection.js';
import type { AMQPError } from '../../../lib/protocol/errors.js';
import { ConnectionParameters, type ConnectionParametersOptions } from '../../../lib/protocol/parameters/index.js';
import { FakeClock, flush, transportRecorder } from './fake-io.js';

/** A Connection over the scripted transport and clock, recording its callbacks and events in order. */
export function setup(options: ConnectionParametersOptions | ConnectionParameters[] = {}) {
  const clock = new FakeClock();
  const rec = transportRecorder();
  const events: string[] = [];
  const errors: AMQPError[] = [];
  const params = Array.isArray(options) ? options : new ConnectionParameters(options);
  const connection = new Connection(
    params,
    {
      onOpen: () => events.push('onOpen'),
      onOpenError: (_c, error) => {
        events.push('onOpenError');
        errors.push(error);
      },
      onClose: (_c, error) => {
        events.push(`onClose:${error === undefined ? 'clean' : error.name}`);
        if (error !== undefined) errors.push(error);
      },
    },
    { clock, transport: rec.factory },
  );
  connection.on('open', () => events.push('open'));
  connection.on('close', (error) => events.push(`close:${error === undefined ? 'clean' : error.name}`));
  return { clock, rec, events, errors, connection };
}

/** setup(), with the transport up and the broker side ready to answer. */
export async function opened(options: ConnectionParametersOptions = {}) {
  const s = setup(options);
  await flush();
  const t = s.rec.transports[0]!;
  t.bringUp();
  return { ...s, t };
}
