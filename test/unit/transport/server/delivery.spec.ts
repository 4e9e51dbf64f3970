import { describe, it, expect } from '@jest/globals';
import { InvalidStateError, StaleDeliveryError } from '../../../../lib/protocol/errors.js';
import type { AmqpChannel } from '../../../../lib/transport/connection/connection-host.js';
import { ChannelLease, Delivery } from '../../../../lib/transport/consume/delivery.js';

/** The slice of a Channel a Delivery touches, recording what it was asked to send. */
function fakeChannel(channelNumber = 3) {
  const sent: string[] = [];
  const closeCallbacks: Array<() => void> = [];
  const channel = {
    channelNumber,
    isOpen: true,
    staleUpTo: 0,
    isStale(tag: number) {
      return tag <= channel.staleUpTo;
    },
    addOnCloseCallback: (cb: () => void) => closeCallbacks.push(cb),
    basicAck: (tag: number, multiple = false) => sent.push(multiple ? `ack ${tag} multiple` : `ack ${tag}`),
    basicNack: (tag: number, o: { requeue?: boolean }) => sent.push(`nack ${tag} requeue=${String(o.requeue)}`),
    basicReject: (tag: number, requeue: boolean) => sent.push(`reject ${tag} requeue=${String(requeue)}`),
  };
  const close = () => {
    channel.isOpen = false;
    closeCallbacks.forEach((cb) => cb());
  };
  const recover = (upTo: number) => {
    channel.staleUpTo = upTo;
  };
  return { channel: channel as unknown as AmqpChannel, sent, close, recover };
}

