import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';

/** The error a handler threw, by the context of its delivery (until the context is collected). */
const captured = new WeakMap<object, unknown>();

/**
 * Keeps the error a `@QueueConsumer` handler (or its pipes) threw before Nest's exception filters
 * turn it into what a caller may see (`{status: 'error', message: 'Internal server error'}` for any
 * error that is not an RpcException). An `onError` function decides on the real error. The error
 * goes on to the filters unchanged, and every other interceptor and filter runs as before.
 * Added by `@QueueConsumer` to its handler, and by AmqpModule as a global interceptor so the
 * default queue's `@EventPattern` handlers' dead letters name the real error too.
 */
export class HandlerErrorCapture implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const rpcContext: unknown = context.switchToRpc().getContext();
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (typeof rpcContext === 'object' && rpcContext !== null) captured.set(rpcContext, error);
        return throwError(() => error);
      }),
    );
  }
}

/** The error the handler threw for `context`, or `fallback` (what the filters made of it) when none was captured. */
export function originalErrorOf(context: object, fallback: unknown): unknown {
  return captured.has(context) ? captured.get(context) : fallback;
}
