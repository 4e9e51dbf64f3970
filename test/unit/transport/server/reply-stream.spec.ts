import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { Server, type WritePacket } from '@nestjs/microservices';
import { Observable, of, throwError } from 'rxjs';
import { ReplyStream } from '../../../../lib/transport/server/reply-stream.js';

type Delay = 'sync' | 'microtask' | 'tick' | 'immediate';
interface Step {
  value: number;
  delay: Delay;
}
interface Script {
  steps: Step[];
  end: 'complete' | 'error';
  endDelay: Delay;
}

function later(delay: Delay, run: () => void): void {
  if (delay === 'sync') run();
  else if (delay === 'microtask') queueMicrotask(run);
  else if (delay === 'tick') process.nextTick(run);
  else setImmediate(run);
}

/** A cold observable that emits the script's values, each after its delay, then ends. */
function scripted(script: Script): Observable<number> {
  return new Observable<number>((subscriber) => {
    const run = (index: number): void => {
      const step = script.steps[index];
      if (step === undefined) {
        later(script.endDelay, () => (script.end === 'complete' ? subscriber.complete() : subscriber.error(new Error('boom'))));
        return;
      }
      later(step.delay, () => {
        subscriber.next(step.value);
        run(index + 1);
      });
    };
    run(0);
  });
}

/** The packets written for `source`, by Nest's own `Server.send` or by ReplyStream, once the last (disposed) one is. */
function written(source: Observable<unknown> | unknown, by: 'nest' | 'ours', respondDelay: Delay): Promise<WritePacket[]> {
  return new Promise((resolve) => {
    const packets: WritePacket[] = [];
    const respond = (packet: WritePacket): Promise<void> =>
      new Promise((done) =>
        later(respondDelay, () => {
          // A copy: Nest marks the last queued packet disposed in place.
          packets.push({ ...packet, err: packet.err instanceof Error ? packet.err.message : packet.err });
          done();
          if (packet.isDisposed === true) resolve(packets);
        }),
      );
    const logger = { log() {}, error() {}, warn() {} };
    if (by === 'nest') {
      const stream$ = source instanceof Observable ? source : of(source);
      Server.prototype.send.call({ logger }, stream$, respond);
    } else {
      new ReplyStream(respond, logger).take(source);
    }
  });
}

const delay = fc.constantFrom<Delay>('sync', 'microtask', 'tick', 'immediate');
const script = fc.record({
  steps: fc.array(fc.record({ value: fc.integer(), delay }), { maxLength: 6 }),
  end: fc.constantFrom<'complete' | 'error'>('complete', 'error'),
  endDelay: delay,
});

describe('ReplyStream', () => {
  it("writes what Nest's Server.send writes for any stream: the same replies, merges and order", async () => {
    await fc.assert(
      fc.asyncProperty(script, delay, async (s, respondDelay) => {
        const nest = await written(scripted(s), 'nest', respondDelay);
        const ours = await written(scripted(s), 'ours', respondDelay);
        expect(ours).toEqual(nest);
      }),
      { numRuns: 150 },
    );
  });

  it('a plain value is one reply with isDisposed, as Nest makes of `of(value)`', async () => {
    for (const value of [4, 'text', null, { a: 1 }, undefined]) {
      const ours = await written(value, 'ours', 'microtask');
      expect(ours).toEqual(await written(value, 'nest', 'microtask'));
      expect(ours).toEqual([{ response: value, isDisposed: true, err: undefined }]);
    }
  });

  it('an error is one `{err, isDisposed}` reply; a failing respond is logged and the next reply still goes', async () => {
    expect(await written(throwError(() => new Error('nope')), 'ours', 'sync')).toEqual([{ err: 'nope', isDisposed: true }]);
    const logged: string[] = [];
    const packets: WritePacket[] = [];
    await new Promise<void>((resolve) => {
      const respond = (packet: WritePacket): Promise<void> => {
        packets.push(packet);
        if (packet.isDisposed === true) resolve();
        return packets.length === 1 ? Promise.reject(new Error('channel gone')) : Promise.resolve();
      };
      const stream = new ReplyStream(respond, { log() {}, warn() {}, error: (text: string) => logged.push(text) });
      stream.take(scripted({ steps: [{ value: 1, delay: 'sync' }, { value: 2, delay: 'immediate' }], end: 'complete', endDelay: 'immediate' }));
    });
    expect(packets.map((p) => p.response ?? 'end')).toEqual([1, 2, 'end']);
    expect(logged).toEqual(['a reply failed: channel gone']);
  });
});
