/**
 * RecoveringConnection over a scripted fake engine: when a loss is recovered and when it is final,
 * which hosts the attempts dial and in which order, and the credentials they log in with.
 */
import { describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  ConnectionLostError,
  ConnectionParameters,
  InvalidStateError,
  RecoveryFailedError,
  WriteTimeoutError,
} from '../../../lib/protocol/index.js';
import { RecoveringConnection } from '../../../lib/protocol/recovery/index.js';
import { PlainCredentials } from '../../../lib/protocol/parameters/index.js';
import { FakeBroker } from './fake-broker.js';
import { hostA, hostB, open, until } from './recovery-harness.js';

describe('RecoveringConnection over a fake engine', () => {
  it('a refused login during recovery is final after one attempt', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const failed = new Promise<RecoveryFailedError>((resolve) => connection.once('recoveryFailed', resolve));
    broker.script.push(new AuthenticationError('ACCESS_REFUSED', 'guest'));
    broker.current.kill();
    const error = await failed;
    expect(error.attempts).toBe(1);
    expect(error.cause).toBeInstanceOf(AuthenticationError);
    expect(broker.dialed).toEqual(['node-a:5672', 'node-a:5672']);
    expect(connection.state).toBe('CLOSED');
  });

  it('credentials erased after connecting (eraseOnConnect) end the recovery after one attempt, no retry loop', async () => {
    const broker = new FakeBroker();
    const credentials = new PlainCredentials('app', 'secret', { eraseOnConnect: true });
    const connection = await RecoveringConnection.connect([new ConnectionParameters({ host: 'node-a', credentials })], {
      // Like the engine: a login asks the credentials for the SASL response, and erases them once open.
      connector: async (hosts) => {
        hosts[0]!.credentials.responseFor(['PLAIN']);
        const engine = await broker.connector(hosts);
        hosts[0]!.credentials.eraseCredentials();
        return engine;
      },
      random: () => 0,
      recovery: { initialDelayMs: 1 },
    });
    const failed = new Promise<RecoveryFailedError>((resolve) => connection.once('recoveryFailed', resolve));
    broker.current.kill();
    const error = await failed;
    expect(error.attempts).toBe(1);
    expect(error.cause).toBeInstanceOf(InvalidStateError);
    expect(connection.state).toBe('CLOSED');
  });

  it('a loss reported as a refused login is not recovered at all', async () => {
    const broker = new FakeBroker();
    const closes: unknown[] = [];
    const connection = await RecoveringConnection.connect(hostA, {
      connector: broker.connector,
      onClose: (_c, e) => closes.push(e),
    });
    const refusal = new AuthenticationError('ACCESS_REFUSED');
    broker.current.kill(refusal);
    expect(connection.state).toBe('CLOSED');
    expect(closes).toEqual([refusal]);
    expect(broker.dialed).toHaveLength(1);
  });

  it('recovers a link the engine declared dead by the write timeout, with that cause', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const causes: unknown[] = [];
    connection.on('recovering', (cause) => causes.push(cause));
    const stalled = new WriteTimeoutError(30_000, 1_100_000);
    broker.current.kill(stalled);
    await until(() => connection.state === 'OPEN' && connection.recoveries === 1, 'recovery');
    expect(causes).toEqual([stalled]);
    await connection.close();
  });

  it('tries the other host first and goes round the list; gives up after maxAttempts passes', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { maxAttempts: 2 }, [hostA, hostB]);
    const channel = await connection.channel();
    const channelCloses: unknown[] = [];
    channel.addOnCloseCallback((_c, error) => channelCloses.push(error));
    const down = (): ConnectionLostError => new ConnectionLostError('ECONNREFUSED');
    broker.script.push(down(), down(), down(), down());
    const attempts: number[] = [];
    connection.on('recoveryAttemptFailed', (_e, attempt) => attempts.push(attempt));
    const failed = new Promise<RecoveryFailedError>((resolve) => connection.once('recoveryFailed', resolve));
    broker.current.kill();
    const error = await failed;
    expect(broker.dialed).toEqual([
      'node-a:5672',
      'node-b:5673',
      'node-a:5672',
      'node-a:5672',
      'node-b:5673',
    ]);
    expect(attempts).toEqual([1, 2]);
    expect(error.attempts).toBe(2);
    expect(error.cause).toBeInstanceOf(ConnectionLostError);
    expect(channelCloses).toEqual([error]);
    expect(channel.state).toBe('CLOSED');
  });

  it('logs in with the secret given to updateSecret when it recovers later', async () => {
    const broker = new FakeBroker();
    const logins: string[] = [];
    const connection = await RecoveringConnection.connect(
      [new ConnectionParameters({ host: 'node-a', credentials: new PlainCredentials('app', 'old-token') })],
      {
        connector: (hosts) => {
          logins.push(hosts[0]!.credentials.responseFor(['PLAIN'])!.toString('latin1'));
          return broker.connector(hosts);
        },
        random: () => 0,
        recovery: { initialDelayMs: 1 },
      },
    );
    await connection.updateSecret('new-token', 'rotated');
    broker.current.kill();
    await until(() => connection.state === 'OPEN' && broker.connections.length === 2, 'recovery');
    expect(logins).toEqual(['\0app\0old-token', '\0app\0new-token']);
    await connection.close();
  });

  it('reconnects to the surviving host of a cluster', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, {}, [hostA, hostB]);
    broker.script.push(new ConnectionLostError('ECONNREFUSED'));
    broker.current.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    expect(broker.dialed).toEqual(['node-a:5672', 'node-b:5673', 'node-a:5672']);
  });
});
