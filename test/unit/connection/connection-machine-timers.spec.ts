/**
 * ConnectionMachine on a hand-advanced clock: the bring-up deadline, heartbeats both ways, and the
 * blocked-connection timeout.
 */
import { describe, it, expect } from '@jest/globals';
import { encodeMethodFrame } from '../../../lib/protocol/codec/index.js';
import {
  BlockedConnectionTimeoutError,
  HeartbeatTimeoutError,
  TimeoutError,
} from '../../../lib/protocol/errors.js';
import { MachineHarness, START } from './machine-harness.js';

describe('timers', () => {
  it('ends a stalled bring-up with TimeoutError at stack_timeout, not before', () => {
    const h = new MachineHarness({ stackTimeout: 5 });
    h.machine.connected();
    h.broker('connection.start', START);
    expect(h.machine.nextDeadline()).toBe(h.now + 5000);
    h.advance(4999);
    expect(h.machine.state).toBe('START');
    h.advance(1);
    const error = h.closedWith?.error as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.code).toBe('ERR_AMQP_STACK_TIMEOUT');
    expect(error.timeoutMs).toBe(5000);
    expect(h.closedWith?.graceful).toBe(false);
  });

  it('clears the stack deadline once OPEN', () => {
    // write_timeout off too: its checks are periodic while the socket is up.
    const h = new MachineHarness({ stackTimeout: 5, heartbeat: 0, writeTimeout: 0 });
    h.open();
    expect(h.machine.nextDeadline()).toBeUndefined();
    h.advance(60_000);
    expect(h.machine.state).toBe('OPEN');
  });

  it('sends a heartbeat after heartbeat/2 s with nothing sent, not while traffic flows', () => {
    const h = new MachineHarness({ heartbeat: 10 });
    h.open();
    h.clearWritten();
    h.advance(4999);
    expect(h.written).toHaveLength(0);
    // Something sent during the period: no heartbeat needed at its end.
    h.machine.send(encodeMethodFrame(1, 'basic.ack', { deliveryTag: 1 }));
    h.brokerBytes(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]));
    h.advance(1);
    expect(h.sentNames()).toEqual(['basic.ack']);
    h.brokerBytes(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]));
    h.advance(5000);
    expect(h.sentNames()).toEqual(['basic.ack', 'heartbeat']);
    expect(h.machine.state).toBe('OPEN');
  });

  it('declares the broker dead after 2 x heartbeat without a byte, and not while bytes arrive', () => {
    const h = new MachineHarness({ heartbeat: 10 });
    h.open();
    // The broker's heartbeats keep it alive for a minute.
    for (let i = 0; i < 12; i += 1) {
      h.advance(5000);
      h.brokerBytes(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]));
    }
    expect(h.machine.state).toBe('OPEN');
    h.advance(19_999);
    expect(h.machine.state).toBe('OPEN');
    h.advance(5001);
    const error = h.closedWith?.error as HeartbeatTimeoutError;
    expect(error).toBeInstanceOf(HeartbeatTimeoutError);
    expect(error.code).toBe('ERR_AMQP_HEARTBEAT_TIMEOUT');
    expect(h.closedWith?.graceful).toBe(false);
  });

  it('reports blocked and unblocked, and tears down after blocked_connection_timeout', () => {
    const h = new MachineHarness({ blockedConnectionTimeout: 30 });
    h.open();
    h.broker('connection.blocked', { reason: 'low on memory' });
    expect(h.machine.isBlocked).toBe(true);
    h.advance(20_000);
    h.broker('connection.unblocked', {});
    expect(h.machine.isBlocked).toBe(false);
    h.advance(60_000);
    expect(h.machine.state).toBe('OPEN');
    h.broker('connection.blocked', { reason: 'low on disk' });
    h.advance(29_999);
    expect(h.machine.state).toBe('OPEN');
    h.advance(1);
    expect(h.events).toEqual(['opened', 'blocked:low on memory', 'unblocked', 'blocked:low on disk', 'closed']);
    expect(h.closedWith?.error).toBeInstanceOf(BlockedConnectionTimeoutError);
  });
});