describe('Delivery', () => {
  it('acks once on its own channel and records the outcome', () => {
    const { channel, sent } = fakeChannel();
    const delivery = new Delivery(new ChannelLease(channel), 7);
    expect(delivery.state).toBe('pending');
    delivery.ack();
    expect(sent).toEqual(['ack 7']);
    expect(delivery.state).toBe('acked');
    expect(delivery.settled).toBe(true);
  });

  it('nack and reject default to no requeue unless asked', () => {
    const { channel, sent } = fakeChannel();
    const lease = new ChannelLease(channel);
    new Delivery(lease, 1).nack();
    new Delivery(lease, 2).nack(true);
    new Delivery(lease, 3).reject();
    new Delivery(lease, 4).reject(true);
    expect(sent).toEqual(['nack 1 requeue=false', 'nack 2 requeue=true', 'reject 3 requeue=false', 'reject 4 requeue=true']);
  });

  it('refuses a second settle with InvalidStateError and sends nothing more', () => {
    const { channel, sent } = fakeChannel();
    const delivery = new Delivery(new ChannelLease(channel), 5);
    delivery.ack();
    expect(() => delivery.nack()).toThrow(InvalidStateError);
    expect(() => delivery.ack()).toThrow(/already settled/);
    expect(sent).toEqual(['ack 5']);
  });

  it('after its channel closed, settling throws StaleDeliveryError and nothing reaches any channel', () => {
    const { channel, sent, close } = fakeChannel(9);
    const lease = new ChannelLease(channel);
    const delivery = new Delivery(lease, 11);
    expect(delivery.state).toBe('pending');
    close();
    expect(delivery.state).toBe('lost');
    expect(delivery.settled).toBe(true);
    let caught: unknown;
    try {
      delivery.ack();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StaleDeliveryError);
    expect((caught as StaleDeliveryError).deliveryTag).toBe(11);
    // Still lost, not settled by the failed attempt: a later call throws the same way.
    expect(() => delivery.nack()).toThrow(StaleDeliveryError);
    expect((caught as Error).message).toMatch(/channel 9 closed/);
    expect(sent).toEqual([]);
  });

  it('a lease ended by the server (even with the channel object still open) makes its deliveries stale', () => {
    const { channel, sent } = fakeChannel();
    const lease = new ChannelLease(channel);
    const delivery = new Delivery(lease, 2);
    lease.end();
    expect(() => delivery.reject()).toThrow(StaleDeliveryError);
    expect(sent).toEqual([]);
  });

  it('an auto-acked delivery (ack: none) is settled from the start and refuses manual settles', () => {
    const { channel, sent } = fakeChannel();
    const delivery = new Delivery(new ChannelLease(channel), 4, true);
    expect(delivery.state).toBe('auto');
    expect(() => delivery.ack()).toThrow(InvalidStateError);
    expect(sent).toEqual([]);
  });

  it('a delivery from before a recovery is lost even though the (recovered) channel is open again', () => {
    const { channel, sent, recover } = fakeChannel();
    const lease = new ChannelLease(channel);
    const old = new Delivery(lease, 3);
    recover(5);
    const fresh = new Delivery(lease, 6);
    expect(old.state).toBe('lost');
    expect(() => old.ack()).toThrow(StaleDeliveryError);
    fresh.ack();
    expect(sent).toEqual(['ack 6']);
  });

  it('acks gathered while others are unsettled go out once, as one multiple ack, after the queued promise jobs', async () => {
    const { channel, sent } = fakeChannel();
    const lease = new ChannelLease(channel);
    const deliveries = [1, 2, 3].map((tag) => new Delivery(lease, tag));
    for (const delivery of deliveries) delivery.ack();
    expect(sent).toEqual([]);
    expect(deliveries.map((d) => d.state)).toEqual(['acked', 'acked', 'acked']);
    await Promise.resolve();
    expect(sent).toEqual(['ack 3 multiple']);
  });

  it('never acks a delivery still being handled: a lower unsettled tag bounds the multiple ack', async () => {
    const { channel, sent } = fakeChannel();
    const lease = new ChannelLease(channel);
    const [one, two, three, four] = [1, 2, 3, 4].map((tag) => new Delivery(lease, tag));
    one?.ack();
    two?.nack();
    four?.ack();
    await new Promise((resolve) => setImmediate(resolve));
    // 3 is still running: 1 goes as a multiple ack (2 was nacked at once), 4 on its own.
    expect(sent).toEqual(['nack 2 requeue=false', 'ack 1 multiple', 'ack 4']);
    three?.ack();
    expect(sent).toEqual(['nack 2 requeue=false', 'ack 1 multiple', 'ack 4', 'ack 3']);
  });

  it('after a recovery, stale tags hold nothing back and a live manual delivery still bounds the multiple ack', async () => {
    const { channel, sent, recover } = fakeChannel();
    const lease = new ChannelLease(channel);
    // 1 and 2 are held by manual-ack handlers when the connection drops; the recovered channel's tags start after 2.
    const [one, two] = [1, 2].map((tag) => new Delivery(lease, tag));
    recover(2);
    const [held, four, five] = [3, 4, 5].map((tag) => new Delivery(lease, tag));
    four?.ack();
    five?.ack();
    await new Promise((resolve) => setImmediate(resolve));
    // 3 is held by a manual handler: no multiple ack may cover it.
    expect(sent).toEqual(['ack 4', 'ack 5']);
    held?.ack();
    expect(sent).toEqual(['ack 4', 'ack 5', 'ack 3']);
    const [six, seven, eight] = [6, 7, 8].map((tag) => new Delivery(lease, tag));
    six?.ack();
    seven?.ack();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['ack 4', 'ack 5', 'ack 3', 'ack 7 multiple']);
    eight?.nack();
    expect(sent).toEqual(['ack 4', 'ack 5', 'ack 3', 'ack 7 multiple', 'nack 8 requeue=false']);
    // The stale ones refuse to settle rather than ack whatever the new channel numbers 1 and 2.
    expect(() => one?.ack()).toThrow(StaleDeliveryError);
    expect(() => two?.nack()).toThrow(StaleDeliveryError);
    expect(sent).toHaveLength(5);
  });

  it('flush sends gathered acks at once (before a channel close); a dead lease sends nothing', () => {
    const { channel, sent, close } = fakeChannel();
    const lease = new ChannelLease(channel);
    new Delivery(lease, 1).ack();
    new Delivery(lease, 2);
    const gathered = new Delivery(lease, 3);
    gathered.ack();
    expect(sent).toEqual(['ack 1']);
    lease.flush();
    expect(sent).toEqual(['ack 1', 'ack 3']);
    const late = new Delivery(lease, 4);
    late.ack();
    close();
    lease.flush();
    expect(sent).toEqual(['ack 1', 'ack 3']);
  });
});
