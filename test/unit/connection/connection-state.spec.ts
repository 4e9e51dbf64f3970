import { describe, it, expect } from '@jest/globals';
import {
  CONNECTION_TRANSITIONS,
  nextConnectionState,
  type ConnectionState,
} from '../../../lib/protocol/connection/connection-state.js';
import { ConnectionStateError } from '../../../lib/protocol/errors.js';

const STATES: ConnectionState[] = ['CLOSED', 'INIT', 'PROTOCOL', 'START', 'TUNE', 'OPEN', 'CLOSING'];
const EVENTS = [
  'socket-connected',
  'close-requested',
  'connection.start',
  'connection.secure',
  'connection.tune',
  'connection.open-ok',
  'connection.close',
  'connection.close-ok',
  'connection.blocked',
  'connection.unblocked',
  'connection.update-secret-ok',
];

describe('connection transition table', () => {
  it('follows the bring-up and close paths', () => {
    const path: [string, ConnectionState][] = [
      ['socket-connected', 'PROTOCOL'],
      ['connection.start', 'START'],
      ['connection.tune', 'TUNE'],
      ['connection.open-ok', 'OPEN'],
      ['close-requested', 'CLOSING'],
      ['connection.close-ok', 'CLOSED'],
    ];
    let state: ConnectionState = 'INIT';
    for (const [event, expected] of path) {
      state = nextConnectionState(state, event);
      expect(state).toBe(expected);
    }
  });

  it('has exactly the documented legal pairs; every other pair throws naming event and state', () => {
    const legal: string[] = [];
    for (const state of STATES) {
      for (const event of EVENTS) {
        let next: ConnectionState | undefined;
        try {
          next = nextConnectionState(state, event);
        } catch (error) {
          expect(error).toBeInstanceOf(ConnectionStateError);
          expect((error as ConnectionStateError).state).toBe(state);
          expect((error as ConnectionStateError).method).toBe(event);
          expect((error as Error).message).toContain(event);
          expect((error as Error).message).toContain(state);
          continue;
        }
        legal.push(`${state} + ${event} -> ${next}`);
      }
    }
    expect(legal).toEqual([
      'INIT + socket-connected -> PROTOCOL',
      'PROTOCOL + connection.start -> START',
      'START + connection.secure -> START',
      'START + connection.tune -> TUNE',
      'START + connection.close -> CLOSED',
      'TUNE + connection.open-ok -> OPEN',
      'TUNE + connection.close -> CLOSED',
      'OPEN + close-requested -> CLOSING',
      'OPEN + connection.close -> CLOSED',
      'OPEN + connection.blocked -> OPEN',
      'OPEN + connection.unblocked -> OPEN',
      'OPEN + connection.update-secret-ok -> OPEN',
      'CLOSING + connection.close -> CLOSED',
      'CLOSING + connection.close-ok -> CLOSED',
      'CLOSING + connection.blocked -> CLOSING',
      'CLOSING + connection.unblocked -> CLOSING',
      'CLOSING + connection.update-secret-ok -> CLOSING',
    ]);
    expect(Object.keys(CONNECTION_TRANSITIONS).sort()).toEqual([...STATES].sort());
  });
});
