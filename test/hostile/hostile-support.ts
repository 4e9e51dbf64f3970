/**
 * One hostile-peer run: connect the engine to a fake broker, let its script play, and report how the
 * connection ended (the typed error, or none), how long that took, how much memory it cost, and any
 * exception a user would have seen through the connection's 'error' event. An uncaught exception
 * from a socket callback fails the test by itself (Jest reports it).
 */
import { Connection } from '../../lib/protocol/connection/connection.js';
import type { AMQPError } from '../../lib/protocol/errors.js';
import { ConnectionParameters, type ConnectionParametersOptions } from '../../lib/protocol/parameters/index.js';
import type { FakeBroker } from '../support/fake-broker.js';

export const MB = 1024 * 1024;

export interface Outcome {
  /** The error the connection (or its bring-up) ended with; undefined = ended cleanly or not at all. */
  error: AMQPError | undefined;
  /** Whether the connection had opened before it ended. */
  opened: boolean;
  /** Milliseconds from the start of the run to the end of the connection. */
  ms: number;
  /** Growth of RSS and of ArrayBuffer memory over the run, in bytes. */
  rssGrowth: number;
  arrayBuffersGrowth: number;
  /** Exceptions reported on the connection's 'error' event (users' callbacks): must stay empty. */
  reported: Error[];
  connection: Connection;
}

function memory(): { rss: number; arrayBuffers: number } {
  const { rss, arrayBuffers } = process.memoryUsage();
  return { rss, arrayBuffers };
}

/**
 * Connects to `broker` and waits until the connection ends or `limitMs` passes (then the outcome has
 * no error and the connection is still open: the caller closes it).
 */
export async function run(
  broker: FakeBroker,
  options: ConnectionParametersOptions = {},
  limitMs = 5000,
  whileOpen?: (connection: Connection) => Promise<void>,
): Promise<Outcome> {
  const before = memory();
  const started = performance.now();
  const reported: Error[] = [];
  let opened = false;
  const parameters = new ConnectionParameters({ host: '127.0.0.1', port: broker.port, ...options });
  const holder: { connection?: Connection } = {};
  const ended = new Promise<AMQPError | undefined>((resolve) => {
    const connection = new Connection(parameters, {
      onOpen: () => {
        opened = true;
        if (whileOpen !== undefined) void whileOpen(connection).catch((e: unknown) => reported.push(e as Error));
      },
      onOpenError: (_c, error) => resolve(error),
      onClose: (_c, error) => resolve(error),
    });
    connection.on('error', (error) => reported.push(error));
    holder.connection = connection;
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'limit'>((resolve) => (timer = setTimeout(() => resolve('limit'), limitMs)));
  const result = await Promise.race([ended, timedOut]);
  clearTimeout(timer);
  const ms = performance.now() - started;
  const after = memory();
  return {
    error: result === 'limit' ? undefined : result,
    opened,
    ms,
    rssGrowth: after.rss - before.rss,
    arrayBuffersGrowth: after.arrayBuffers - before.arrayBuffers,
    reported,
    connection: holder.connection as Connection,
  };
}

/** Closes a connection left open by a run, whatever state it is in. */
export async function closeQuietly(connection: Connection): Promise<void> {
  await connection.close().catch(() => undefined);
}
