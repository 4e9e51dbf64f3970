/**
 * ConnectionMachine driven with scripted broker bytes: the bring-up to OPEN, the tune negotiation,
 * and update-secret on an open connection.
 */
import { describe, it, expect } from '@jest/globals';
import { encodeMethodFrame } from '../../../lib/protocol/codec/index.js';
import { FrameError, InvalidArgumentError } from '../../../lib/protocol/errors.js';
import { PlainCredentials } from '../../../lib/protocol/parameters/index.js';
import { MachineHarness, START } from './machine-harness.js';

describe('ConnectionMachine bring-up', () => {
  it('walks INIT -> PROTOCOL -> START -> TUNE -> OPEN writing header, start-ok, tune-ok + open', () => {
    const h = new MachineHarness({
      credentials: new PlainCredentials('alice', 's3cret'),
      virtualHost: 'orders',
      connectionName: 'billing-worker',
      locale: 'en_GB',
    });
    expect(h.machine.state).toBe('INIT');
    h.machine.connected();
    expect(h.machine.state).toBe('PROTOCOL');
    expect(h.sentNames()).toEqual(['protocol-header']);

    h.broker('connection.start', START);
    expect(h.machine.state).toBe('START');
    expect(h.machine.serverProperties).toEqual(START.serverProperties);
    const startOk = h.lastSent('connection.start-ok');
    expect(startOk.mechanism).toBe('PLAIN');
    expect(startOk.response).toBe('\0alice\0s3cret');
    expect(startOk.locale).toBe('en_GB');
    expect(startOk.clientProperties.connection_name).toBe('billing-worker');
    expect(startOk.clientProperties.product).toBe('nestjs-amqp-transport');
    expect(startOk.clientProperties.capabilities).toEqual({
      authentication_failure_close: true,
      'basic.nack': true,
      'connection.blocked': true,
      consumer_cancel_notify: true,
      exchange_exchange_bindings: true,
      publisher_confirms: true,
      per_consumer_qos: true,
    });

    h.broker('connection.tune', { channelMax: 2047, frameMax: 131072, heartbeat: 60 });
    expect(h.machine.state).toBe('TUNE');
    expect(h.sentNames().slice(-2)).toEqual(['connection.tune-ok', 'connection.open']);
    expect(h.lastSent('connection.tune-ok')).toEqual({ channelMax: 2047, frameMax: 131072, heartbeat: 60 });
    expect(h.lastSent('connection.open').virtualHost).toBe('orders');

    expect(h.events).toEqual([]);
    h.broker('connection.open-ok', {});
    expect(h.machine.state).toBe('OPEN');
    expect(h.events).toEqual(['opened']);
    expect([h.machine.channelMax, h.machine.frameMax, h.machine.heartbeat]).toEqual([2047, 131072, 60]);
  });

  it('reaches OPEN the same when the broker bytes arrive one byte at a time', () => {
    const h = new MachineHarness();
    h.machine.connected();
    const stream = Buffer.concat([
      encodeMethodFrame(0, 'connection.start', START),
      encodeMethodFrame(0, 'connection.tune', { channelMax: 0, frameMax: 0, heartbeat: 0 }),
      encodeMethodFrame(0, 'connection.open-ok', {}),
    ]);
    for (let i = 0; i < stream.length; i += 1) h.brokerBytes(stream.subarray(i, i + 1));
    expect(h.machine.state).toBe('OPEN');
    expect(h.sentNames()).toEqual([
      'protocol-header',
      'connection.start-ok',
      'connection.tune-ok',
      'connection.open',
    ]);
  });

  it('merges user client properties over the defaults, capabilities key by key', () => {
    const h = new MachineHarness({ clientProperties: { product: 'mine', capabilities: { extra: true } } });
    h.machine.connected();
    h.broker('connection.start', START);
    const props = h.lastSent('connection.start-ok').clientProperties;
    expect(props.product).toBe('mine');
    expect(props.capabilities).toMatchObject({ extra: true, publisher_confirms: true, 'connection.blocked': true });
  });

  it('fails with InvalidArgumentError when the broker offers no mechanism the credentials use', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', { ...START, mechanisms: 'EXTERNAL AMQPLAIN' });
    expect(h.machine.state).toBe('CLOSED');
    const error = h.closedWith?.error;
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error?.message).toContain('EXTERNAL AMQPLAIN');
    expect(h.sentNames()).not.toContain('connection.start-ok');
  });

  it('answers connection.secure with secure-ok and stays in START', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('connection.secure', { challenge: 'x' });
    expect(h.machine.state).toBe('START');
    expect(h.lastSent('connection.secure-ok').response).toBe('\0guest\0guest');
  });
});

