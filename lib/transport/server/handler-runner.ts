import type { BaseRpcContext } from '@nestjs/microservices';
import { runsPlainNestPlumbing, runWithProcessingHooks } from '../compat/index.js';
import type { HandlerResult } from '../consume/ack-policy.js';
import { invokeHandler, type HandlerRunner } from '../consume/handler-invoker.js';
import { describeError } from '../consume/message-identity.js';
import { telemetry } from '../telemetry/telemetry.js';

/**
 * The server's {@link HandlerRunner}: the handler between Nest's processing hooks, or straight away
 * while none is set (`runsPlainNestPlumbing`, checked per message). Never rejects.
 */
export function handlerRunner(server: object, nestStartHook: unknown, logError: (text: string) => void): HandlerRunner {
  return (handler, data, context) => {
    if (runsPlainNestPlumbing(server, nestStartHook)) {
      const finished = invokeHandler(handler, data, context);
      return telemetry === undefined || !telemetry.active ? finished : finished.then(reportFailure);
    }
    return new Promise<HandlerResult>((resolve) => {
      try {
        const started: unknown = runWithProcessingHooks(server, context as BaseRpcContext, async (runEndHook) => {
          const result = await invokeHandler(handler, data, context);
          reportFailure(result);
          try {
            runEndHook();
          } catch (hookError) {
            logError(`processing end hook failed: ${describeError(hookError)}`);
          }
          resolve(result);
        });
        // A start hook that rejects before running the handler (the callback above never rejects)
        // is a failure of this delivery: without this it would stay unacked for the channel's life.
        if (started instanceof Promise) started.catch((error: unknown) => resolve({ ok: false, error }));
      } catch (error) {
        resolve({ ok: false, error });
      }
    });
  };
}

function reportFailure(result: HandlerResult): HandlerResult {
  if (!result.ok) telemetry?.handlerFailed(result.error);
  return result;
}
