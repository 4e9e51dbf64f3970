import { describe, it, expect } from '@jest/globals';
import {
  transition,
  type ChannelEvent,
  type ChannelState,
} from '../../../lib/protocol/channel/channel-state.js';
import { ChannelStateError, InvalidStateError } from '../../../lib/protocol/errors.js';

const STATES: ChannelState[] = ['OPENING', 'OPEN', 'CLOSING', 'CLOSED'];
const EVENTS: ChannelEvent[] = ['open-ok', 'close', 'close-ok', 'broker-close', 'connection-lost'];

// The whole table, written out independently of the implementation: [state, event, next | null].
const EXPECTED: Array<[ChannelState, ChannelEvent, ChannelState | null]> = [
  ['OPENING', 'open-ok', 'OPEN'],
  ['OPENING', 'close', 'CLOSING'],
  ['OPENING', 'close-ok', null],
  ['OPENING', 'broker-close', 'CLOSED'],
  ['OPENING', 'connection-lost', 'CLOSED'],
  ['OPEN', 'open-ok', null],
  ['OPEN', 'close', 'CLOSING'],
  ['OPEN', 'close-ok', null],
  ['OPEN', 'broker-close', 'CLOSED'],
  ['OPEN', 'connection-lost', 'CLOSED'],
  ['CLOSING', 'open-ok', null],
  ['CLOSING', 'close', 'CLOSING'],
  ['CLOSING', 'close-ok', 'CLOSED'],
  ['CLOSING', 'broker-close', 'CLOSED'],
  ['CLOSING', 'connection-lost', 'CLOSED'],
  ['CLOSED', 'open-ok', null],
  ['CLOSED', 'close', 'CLOSED'],
  ['CLOSED', 'close-ok', null],
  ['CLOSED', 'broker-close', null],
  ['CLOSED', 'connection-lost', 'CLOSED'],
];

describe('channel state table', () => {
  it('covers every (state, event) pair', () => {
    expect(EXPECTED).toHaveLength(STATES.length * EVENTS.length);
  });

  it.each(EXPECTED)('%s + %s -> %s', (state, event, next) => {
    if (next === null) {
      let error: unknown;
      try {
        transition(7, state, event);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ChannelStateError);
      expect(error).toBeInstanceOf(InvalidStateError);
      const stateError = error as ChannelStateError;
      expect(stateError.state).toBe(state);
      expect(stateError.method).toBe(event);
      expect(stateError.channel).toBe(7);
      expect(stateError.message).toContain(event);
      expect(stateError.message).toContain(state);
    } else {
      expect(transition(7, state, event)).toBe(next);
    }
  });
});
