/**
 * DirectReplyRpc against a scripted channel (no broker): reply routing by correlation id, the
 * consumer started before the first publish, timeouts (refreshed by streamed replies), returns,
 * and everything pending failed at once when the channel goes.
 */
import { describe, it, expect, jest, afterEach } from '@jest/globals';
import {
  ChannelClosedError,
  ConnectionClosedError,
  MessageReturnedError,
  RequestTimeoutError,
  type BasicProperties,
} from '../../../../lib/protocol/index.js';
import type { AmqpConnectionHost } from '../../../../lib/transport/connection/connection-host.js';
import { DIRECT_REPLY_QUEUE, DirectReplyRpc, type RpcCall } from '../../../../lib/transport/publish/direct-reply-rpc.js';

type Delivery = (channel: unknown, method: unknown, properties: BasicProperties, body: Buffer) => void;

/** A channel that records what the code under test does and lets the test play the broker. */
class ScriptedChannel {
  readonly log: string[] = [];
  readonly published: Array<{ exchange: string; routingKey: string; properties: BasicProperties; mandatory: boolean }> = [];
  isOpen = true;
  state = 'OPEN';
  channelNumber = 7;
  publishResult: Promise<void> = Promise.resolve();
  private deliver: Delivery | undefined;
  private onClose: ((channel: unknown, error: unknown) => void) | undefined;
  private onReturn: ((channel: unknown, method: unknown, properties: BasicProperties, body: Buffer) => void) | undefined;

  basicConsume(queue: string, onMessage: Delivery, options: { autoAck?: boolean }): Promise<string> {
    this.log.push(`consume ${queue} autoAck=${String(options.autoAck)}`);
    this.deliver = onMessage;
    return Promise.resolve('ctag');
  }
  basicPublish(exchange: string, routingKey: string, _body: Buffer, properties: BasicProperties, o: { mandatory: boolean }): Promise<void> {
    this.log.push(`publish ${routingKey}`);
    this.published.push({ exchange, routingKey, properties, mandatory: o.mandatory });
    return this.publishResult;
  }
  addOnCloseCallback(cb: (channel: unknown, error: unknown) => void): void {
    this.onClose = cb;
  }
  addOnReturnCallback(cb: (channel: unknown, method: unknown, properties: BasicProperties, body: Buffer) => void): void {
    this.onReturn = cb;
  }
  close(): Promise<void> {
    this.isOpen = false;
    this.state = 'CLOSED';
    this.onClose?.(this, undefined);
    return Promise.resolve();
  }
  // the broker's side
  reply(correlationId: string, body: string): void {
    this.deliver?.(this, {}, { correlationId }, Buffer.from(body));
  }
  returnMessage(correlationId: string): void {
    this.onReturn?.(this, { replyCode: 312, replyText: 'NO_ROUTE', exchange: 'ex', routingKey: 'rk' }, { correlationId }, Buffer.alloc(0));
  }
  die(error: unknown): void {
    this.isOpen = false;
    this.state = 'CLOSED';
    this.onClose?.(this, error);
  }
}

async function open(): Promise<{ rpc: DirectReplyRpc; channel: ScriptedChannel }> {
  const channel = new ScriptedChannel();
  const host = { channel: () => Promise.resolve(channel) } as unknown as AmqpConnectionHost;
  return { rpc: await DirectReplyRpc.open(host), channel };
}

/** A call that records what happened to it; completes on a reply whose body is 'last'. */
function recorder(): RpcCall & { replies: string[]; errors: unknown[] } {
  const replies: string[] = [];
  const errors: unknown[] = [];
  return {
    replies,
    errors,
    onReply: (_properties, body) => {
      replies.push(body.toString());
      return body.toString() === 'last';
    },
    onError: (error) => void errors.push(error),
  };
}

const request = { exchange: '', routingKey: 'q', body: Buffer.from('{}'), properties: {}, timeoutMs: 1000, label: 'sum' };

