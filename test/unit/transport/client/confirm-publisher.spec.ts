/**
 * ConfirmPublisher against a scripted channel (no broker): confirm mode before the first publish,
 * publishes through publishWithRetry, a returned mandatory message rejects, the channel is reopened
 * after it closed, and a closed publisher refuses with a typed error.
 */
import { describe, it, expect } from '@jest/globals';
import { InvalidStateError, MessageReturnedError, type BasicProperties } from '../../../../lib/protocol/index.js';
import { ConfirmPublisher } from '../../../../lib/transport/publish/confirm-publisher.js';
import type { AmqpConnectionHost } from '../../../../lib/transport/connection/connection-host.js';

type ReturnCallback = (channel: unknown, method: unknown, properties: BasicProperties, body: Buffer) => void;

class ScriptedChannel {
  readonly log: string[] = [];
  readonly published: BasicProperties[] = [];
  isOpen = true;
  /** When set, the broker "returns" the next mandatory publish before confirming it. */
  returnNext = false;
  private onReturn: ReturnCallback | undefined;
  private onClose: (() => void) | undefined;

  constructor(readonly id: number) {}

  confirmDelivery(): Promise<void> {
    this.log.push('confirm.select');
    return Promise.resolve();
  }
  publishWithRetry(exchange: string, routingKey: string, _body: Buffer, properties: BasicProperties, o?: { mandatory?: boolean }): Promise<void> {
    this.log.push(`publish ${exchange}/${routingKey} mandatory=${String(o?.mandatory === true)} id=${properties.messageId ?? '-'}`);
    this.published.push(properties);
    if (o?.mandatory === true && this.returnNext) {
      this.returnNext = false;
      // basic.return arrives before the basic.ack of the same message
      this.onReturn?.(this, { replyCode: 312, replyText: 'NO_ROUTE', exchange, routingKey }, properties, Buffer.alloc(0));
    }
    return Promise.resolve();
  }
  addOnReturnCallback(cb: ReturnCallback): void {
    this.onReturn = cb;
  }
  addOnCloseCallback(cb: () => void): void {
    this.onClose = cb;
  }
  close(): Promise<void> {
    this.isOpen = false;
    this.onClose?.();
    return Promise.resolve();
  }
}

function setup(): { publisher: ConfirmPublisher; channels: ScriptedChannel[] } {
  const channels: ScriptedChannel[] = [];
  const host = {
    channel: () => {
      const channel = new ScriptedChannel(channels.length + 1);
      channels.push(channel);
      return Promise.resolve(channel);
    },
    whenReady: () => Promise.resolve(),
    waitOutOutage: () => Promise.resolve(),
  } as unknown as AmqpConnectionHost;
  return { publisher: new ConfirmPublisher(host), channels };
}

describe('ConfirmPublisher', () => {
  it('puts its channel in confirm mode once, before the first publish, and reuses it', async () => {
    const { publisher, channels } = setup();
    await publisher.publish('ex', 'a', Buffer.from('1'), {});
    await publisher.publish('ex', 'b', Buffer.from('2'), { messageId: 'm2' });
    expect(channels).toHaveLength(1);
    expect(channels[0]?.log).toEqual(['confirm.select', 'publish ex/a mandatory=false id=-', 'publish ex/b mandatory=false id=m2']);
  });

  it('rejects a mandatory publish the broker returned, matching it by a generated message id', async () => {
    const { publisher, channels } = setup();
    await publisher.publish('ex', 'warm', Buffer.from('0'), {});
    const channel = channels[0]!;
    channel.returnNext = true;
    const error = await publisher.publish('ex', 'nowhere', Buffer.from('1'), {}, true).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MessageReturnedError);
    expect((error as MessageReturnedError).routingKey).toBe('nowhere');
    expect(channel.log[2]).toMatch(/^publish ex\/nowhere mandatory=true id=[0-9a-f-]{36}$/);
    // the next mandatory publish is routed: it resolves
    await expect(publisher.publish('ex', 'somewhere', Buffer.from('2'), { messageId: 'own-id' }, true)).resolves.toBeUndefined();
  });

  it("gives a mandatory publish a message id beside its other properties, leaving the caller's object as it was", async () => {
    const { publisher, channels } = setup();
    const properties: BasicProperties = { contentType: 'application/json', deliveryMode: 2, headers: { tenant: 'a' } };
    await publisher.publish('', 'q', Buffer.from('1'), properties, true);
    const sent = channels[0]?.published[0];
    expect(sent).toEqual({ ...properties, messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(properties).toEqual({ contentType: 'application/json', deliveryMode: 2, headers: { tenant: 'a' } });
  });

  it('is mandatory by default straight to a queue, not through a named exchange; an explicit flag wins', async () => {
    const { publisher, channels } = setup();
    await publisher.publish('', 'q', Buffer.from('1'), { messageId: 'a' });
    await publisher.publish('ex', 'k', Buffer.from('2'), { messageId: 'b' });
    await publisher.publish('', 'q', Buffer.from('3'), { messageId: 'c' }, false);
    await publisher.publish('ex', 'k', Buffer.from('4'), { messageId: 'd' }, true);
    expect(channels[0]?.log.slice(1)).toEqual([
      'publish /q mandatory=true id=a',
      'publish ex/k mandatory=false id=b',
      'publish /q mandatory=false id=c',
      'publish ex/k mandatory=true id=d',
    ]);
  });

  it('opens a new channel after the old one closed', async () => {
    const { publisher, channels } = setup();
    await publisher.publish('ex', 'a', Buffer.from('1'), {});
    await channels[0]!.close();
    await publisher.publish('ex', 'b', Buffer.from('2'), {});
    expect(channels).toHaveLength(2);
    expect(channels[1]?.log).toEqual(['confirm.select', 'publish ex/b mandatory=false id=-']);
  });

  it('refuses to publish once closed, with a typed error', async () => {
    const { publisher, channels } = setup();
    await publisher.publish('ex', 'a', Buffer.from('1'), {});
    await publisher.close();
    expect(channels[0]?.isOpen).toBe(false);
    await expect(publisher.publish('ex', 'b', Buffer.from('2'), {})).rejects.toBeInstanceOf(InvalidStateError);
  });
});
