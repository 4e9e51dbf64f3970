import type { MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { AmqpContext } from '../core/amqp.context.js';
import type { HandlerResult } from './ack-policy.js';

/** Runs a handler inside the server's processing hooks and reports how it ended. Never rejects. */
export type HandlerRunner = (handler: MessageHandler, data: unknown, context: AmqpContext) => Promise<HandlerResult>;

/**
 * Calls a Nest handler and waits for what it returned: a value, a promise, or an observable (which
 * must complete; an error it emits — Nest's exception filters turn thrown errors into one — is a
 * failure). Success is only reported once all of it has succeeded, so nothing is acked early.
 */
export async function invokeHandler(handler: MessageHandler, data: unknown, context: AmqpContext): Promise<HandlerResult> {
  try {
    const value: unknown = await handler(data, context);
    if (isObservable(value)) return { ok: true, value: await lastValueFrom(value, { defaultValue: undefined }) };
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error };
  }
}
