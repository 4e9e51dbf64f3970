/**
 * Bad input gets its typed error and no recovery loop: wrong credentials (at most connectionAttempts
 * tries, counted at a proxy), a malformed URL, an unknown vhost, an unreachable host (socket_timeout).
 * A login refused during a recovery is in login-refused.faults.ts (it adds a user: `npm run test:faults`).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AuthenticationError,
  ConnectionClosedError,
  ConnectionParameters,
  ParameterError,
  PlainCredentials,
  TimeoutError,
} from '../../../lib/protocol/index.js';
import { RecoveringConnection } from '../../../lib/protocol/recovery/index.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { uniqueName } from './broker-control.js';

/** Connects, expecting a failure; returns the error and how many recovery events fired after it. */
async function failedConnect(
  parameters: ConstructorParameters<typeof RecoveringConnection>[0],
): Promise<{ error: unknown; recoveryEvents: number; state: string }> {
  let recoveryEvents = 0;
  let connection: RecoveringConnection | undefined;
  const error = await new Promise<unknown>((resolve) => {
    connection = new RecoveringConnection(parameters, {
      recovery: { initialDelayMs: 10 },
      onOpen: () => resolve(undefined),
      onOpenError: (_connection, openError) => resolve(openError),
    });
    for (const event of ['recovering', 'recovered', 'recoveryFailed'] as const)
      connection.on(event, () => (recoveryEvents += 1));
  });
  await sleep(300);
  const state = connection?.state ?? 'none';
  if (error === undefined) await connection?.close();
  return { error, recoveryEvents, state };
}

describe('bad input: a typed error, no recovery loop', () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await TcpProxy.start();
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('wrong credentials: AuthenticationError after at most connectionAttempts tries, then nothing', async () => {
    const before = proxy.acceptedCount;
    const parameters = new ConnectionParameters({
      host: proxy.host,
      port: proxy.port,
      credentials: new PlainCredentials('guest', 'not-the-password'),
      connectionAttempts: 3,
      retryDelay: 0.05,
    });
    const { error, recoveryEvents, state } = await failedConnect(parameters);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).replyCode).toBe(403);
    expect((error as Error).message).not.toContain('not-the-password');
    const tries = proxy.acceptedCount - before;
    expect(tries).toBeGreaterThanOrEqual(1);
    expect(tries).toBeLessThanOrEqual(3);
    expect(recoveryEvents).toBe(0);
    expect(state).toBe('CLOSED');
  });

  it('a malformed URL: ParameterError naming the part, nothing connected', async () => {
    const before = proxy.acceptedCount;
    expect(
      () => new RecoveringConnection(`amqp://guest:guest@127.0.0.1:${proxy.port}/?heartbeat=soon`),
    ).toThrow(ParameterError);
    await expect(RecoveringConnection.connect('amqp://guest:guest@127.0.0.1:not-a-port/')).rejects.toThrow(
      /port/,
    );
    await expect(
      RecoveringConnection.connect(`amqp://127.0.0.1:${proxy.port}/?no_such_argument=1`),
    ).rejects.toBeInstanceOf(ParameterError);
    await sleep(100);
    expect(proxy.acceptedCount).toBe(before);
  });

  it('an unknown vhost: the broker 530, once', async () => {
    const before = proxy.acceptedCount;
    const { error, recoveryEvents, state } = await failedConnect(
      proxy.url('guest:guest', uniqueName('no-such-vhost')),
    );
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as ConnectionClosedError).replyCode).toBe(530);
    expect(proxy.acceptedCount - before).toBe(1);
    expect(recoveryEvents).toBe(0);
    expect(state).toBe('CLOSED');
  });

  it('an unreachable host: TimeoutError at socket_timeout, no retry', async () => {
    // A listener that never answers the TLS handshake: the connect cannot finish, as with a dead host.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const { error, recoveryEvents, state } = await failedConnect(
        new ConnectionParameters({
          host: '127.0.0.1',
          port,
          ssl: true,
          sslOptions: { rejectUnauthorized: false },
          socketTimeout: 0.3,
        }),
      );
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as TimeoutError).message).toMatch(/socket_timeout/);
      expect(sockets).toHaveLength(1);
      expect(recoveryEvents).toBe(0);
      expect(state).toBe('CLOSED');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
