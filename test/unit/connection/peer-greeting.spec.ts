/** A peer that is not an AMQP broker, or one that never greets: typed at once, or within handshake_timeout. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { PROTOCOL_HEADER, encodeMethodFrame } from '../../../lib/protocol/codec/index.js';
import { FrameError, NotAmqpPeerError, TimeoutError } from '../../../lib/protocol/errors.js';
import { greetingVerdict, printablePrefix } from '../../../lib/protocol/connection/peer-greeting.js';
import { MachineHarness } from './machine-harness.js';

describe('the peer is not an AMQP broker', () => {
  it.each([
    ['HTTP/1.1 400 Bad Request\r\n\r\n', 'HTTP/1.1 400'],
    ['SSH-2.0-OpenSSH_9.6\r\n', 'SSH-2.0-OpenS'.slice(0, 12)],
    ['220 mail.example ESMTP\r\n', '220 mail.exa'],
    ['-ERR unknown command\r\n', '-ERR unknown'],
    ['\x15\x03\x03\x00\x02\x02\x32', '\\x15\\x03\\x03\\x00\\x02\\x022'],
    ["it's\\x", "it\\x27s\\x5cx"],
  ])('%j -> NotAmqpPeerError quoting %s', (sent, quoted) => {
    const h = new MachineHarness({ host: 'web.example', port: 8080 });
    h.machine.connected();
    h.brokerBytes(Buffer.from(sent, 'latin1'));
    expect(h.machine.state).toBe('CLOSED');
    const error = h.closedWith?.error as NotAmqpPeerError;
    expect(error).toBeInstanceOf(NotAmqpPeerError);
    expect(error).toBeInstanceOf(FrameError);
    expect(error.code).toBe('ERR_AMQP_NOT_AMQP_PEER');
    expect(error.message).toBe(`the peer at web.example:8080 is not an AMQP 0-9-1 broker (it sent '${quoted}')`);
    expect(h.closedWith?.graceful).toBe(false);
    // nothing but our protocol header went to a peer that does not speak AMQP
    expect(Buffer.concat(h.written).equals(PROTOCOL_HEADER)).toBe(true);
  });

  it('decides on the first byte even when the peer trickles one byte at a time', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.brokerBytes(Buffer.from('H'));
    expect(h.closedWith?.error).toBeInstanceOf(NotAmqpPeerError);
  });

  it("a broker refusing our version (its own protocol header) is still told apart and named", () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.brokerBytes(Buffer.from('AMQP\x00\x01\x00\x00', 'latin1'));
    expect(h.closedWith?.error).not.toBeInstanceOf(NotAmqpPeerError);
    expect(h.closedWith?.error?.message).toContain('offered AMQP 1-0-0');
  });

  it('connection.start, one byte at a time, is an AMQP greeting', () => {
    const h = new MachineHarness();
    h.machine.connected();
    const start = encodeMethodFrame(0, 'connection.start', { versionMajor: 0, versionMinor: 9, mechanisms: 'PLAIN', locales: 'en_US' });
    for (const b of start) h.brokerBytes(Buffer.from([b]));
    expect(h.machine.state).toBe('START');
  });

  it('any first bytes other than 01 00 00 or "AMQP" are refused, never with another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (bytes) => {
        const b = Buffer.from(bytes);
        const h = new MachineHarness();
        h.machine.connected();
        h.brokerBytes(b);
        if (greetingVerdict(b) === 'other') expect(h.closedWith?.error).toBeInstanceOf(NotAmqpPeerError);
        expect(printablePrefix(b)).toMatch(/^[\x20-\x7e]*$/);
      }),
    );
  });
});

describe('handshake_timeout', () => {
  it('a peer that accepts and says nothing fails after handshake_timeout, long before stack_timeout', () => {
    const h = new MachineHarness({ host: 'silent.example', port: 5672, handshakeTimeout: 2, stackTimeout: 15 });
    h.machine.connected();
    h.advance(1999);
    expect(h.machine.state).toBe('PROTOCOL');
    h.advance(1);
    const error = h.closedWith?.error as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.code).toBe('ERR_AMQP_HANDSHAKE_TIMEOUT');
    expect(error.timeoutMs).toBe(2000);
    expect(error.message).toContain('silent.example:5672');
    expect(error.message).toContain('handshake_timeout 2 s');
  });

  it('defaults to 5 s and stops counting once connection.start arrived', () => {
    const h = new MachineHarness({ stackTimeout: 15 });
    h.machine.connected();
    h.advance(4000);
    h.broker('connection.start', { versionMajor: 0, versionMinor: 9, mechanisms: 'PLAIN', locales: 'en_US' });
    h.advance(6000);
    expect(h.machine.state).toBe('START');
    h.advance(5000);
    expect(h.closedWith?.error?.code).toBe('ERR_AMQP_STACK_TIMEOUT');
  });
});
