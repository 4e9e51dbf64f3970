/**
 * What a Connection gives its ConnectionMachine: its own write and lifecycle handlers, users'
 * blocked/unblocked callbacks, the update-secret waiters, and the routing of channel frames to their
 * channels, which is the inbound hot path (a plain try/catch, no closure per frame).
 */
import type { EventEmitter } from 'node:events';
import type { ChannelTable } from './channel-table.js';
import type { ConnectionCallbackSet } from './connection-callbacks.js';
import type { ConnectionMachineHooks } from './connection-machine-hooks.js';
import type { ConnectionWaiters } from './connection-waiters.js';
import { reportUserError } from './report-error.js';
import { diagnostics } from '../diagnostics.js';

/** The parts of a Connection the hooks reach. */
export interface HookedParts {
  /** The public Connection: named in diagnostics, and where users' exceptions are emitted. */
  connection: EventEmitter;
  channels: ChannelTable;
  waiters: ConnectionWaiters;
  callbacks: Pick<ConnectionCallbackSet<EventEmitter>, 'runBlocked' | 'runUnblocked'>;
}

export function machineHooks(
  { connection, channels, waiters, callbacks }: HookedParts,
  own: Pick<ConnectionMachineHooks, 'write' | 'opened' | 'closed' | 'deadlinesChanged' | 'outboundProgress'>,
): ConnectionMachineHooks {
  return {
    ...own,
    blocked: (reason) => {
      if (diagnostics.connectionBlocked.hasSubscribers) diagnostics.connectionBlocked.publish({ connection, reason });
      callbacks.runBlocked(reason);
    },
    unblocked: () => {
      if (diagnostics.connectionUnblocked.hasSubscribers) diagnostics.connectionUnblocked.publish({ connection });
      callbacks.runUnblocked();
    },
    secretUpdated: () => waiters.secretUpdated(),
    hasChannel: (n) => channels.get(n) !== undefined,
    channelMethod: (n, method) => {
      const channel = channels.get(n);
      if (channel === undefined) return false;
      try {
        channel.handleMethod(method);
      } catch (error) {
        reportUserError(connection, error, `channel ${n}`);
      }
      return true;
    },
    channelContent: (n, method, properties, body) => {
      const channel = channels.get(n);
      if (channel === undefined) return false;
      try {
        channel.handleContent(method, properties, body);
      } catch (error) {
        reportUserError(connection, error, `channel ${n}`);
      }
      return true;
    },
    channelOversizeContent: (n, method, properties, tooLarge) => {
      const channel = channels.get(n);
      if (channel === undefined) return false;
      try {
        channel.handleOversizeContent(method, properties, tooLarge);
      } catch (error) {
        reportUserError(connection, error, `channel ${n}`);
      }
      return true;
    },
  };
}
