import { describe, it, expect } from '@jest/globals';
import { ChannelTable } from '../../../lib/protocol/connection/channel-table.js';
import { ConnectionWaiters } from '../../../lib/protocol/connection/connection-waiters.js';
import { buildClientProperties, negotiateInteger } from '../../../lib/protocol/connection/negotiation.js';
import { ConnectionLostError, InvalidArgumentError, InvalidStateError } from '../../../lib/protocol/errors.js';
import type { Channel } from '../../../lib/protocol/channel/channel.js';

const fakeChannel = (n: number) => ({ channelNumber: n }) as unknown as Channel;

describe('ChannelTable', () => {
  it('hands out the lowest free number, honours a requested one, and refuses when full', () => {
    const table = new ChannelTable();
    for (const n of [1, 2, 3]) table.set(table.allocate(undefined, 3), fakeChannel(n));
    expect(() => table.allocate(undefined, 3)).toThrow(InvalidStateError);
    table.release(2);
    expect(table.allocate(undefined, 3)).toBe(2);
    expect(() => table.allocate(1, 3)).toThrow(InvalidArgumentError);
    expect(() => table.allocate(0, 3)).toThrow(InvalidArgumentError);
    expect(() => table.allocate(4, 3)).toThrow(InvalidArgumentError);
    expect(table.takeAll().map((c) => c.channelNumber)).toEqual([1, 3]);
    expect(table.get(1)).toBeUndefined();
  });
});

describe('ConnectionWaiters', () => {
  it('settles every kind of waiter, and answers later callers at once', async () => {
    const w = new ConnectionWaiters();
    const closed = w.closed();
    const secret = w.secret();
    const drain = w.drain();
    const loop = w.loop();
    const error = new ConnectionLostError('gone');
    w.settle(error, error);
    await expect(closed).resolves.toBeUndefined();
    await expect(secret).rejects.toBe(error);
    await expect(drain).rejects.toBe(error);
    await expect(loop).rejects.toBe(error);
    await expect(w.closed()).resolves.toBeUndefined();
    await expect(w.loop()).rejects.toBe(error);
  });

  it('resolves secrets in order and the loop on a clean close', async () => {
    const w = new ConnectionWaiters();
    const order: number[] = [];
    const a = w.secret().then(() => order.push(1));
    const b = w.secret().then(() => order.push(2));
    w.secretUpdated();
    w.secretUpdated();
    await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
    const loop = w.loop();
    w.settle(new ConnectionLostError('unused'), undefined);
    await expect(loop).resolves.toBeUndefined();
  });
});

describe('negotiation helpers', () => {
  it('negotiates integers as pika: smaller non-zero, 0 on one side yields the other', () => {
    expect(negotiateInteger(10, 20)).toBe(10);
    expect(negotiateInteger(0, 20)).toBe(20);
    expect(negotiateInteger(10, 0)).toBe(10);
    expect(negotiateInteger(0, 0)).toBe(0);
  });

  it('puts connection_name last so it wins over a user table', () => {
    const props = buildClientProperties({ connection_name: 'from-table', app: 'x' }, 'from-option');
    expect(props.connection_name).toBe('from-option');
    expect(props.app).toBe('x');
    expect(buildClientProperties(undefined, undefined).connection_name).toBeUndefined();
  });
});