describe('DirectReplyRpc', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('consumes the reply queue with autoAck before the first publish', async () => {
    const { rpc, channel } = await open();
    rpc.request(rpc.nextId(), request, recorder());
    expect(channel.log).toEqual([`consume ${DIRECT_REPLY_QUEUE} autoAck=true`, 'publish q']);
  });

  it('sets replyTo and correlationId, publishes mandatory by default, and routes replies by correlation id', async () => {
    const { rpc, channel } = await open();
    const a = recorder();
    const b = recorder();
    const idA = rpc.nextId();
    const idB = rpc.nextId();
    expect(idA).not.toBe(idB);
    rpc.request(idA, request, a);
    rpc.request(idB, { ...request, mandatory: false }, b);
    expect(channel.published[0]?.properties).toEqual({ replyTo: DIRECT_REPLY_QUEUE, correlationId: idA });
    expect(channel.published.map((p) => p.mandatory)).toEqual([true, false]);
    channel.reply(idB, 'last');
    channel.reply(idA, 'last');
    expect(a.replies).toEqual(['last']);
    expect(b.replies).toEqual(['last']);
    expect(rpc.pendingCount).toBe(0);
  });

  it("carries the request's own properties beside replyTo and correlationId, and leaves the caller's object as it was", async () => {
    const { rpc, channel } = await open();
    const properties = { contentType: 'application/json', deliveryMode: 2, headers: { tenant: 'a' }, replyTo: 'elsewhere' };
    const id = rpc.nextId();
    rpc.request(id, { ...request, properties }, recorder());
    expect(channel.published[0]?.properties).toEqual({
      contentType: 'application/json',
      deliveryMode: 2,
      headers: { tenant: 'a' },
      replyTo: DIRECT_REPLY_QUEUE,
      correlationId: id,
    });
    expect(properties).toEqual({ contentType: 'application/json', deliveryMode: 2, headers: { tenant: 'a' }, replyTo: 'elsewhere' });
  });

  it('keeps a streamed call open until its last reply, and ignores replies nobody waits for', async () => {
    const { rpc, channel } = await open();
    const call = recorder();
    const id = rpc.nextId();
    rpc.request(id, request, call);
    channel.reply(id, 'one');
    channel.reply(id, 'two');
    expect(rpc.pendingCount).toBe(1);
    channel.reply(id, 'last');
    channel.reply(id, 'late');
    channel.reply('unknown-id', 'stray');
    expect(call.replies).toEqual(['one', 'two', 'last']);
    expect(rpc.pendingCount).toBe(0);
  });

  it('times a silent call out, and a streamed reply restarts the clock', async () => {
    jest.useFakeTimers();
    const { rpc, channel } = await open();
    const call = recorder();
    const id = rpc.nextId();
    rpc.request(id, request, call);
    jest.advanceTimersByTime(900);
    channel.reply(id, 'one');
    jest.advanceTimersByTime(900);
    expect(call.errors).toEqual([]);
    jest.advanceTimersByTime(100);
    expect(call.errors).toHaveLength(1);
    const error = call.errors[0] as RequestTimeoutError;
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.pattern).toBe('sum');
    expect(error.correlationId).toBe(id);
    expect(rpc.pendingCount).toBe(0);
  });

  it('fails a call the broker returned as unroutable', async () => {
    const { rpc, channel } = await open();
    const call = recorder();
    const id = rpc.nextId();
    rpc.request(id, request, call);
    channel.returnMessage(id);
    expect(call.errors[0]).toBeInstanceOf(MessageReturnedError);
    expect((call.errors[0] as MessageReturnedError).replyCode).toBe(312);
  });

  it('fails a call whose publish is refused', async () => {
    const { rpc, channel } = await open();
    const refused = new ConnectionClosedError({ replyCode: 320, replyText: 'gone', initiator: 'broker' });
    channel.publishResult = Promise.reject(refused);
    const call = recorder();
    rpc.request(rpc.nextId(), request, call);
    await Promise.resolve();
    await Promise.resolve();
    expect(call.errors).toEqual([refused]);
  });

  it('fails every pending call at once with the cause when the channel dies, and refuses new ones', async () => {
    const { rpc, channel } = await open();
    const calls = [recorder(), recorder(), recorder()];
    for (const call of calls) rpc.request(rpc.nextId(), request, call);
    const cause = new ChannelClosedError(7, { replyCode: 406, replyText: 'PRECONDITION_FAILED', initiator: 'broker' });
    channel.die(cause);
    for (const call of calls) expect(call.errors).toEqual([cause]);
    expect(rpc.isClosed).toBe(true);
    const late = recorder();
    rpc.request(rpc.nextId(), request, late);
    expect(late.errors).toEqual([cause]);
  });

  it('abandons a call without reporting it, and keeps serving the others when a callback throws', async () => {
    const { rpc, channel } = await open();
    const abandoned = recorder();
    const cancel = rpc.request(rpc.nextId(), request, abandoned);
    cancel();
    expect(rpc.pendingCount).toBe(0);
    const throwing: RpcCall = {
      onReply: () => {
        throw new Error('handler bug');
      },
      onError: () => {
        throw new Error('error handler bug too');
      },
    };
    const fine = recorder();
    const idThrowing = rpc.nextId();
    const idFine = rpc.nextId();
    rpc.request(idThrowing, request, throwing);
    rpc.request(idFine, request, fine);
    channel.reply(idThrowing, 'x');
    channel.reply(idFine, 'last');
    expect(fine.replies).toEqual(['last']);
    expect(abandoned.errors).toEqual([]);
    expect(rpc.pendingCount).toBe(0);
  });
});
