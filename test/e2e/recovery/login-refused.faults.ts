/**
 * A login refused during a recovery is final. It adds a user and changes its password, so it runs in
 * `npm run test:faults` (private node) rather than on the shared broker.
 */
import { describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AuthenticationError,
  ConnectionParameters,
  PlainCredentials,
  RecoveryFailedError,
} from '../../../lib/protocol/index.js';
import { RecoveringConnection } from '../../../lib/protocol/recovery/index.js';
import { BROKER_PORT } from '../../support/broker.js';
import { closeConnection, rabbitmqctl, uniqueName, withUser } from './broker-control.js';

describe('bad credentials during a recovery', () => {
  it('a login refused during a recovery is final: one attempt, recoveryFailed, closed', async () => {
    const username = uniqueName('rec-user');
    const removeUser = await withUser(username, 'first-secret');
    const name = uniqueName('rec-auth');
    try {
      const connection = await RecoveringConnection.connect(
        new ConnectionParameters({
          host: '127.0.0.1',
          port: BROKER_PORT,
          credentials: new PlainCredentials(username, 'first-secret'),
          connectionName: name,
        }),
        { recovery: { initialDelayMs: 10, maxDelayMs: 50 } },
      );
      const attempts: unknown[] = [];
      connection.on('recoveryAttemptFailed', (error) => attempts.push(error));
      const failed = once(connection, 'recoveryFailed');
      await rabbitmqctl(['change_password', username, 'second-secret']);
      await closeConnection(name);
      const [error] = (await failed) as [RecoveryFailedError];
      expect(error).toBeInstanceOf(RecoveryFailedError);
      expect(error.cause).toBeInstanceOf(AuthenticationError);
      expect(error.attempts).toBe(1);
      expect(attempts).toHaveLength(1);
      await sleep(300);
      expect(attempts).toHaveLength(1);
      expect(connection.state).toBe('CLOSED');
    } finally {
      await removeUser();
    }
  });
});
