/**
 * ObserverReplyCall (replies straight to the `send()` subscriber) against what ReplyCall with
 * Nest's own ClientProxy.createObserver passes on: the same next / error / complete for every reply
 * shape, failure, and the client's serializeError / serializeResponse applied.
 */
import { describe, it, expect } from '@jest/globals';
import { ClientProxy, type WritePacket } from '@nestjs/microservices';
// The deep path: Nest 11 does not export it from the package's index.
import { IncomingResponseDeserializer } from '@nestjs/microservices/deserializers/incoming-response.deserializer.js';
import { Subscriber } from 'rxjs';
import { ObserverReplyCall, ReplyCall, type ReplyMapping } from '../../../../lib/transport/client/reply-call.js';

const mapping: ReplyMapping = {
  serializeError: (err) => ({ mappedError: err }),
  serializeResponse: (response) => ({ mapped: response }),
};

/** A subscriber that records what reaches it. */
function recorder(): { events: unknown[]; subscriber: Subscriber<unknown> } {
  const events: unknown[] = [];
  const subscriber = new Subscriber<unknown>({
    next: (value) => events.push(['next', value]),
    error: (error: unknown) => events.push(['error', error]),
    complete: () => events.push(['complete']),
  });
  return { events, subscriber };
}

type Step = { reply: Record<string, unknown> } | { fail: unknown } | { error: Error };

function run(call: ReplyCall, steps: Step[]): unknown[] {
  const done: unknown[] = [];
  for (const step of steps) {
    if ('reply' in step) done.push(call.onReply({}, Buffer.from(JSON.stringify(step.reply))));
    else if ('fail' in step) call.fail(step.fail);
    else call.onError(step.error);
  }
  return done;
}

/** Both ways over the same steps: what the subscriber saw and what onReply returned. */
function both(steps: Step[]): { nest: unknown[]; direct: unknown[] } {
  const deserializer = new IncomingResponseDeserializer();
  const viaNest = recorder();
  const createObserver = (ClientProxy.prototype as unknown as { createObserver(o: unknown): (p: WritePacket) => void }).createObserver;
  const callback = createObserver.call(mapping, viaNest.subscriber);
  const nestDone = run(new ReplyCall(deserializer, callback), steps);
  const direct = recorder();
  const directDone = run(new ObserverReplyCall(deserializer, direct.subscriber, mapping), steps);
  return { nest: [viaNest.events, nestDone], direct: [direct.events, directDone] };
}

describe('ObserverReplyCall', () => {
  const cases: Array<[string, Step[]]> = [
    ['a disposed response', [{ reply: { response: 4, isDisposed: true } }]],
    ['a disposed reply without response', [{ reply: { isDisposed: true } }]],
    ['an error reply', [{ reply: { err: 'boom', isDisposed: true } }]],
    ['an error reply without isDisposed', [{ reply: { err: { message: 'x' } } }]],
    ['a falsy err that is not null', [{ reply: { err: 0, response: 1 } }]],
    ['a stream then its end', [{ reply: { response: 1 } }, { reply: { response: 2 } }, { reply: { response: 3, isDisposed: true } }]],
    ['a stream ended by a bare disposed reply', [{ reply: { response: 1 } }, { reply: { isDisposed: true } }]],
    ['a response null', [{ reply: { response: null, isDisposed: true } }]],
    ['a foreign body (mapped to a disposed response)', [{ reply: { total: 3 } }]],
    ['a failure with an Error', [{ error: new Error('timeout') }]],
    ['a failure with a thrown string', [{ fail: 'not serializable' }]],
    ['a failure with a falsy value', [{ fail: undefined }]],
  ];
  it('maps what it passes on with the client\'s serializeResponse / serializeError', () => {
    expect(both([{ reply: { response: 4, isDisposed: true } }]).direct).toEqual([[['next', { mapped: 4 }], ['complete']], [true]]);
    expect(both([{ reply: { err: 'boom' } }]).direct).toEqual([[['error', { mappedError: 'boom' }]], [true]]);
  });

  it.each(cases)('passes on %s as ClientProxy.createObserver does', (_name, steps) => {
    const { nest, direct } = both(steps);
    expect(direct).toEqual(nest);
  });
});
