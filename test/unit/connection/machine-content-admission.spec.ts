/** The machine admits content only for a channel that is open: refused at the method frame, with 504. */
import { describe, expect, it } from '@jest/globals';
import { ConnectionStateError, UnknownChannelError } from '../../../lib/protocol/errors.js';
import { deliverFrame, headerFrame } from '../../support/content-frames.js';
import { MachineHarness } from './machine-harness.js';

describe('ConnectionMachine content admission', () => {
  it('content for a channel that is not open ends the connection at its method frame, with close 504', () => {
    const h = new MachineHarness();
    h.open();
    h.clearWritten();
    h.brokerBytes(deliverFrame(5));
    expect(h.machine.state).toBe('CLOSED');
    expect(h.closedWith?.error).toBeInstanceOf(UnknownChannelError);
    expect(h.closedWith?.error?.message).toBe('basic.deliver with content for channel 5, which is not open');
    expect(h.lastSent('connection.close')).toMatchObject({ replyCode: 504 });
  });

  it('content numbered above channel_max is refused naming channel_max', () => {
    const h = new MachineHarness();
    h.knownChannels.add(3000);
    h.open({ channelMax: 2047 });
    h.brokerBytes(deliverFrame(3000));
    expect(h.closedWith?.error).toBeInstanceOf(UnknownChannelError);
    expect(h.closedWith?.error?.message).toContain('above channel_max 2047');
  });

  it('content before OPEN is a state violation, refused before its header', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', { versionMajor: 0, versionMinor: 9, mechanisms: 'PLAIN', locales: 'en_US' });
    h.brokerBytes(deliverFrame(1));
    expect(h.closedWith?.error).toBeInstanceOf(ConnectionStateError);
    expect(h.lastSent('connection.close').replyCode).toBe(503);
  });

  it('while CLOSING, content streams past unstored and close-ok still ends the connection cleanly', () => {
    const h = new MachineHarness();
    h.open();
    h.machine.close(200, 'bye');
    h.brokerBytes(Buffer.concat([deliverFrame(1), headerFrame(1, 10)]));
    h.brokerBytes(Buffer.from([3, 0, 1, 0, 0, 0, 10, ...Buffer.alloc(10), 0xce]));
    h.broker('connection.close-ok', {});
    expect(h.channelContents).toEqual([]);
    expect(h.closedWith).toEqual({ error: undefined, graceful: true });
  });
});
