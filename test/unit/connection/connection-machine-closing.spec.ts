/**
 * ConnectionMachine driven with scripted broker bytes: closes by the broker and by us, in each state,
 * and how each one ends.
 */
import { describe, it, expect } from '@jest/globals';
import { encodeMethodFrame } from '../../../lib/protocol/codec/index.js';
import {
  AuthenticationError,
  ConnectionClosedError,
  ConnectionLostError,
} from '../../../lib/protocol/errors.js';
import { PlainCredentials } from '../../../lib/protocol/parameters/index.js';
import { MachineHarness, START } from './machine-harness.js';

describe('closing', () => {
  it('turns a 403 close during START into AuthenticationError after answering close-ok', () => {
    const h = new MachineHarness({ credentials: new PlainCredentials('bob', 'wrong') });
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('connection.close', { replyCode: 403, replyText: 'ACCESS_REFUSED - Login was refused', classId: 0, methodId: 0 });
    expect(h.machine.state).toBe('CLOSED');
    expect(h.sentNames().pop()).toBe('connection.close-ok');
    const error = h.closedWith?.error as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.replyCode).toBe(403);
    expect(error.message).toContain('"bob"');
    expect(error.message).not.toContain('wrong');
  });

  it('turns a 530 close during TUNE into ConnectionClosedError naming the virtual host', () => {
    const h = new MachineHarness({ virtualHost: 'no-such-vhost' });
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('connection.tune', { channelMax: 0, frameMax: 0, heartbeat: 0 });
    h.broker('connection.close', { replyCode: 530, replyText: 'NOT_ALLOWED - vhost no-such-vhost not found', classId: 10, methodId: 40 });
    const error = h.closedWith?.error as ConnectionClosedError;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(error.replyCode).toBe(530);
    expect(error.initiator).toBe('broker');
    expect(error.message).toContain('"no-such-vhost"');
  });

  it('answers a broker close while OPEN with close-ok and ends with the broker reason', () => {
    const h = new MachineHarness();
    h.open();
    h.broker('connection.close', { replyCode: 320, replyText: 'CONNECTION_FORCED - bye', classId: 0, methodId: 0 });
    expect(h.sentNames().pop()).toBe('connection.close-ok');
    const error = h.closedWith?.error as ConnectionClosedError;
    expect(error.replyCode).toBe(320);
    expect(error.replyText).toBe('CONNECTION_FORCED - bye');
    expect(error.initiator).toBe('broker');
    expect(h.closedWith?.graceful).toBe(true);
  });

  it('closes cleanly on our request: CLOSING until close-ok, then CLOSED with no error', () => {
    const h = new MachineHarness();
    h.open();
    h.machine.close(200, 'Normal shutdown');
    expect(h.machine.state).toBe('CLOSING');
    expect(h.lastSent('connection.close')).toMatchObject({ replyCode: 200, replyText: 'Normal shutdown' });
    // Channel traffic after close is refused (false: the caller must not count it as written), and so are blocked notifications.
    h.clearWritten();
    expect(h.machine.send(encodeMethodFrame(1, 'basic.ack', { deliveryTag: 1 }))).toBe(false);
    expect(h.written).toHaveLength(0);
    h.broker('basic.deliver', {}, 1);
    expect(h.channelMethods).toHaveLength(0);
    h.broker('connection.close-ok', {});
    expect(h.machine.state).toBe('CLOSED');
    expect(h.closedWith).toEqual({ error: undefined, graceful: true });
    expect(h.machine.closeReason).toMatchObject({ replyCode: 200, initiator: 'client' });
  });

  it('answers crossing closes (ours then the broker\'s) with close-ok', () => {
    const h = new MachineHarness();
    h.open();
    h.machine.close(200, 'bye');
    h.broker('connection.close', { replyCode: 320, replyText: 'CONNECTION_FORCED', classId: 0, methodId: 0 });
    expect(h.sentNames().slice(-2)).toEqual(['connection.close', 'connection.close-ok']);
    expect(h.machine.state).toBe('CLOSED');
  });

  it('gives up waiting for close-ok after stack_timeout and ends as asked', () => {
    const h = new MachineHarness({ stackTimeout: 3 });
    h.open();
    h.machine.close(200, 'bye');
    h.advance(2999);
    expect(h.machine.state).toBe('CLOSING');
    h.advance(1);
    expect(h.machine.state).toBe('CLOSED');
    expect(h.closedWith).toEqual({ error: undefined, graceful: false });
  });

  it('abandons the bring-up on a local close before OPEN', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', START);
    h.machine.close(200, 'changed my mind');
    const error = h.closedWith?.error as ConnectionClosedError;
    expect(error.initiator).toBe('client');
    expect(error.message).toContain('START');
  });

  it('reports a socket lost after start-ok as a probable authentication failure', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', START);
    h.machine.socketLost(new ConnectionLostError('the broker closed the socket'));
    const error = h.closedWith?.error as ConnectionLostError;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error.message).toContain('probable authentication failure');
  });
});
