/**
 * Several `@EventPattern` handlers for one pattern, run as one handler.
 *
 * Nest links them through `handler.next` and joins their results with rxjs `forkJoin`, which
 * completes as soon as one of them completes without a value (a handler returning `EMPTY`) and
 * unsubscribes from the others: a failure of a later handler, or a slower one still running, is then
 * never seen, and the event would be acked early or its failure lost. ServerAMQP never links them;
 * it registers a group that runs every member itself, concurrently as Nest does, waits until each
 * has finished (its promise settled, its observable completed) and fails when any member failed.
 */
import type { MessageHandler } from '@nestjs/microservices';
import type { AmqpContext } from '../core/amqp.context.js';
import { invokeHandler } from '../consume/handler-invoker.js';

const MEMBERS = Symbol('eventHandlerGroup.members');

type EventHandlerGroup = MessageHandler & { [MEMBERS]: readonly MessageHandler[] };

function isGroup(handler: MessageHandler): handler is EventHandlerGroup {
  return MEMBERS in handler;
}

/** The handlers a registered handler stands for: the members of a group, or itself. */
export function eventHandlerMembers(handler: MessageHandler): readonly MessageHandler[] {
  return isGroup(handler) ? handler[MEMBERS] : [handler];
}

/**
 * `existing` (a handler or a group) and `added` as one event handler. It resolves once every member
 * succeeded; it rejects with the member's error when one failed, or an AggregateError when several did.
 */
export function joinEventHandlers(existing: MessageHandler, added: MessageHandler): MessageHandler {
  const members = [...eventHandlerMembers(existing), added];
  const group = (async (data: unknown, context: AmqpContext): Promise<undefined> => {
    const results = await Promise.all(members.map((member) => invokeHandler(member, data, context)));
    const errors: unknown[] = [];
    for (const result of results) if (!result.ok) errors.push(result.error);
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} of ${members.length} event handlers failed`);
    return undefined;
  }) as EventHandlerGroup;
  group[MEMBERS] = members;
  group.isEventHandler = true;
  group.extras = existing.extras;
  return group;
}
