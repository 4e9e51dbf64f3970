/**
 * ConnectionMachine driven with scripted broker bytes: how it answers protocol errors (frame errors,
 * oversize bodies, illegal methods, unknown channels) and hands channel frames to the owner.
 */
import { describe, it, expect } from '@jest/globals';
import { encodeMethodFrame } from '../../../lib/protocol/codec/index.js';
import {
  BodyTooLargeError,
  ConnectionClosedError,
  ConnectionStateError,
  FrameError,
} from '../../../lib/protocol/errors.js';
import { MachineHarness, START } from './machine-harness.js';

describe('protocol errors', () => {
  it('answers a frame error from the parser with connection.close carrying its reply code, then dies with it', () => {
    const h = new MachineHarness();
    h.open();
    const bad = encodeMethodFrame(0, 'connection.blocked', { reason: 'x' });
    bad[bad.length - 1] = 0x00; // wrong frame-end octet
    h.brokerBytes(bad);
    const error = h.closedWith?.error as FrameError;
    expect(error).toBeInstanceOf(FrameError);
    expect(error.replyCode).toBe(501);
    expect(h.lastSent('connection.close').replyCode).toBe(501);
    expect(h.machine.state).toBe('CLOSED');
    expect(h.closedWith?.graceful).toBe(true);
  });

  it('skips a body over maxBodySize unbuffered, hands the channel the method and error, and stays open', () => {
    const h = new MachineHarness({ maxBodySize: 10 });
    h.open();
    h.brokerContent(1, 'basic.deliver', { consumerTag: 'c', deliveryTag: 1, exchange: '', routingKey: 'q' }, Buffer.alloc(11));
    h.brokerContent(1, 'basic.deliver', { consumerTag: 'c', deliveryTag: 2, exchange: '', routingKey: 'q' }, Buffer.from('fits'));
    expect(h.closedWith).toBeUndefined();
    expect(h.machine.state).toBe('OPEN');
    expect(h.channelOversize).toHaveLength(1);
    const { channel, method, error } = h.channelOversize[0]!;
    expect(channel).toBe(1);
    expect(method.name === 'basic.deliver' && method.args.deliveryTag).toBe(1);
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect([error.bodySize, error.maxBodySize]).toEqual([11, 10]);
    expect(h.channelContents.map((c) => c.body.toString())).toEqual(['fits']);
  });

  it('closes with 504 when an oversize body comes for a channel that does not exist', () => {
    const h = new MachineHarness({ maxBodySize: 10 });
    h.open();
    h.brokerContent(5, 'basic.deliver', { consumerTag: 'c', deliveryTag: 1, exchange: '', routingKey: 'q' }, Buffer.alloc(11));
    expect(h.lastSent('connection.close').replyCode).toBe(504);
    expect(h.channelOversize).toHaveLength(0);
  });

  it('answers an illegal (state, method) with close 503 naming both, then dies with ConnectionStateError', () => {
    const h = new MachineHarness();
    h.open();
    h.broker('connection.tune', { channelMax: 1, frameMax: 4096, heartbeat: 1 });
    expect(h.machine.state).toBe('CLOSING');
    const close = h.lastSent('connection.close');
    expect(close.replyCode).toBe(503);
    expect(close.replyText).toContain('connection.tune');
    expect(close.replyText).toContain('OPEN');
    expect([close.classId, close.methodId]).toEqual([10, 30]);
    h.broker('connection.close-ok', {});
    const error = h.closedWith?.error as ConnectionStateError;
    expect(error).toBeInstanceOf(ConnectionStateError);
    expect([error.method, error.state]).toEqual(['connection.tune', 'OPEN']);
  });

  it('refuses a channel frame before OPEN', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('channel.open-ok', {}, 1);
    expect(h.closedWith?.error).toBeInstanceOf(ConnectionStateError);
    expect(h.lastSent('connection.close').replyCode).toBe(504);
  });

  it('answers a frame for an unknown channel with connection.close 504 CHANNEL_ERROR', () => {
    const h = new MachineHarness();
    h.open();
    h.broker('channel.close-ok', {}, 7);
    const close = h.lastSent('connection.close');
    expect(close.replyCode).toBe(504);
    expect(close.replyText).toContain('channel 7');
    h.broker('connection.close-ok', {});
    expect((h.closedWith?.error as ConnectionClosedError).replyCode).toBe(504);
  });

  it('hands methods and content for known channels to the owner', () => {
    const h = new MachineHarness();
    h.open();
    h.broker('basic.qos-ok', {}, 1);
    h.brokerContent(1, 'basic.deliver', { consumerTag: 'c', deliveryTag: 5, exchange: '', routingKey: 'q' }, Buffer.from('hi'));
    expect(h.channelMethods.map((m) => m.method.name)).toEqual(['basic.qos-ok']);
    expect(h.channelContents[0]?.body.toString()).toBe('hi');
    expect(h.channelContents[0]?.method.name).toBe('basic.deliver');
  });
});
