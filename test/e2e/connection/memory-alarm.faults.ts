/**
 * connection.blocked / unblocked under a real memory alarm, and blocked_connection_timeout. A memory
 * alarm blocks every publisher on the broker, so this runs in `npm run test:faults` (private node).
 */
import { describe, it, expect } from '@jest/globals';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import { BlockedConnectionTimeoutError } from '../../../lib/protocol/errors.js';
import { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';
import { withMemoryAlarm } from '../../support/broker.js';
import { BROKER, uniqueName, until } from './helpers.js';

describe('Connection e2e: blocked under a memory alarm', () => {
  it('reports blocked under a memory alarm and unblocked after it is restored; blocked timeout tears down', async () => {
    const name = uniqueName('blocked');
    const seen: string[] = [];
    const connection = await Connection.connect(new ConnectionParameters({ ...BROKER, connectionName: name }));
    const limited = await Connection.connect(
      new ConnectionParameters({ ...BROKER, connectionName: `${name}.limited`, blockedConnectionTimeout: 1 }),
    );
    const limitedClosed = limited.ioloop.start().catch((e: unknown) => e);
    try {
      connection.addOnConnectionBlockedCallback((_c, reason) => seen.push(`blocked:${reason}`));
      connection.addOnConnectionUnblockedCallback(() => seen.push('unblocked'));
      const channel = await connection.channel();
      const limitedChannel = await limited.channel();
      const queue = uniqueName('q');
      await channel.queueDeclare({ queue, autoDelete: true });
      await withMemoryAlarm(async () => {
        // RabbitMQ blocks (and notifies) a connection when it publishes during the alarm.
        void channel.basicPublish('', queue, 'during alarm').catch(() => undefined);
        void limitedChannel.basicPublish('', queue, 'during alarm').catch(() => undefined);
        await until(() => connection.isBlocked, 'connection.blocked');
        expect(seen[0]).toMatch(/^blocked:.*memory/i);
        const error = await limitedClosed;
        expect(error).toBeInstanceOf(BlockedConnectionTimeoutError);
        expect(limited.state).toBe('CLOSED');
      });
      await until(() => !connection.isBlocked, 'connection.unblocked');
      expect(seen).toEqual([seen[0], 'unblocked']);
      expect(connection.isOpen).toBe(true);
      await channel.queueDelete({ queue });
    } finally {
      await connection.close();
      await limited.close();
    }
  });
});