describe('tune negotiation', () => {
  const cases: [string, { channelMax?: number; frameMax?: number; heartbeat?: number }, { channelMax: number; frameMax: number; heartbeat: number }, { channelMax: number; frameMax: number; heartbeat: number }][] = [
    ['smaller of both', { channelMax: 100, frameMax: 65536, heartbeat: 30 }, { channelMax: 2047, frameMax: 131072, heartbeat: 60 }, { channelMax: 100, frameMax: 65536, heartbeat: 30 }],
    ['broker smaller', {}, { channelMax: 2047, frameMax: 8192, heartbeat: 60 }, { channelMax: 2047, frameMax: 8192, heartbeat: 60 }],
    ['broker 0 = no limit (a heartbeat left to the broker falls back to 60)', { channelMax: 10 }, { channelMax: 0, frameMax: 0, heartbeat: 0 }, { channelMax: 10, frameMax: 131072, heartbeat: 60 }],
    ['our heartbeat wins over the broker\'s 0', { heartbeat: 5 }, { channelMax: 0, frameMax: 0, heartbeat: 0 }, { channelMax: 65535, frameMax: 131072, heartbeat: 5 }],
    ['heartbeat 0 turns it off', { heartbeat: 0 }, { channelMax: 0, frameMax: 0, heartbeat: 60 }, { channelMax: 65535, frameMax: 131072, heartbeat: 0 }],
    ['our heartbeat wins even when larger', { heartbeat: 120 }, { channelMax: 0, frameMax: 0, heartbeat: 60 }, { channelMax: 65535, frameMax: 131072, heartbeat: 120 }],
  ];

  it.each(cases)('%s', (_name, ours, broker, expected) => {
    const h = new MachineHarness(ours);
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('connection.tune', broker);
    expect(h.lastSent('connection.tune-ok')).toEqual(expected);
    expect(h.machine.frameMax).toBe(expected.frameMax);
  });

  it('gives a heartbeat function the owner and the broker value, and uses its answer', () => {
    const calls: [unknown, number][] = [];
    const h = new MachineHarness({
      heartbeat: (owner, brokerValue) => {
        calls.push([owner, brokerValue]);
        return brokerValue / 2;
      },
    });
    h.open({ heartbeat: 40 });
    expect(calls).toEqual([[{ owner: true }, 40]]);
    expect(h.machine.heartbeat).toBe(20);
  });

  it('refuses a heartbeat function returning a non-integer', () => {
    const h = new MachineHarness({ heartbeat: () => 1.5 });
    h.open();
    expect(h.closedWith?.error).toBeInstanceOf(InvalidArgumentError);
    expect(h.closedWith?.error?.message).toContain('heartbeat');
  });

  it('refuses a broker offering frame_max below 4096 with connection.close 501', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('connection.tune', { channelMax: 0, frameMax: 2048, heartbeat: 0 });
    const error = h.closedWith?.error;
    expect(error).toBeInstanceOf(FrameError);
    expect(error?.message).toContain('2048');
    expect(h.lastSent('connection.close').replyCode).toBe(501);
    expect(h.sentNames()).not.toContain('connection.tune-ok');
  });
});

describe('update-secret', () => {
  it('sends connection.update-secret and reports update-secret-ok', () => {
    const h = new MachineHarness();
    h.open();
    expect(h.machine.updateSecret('new-token', 'token refresh')).toBe(true);
    expect(h.lastSent('connection.update-secret')).toEqual({ newSecret: 'new-token', reason: 'token refresh' });
    h.broker('connection.update-secret-ok', {});
    expect(h.events).toEqual(['opened', 'secret-updated']);
  });

  it('refuses before OPEN', () => {
    const h = new MachineHarness();
    h.machine.connected();
    expect(h.machine.updateSecret('x', 'y')).toBe(false);
  });
});
