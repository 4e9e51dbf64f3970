import { describe, expect, it } from '@jest/globals';
import type { MessageHandler } from '@nestjs/microservices';
import { EMPTY, of, throwError, timer, map } from 'rxjs';
import type { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { eventHandlerMembers, joinEventHandlers } from '../../../../lib/transport/server/event-handler-group.js';

const context = {} as AmqpContext;

function handler(fn: (data: unknown) => unknown, extras: Record<string, unknown> = {}): MessageHandler {
  const h = ((data: unknown) => fn(data)) as MessageHandler;
  h.isEventHandler = true;
  h.extras = extras;
  return h;
}

describe('joinEventHandlers', () => {
  it('keeps the first handler\'s extras, flattens groups, and stays an event handler', () => {
    const a = handler(() => undefined, { from: 'a' });
    const b = handler(() => undefined, { from: 'b' });
    const c = handler(() => undefined, { from: 'c' });
    const group = joinEventHandlers(joinEventHandlers(a, b), c);
    expect(eventHandlerMembers(group)).toEqual([a, b, c]);
    expect(eventHandlerMembers(a)).toEqual([a]);
    expect(group.isEventHandler).toBe(true);
    expect(group.extras).toEqual({ from: 'a' });
  });

  it('resolves only after every member finished: a promise, an observable that completes empty, a slow one', async () => {
    const done: string[] = [];
    const group = joinEventHandlers(
      joinEventHandlers(
        handler(async (data) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          done.push(`promise:${String(data)}`);
        }),
        handler(() => EMPTY),
      ),
      handler((data) => timer(30).pipe(map(() => done.push(`slow:${String(data)}`)))),
    );
    await expect(group(7, context)).resolves.toBeUndefined();
    expect(done.sort()).toEqual(['promise:7', 'slow:7']);
  });

  it('runs every member even when one fails, and rejects with that member\'s error', async () => {
    const ran: string[] = [];
    const failure = new Error('card declined');
    const group = joinEventHandlers(
      joinEventHandlers(
        handler(() => {
          ran.push('a');
          return of(1);
        }),
        handler(() => {
          ran.push('b');
          throw failure;
        }),
      ),
      handler(() => {
        ran.push('c');
      }),
    );
    await expect(group('x', context)).rejects.toBe(failure);
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('rejects with an AggregateError naming how many failed when several did', async () => {
    const group = joinEventHandlers(
      joinEventHandlers(
        handler(() => throwError(() => new Error('one'))),
        handler(() => Promise.reject(new Error('two'))),
      ),
      handler(() => undefined),
    );
    const error = await group(undefined, context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).message).toBe('2 of 3 event handlers failed');
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['one', 'two']);
  });
});
