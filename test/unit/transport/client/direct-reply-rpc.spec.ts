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
import { PUBLISH_WRITTEN } from '../../../../lib/protocol/channel/publish-written.js';
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
  withdrawPublish(): boolean {
    return false;
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

  it('a publish the socket took (one shared fulfilled promise, as the engine returns) fails nothing; a refused one after it still fails its call', async () => {
    const { rpc, channel } = await open();
    channel.publishResult = PUBLISH_WRITTEN;
    const calls = [recorder(), recorder()];
    for (const call of calls) {
      rpc.request(rpc.nextId(), request, call);
      await Promise.resolve();
      await Promise.resolve();
    }
    const refused = new ConnectionClosedError({ replyCode: 320, replyText: 'gone', initiator: 'broker' });
    channel.publishResult = Promise.reject(refused);
    const failing = recorder();
    rpc.request(rpc.nextId(), request, failing);
    await Promise.resolve();
    await Promise.resolve();
    expect(calls.map((call) => call.errors)).toEqual([[], []]);
    expect(failing.errors).toEqual([refused]);
    expect(rpc.pendingCount).toBe(2);
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

describe('correlation ids no one can guess', () => {
  /** What a producer would try after seeing one id: its neighbours under a prefix+counter scheme, and near copies. */
  function guessesFrom(seen: string): string[] {
    const guesses: string[] = [];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < seen.length; i++) {
      for (const c of alphabet) if (c !== seen[i]) guesses.push(seen.slice(0, i) + c + seen.slice(i + 1));
    }
    const dot = seen.lastIndexOf('.');
    if (dot >= 0) for (let n = 1; n < 100; n++) guesses.push(seen.slice(0, dot + 1) + n.toString(36));
    return guesses;
  }

  it('a forged reply with a guessed correlation id is ignored; the real reply still arrives', async () => {
    const { rpc, channel } = await open();
    const observed = rpc.nextId();
    rpc.request(observed, request, recorder());
    channel.reply(observed, 'last');
    const call = recorder();
    const real = rpc.nextId();
    rpc.request(real, request, call);
    const guesses = guessesFrom(observed);
    for (const guess of guesses) channel.reply(guess, 'forged');
    expect(call.replies).toEqual([]);
    expect(rpc.pendingCount).toBe(1);
    channel.reply(real, 'last');
    expect(call.replies).toEqual(['last']);
    console.log(`forged replies: ${guesses.length} guesses from one observed id, 0 accepted`);
  });

  it('ids of consecutive calls share no predictable structure (128 random bits each)', async () => {
    const { rpc } = await open();
    const ids = Array.from({ length: 20_000 }, () => rpc.nextId());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !/^[A-Za-z0-9_-]{22}$/.test(id))).toEqual([]);
    let sharedPrefix = 0;
    let sameAtPosition = 0;
    for (let i = 1; i < ids.length; i++) {
      const [a, b] = [ids[i - 1] as string, ids[i] as string];
      let k = 0;
      while (k < a.length && a[k] === b[k]) k++;
      if (k >= 3) sharedPrefix += 1;
      for (let j = 0; j < 21; j++) if (a[j] === b[j]) sameAtPosition += 1;
    }
    // By chance: a 3-character shared prefix once in 262,144 pairs; a given character equal once in 64.
    expect(sharedPrefix).toBeLessThanOrEqual(2);
    const expected = (ids.length - 1) * 21 / 64;
    expect(Math.abs(sameAtPosition - expected)).toBeLessThan(expected * 0.1);
    // Each of the 128 bits is set in about half of the ids (no counter, no fixed prefix).
    const ones = new Array<number>(128).fill(0);
    for (const id of ids) {
      const bytes = Buffer.from(id, 'base64url');
      for (let bit = 0; bit < 128; bit++) if ((bytes[bit >> 3] as number) & (0x80 >> (bit & 7))) ones[bit] = (ones[bit] as number) + 1;
    }
    const worst = Math.max(...ones.map((n) => Math.abs(n / ids.length - 0.5)));
    expect(worst).toBeLessThan(0.03);
    console.log(`correlation ids: 20,000 distinct; pairs sharing a 3-char prefix ${sharedPrefix}; worst bit bias ${worst.toFixed(4)}`);
  });
});
