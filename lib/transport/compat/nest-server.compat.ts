/**
 * What ServerAMQP needs from Nest's `Server` that only Nest 12 has, built on the members Nest 11 and
 * 12 share (`onProcessingStartHook`, `onProcessingEndHook`, `send`, `transportId`) where Nest 11
 * lacks it. Nest 12's own method is used where it exists, so whatever patches it (instrumentation)
 * still sees every message. Feature detection happens once, at load; per message it is one boolean.
 */
import { Server, type BaseRpcContext, type WritePacket } from '@nestjs/microservices';
import { finalize, type Observable } from 'rxjs';

/** Nest's protected server members, as this seam reads them (both majors have all but the two optional ones). */
interface ServerMembers {
  readonly transportId?: unknown;
  onProcessingStartHook(transportId: unknown, context: BaseRpcContext, done: () => Promise<unknown>): unknown;
  onProcessingEndHook?: ((transportId: unknown, context: BaseRpcContext) => void) | undefined;
  send(stream$: Observable<unknown>, respond: (packet: WritePacket) => Promise<unknown> | void): unknown;
  transformToObservable(value: unknown): unknown;
  /** Nest 12 only. */
  runWithProcessingHooks?(context: BaseRpcContext, fn: (runEndHook: () => void) => Promise<void>): unknown;
  /** Nest 12 only. */
  handleRequest?(
    context: BaseRpcContext,
    produce: () => Promise<Observable<unknown>>,
    respond: (packet: WritePacket) => Promise<unknown> | void,
  ): unknown;
}

const prototype = Server.prototype as unknown as ServerMembers;
/** Nest 12's Server runs handlers between its hooks itself (`runWithProcessingHooks`, `handleRequest`). */
export const NEST_RUNS_PROCESSING_HOOKS =
  typeof prototype.runWithProcessingHooks === 'function' && typeof prototype.handleRequest === 'function';

/**
 * Runs `fn` between the server's processing start and end hooks (Nest 12's `runWithProcessingHooks`).
 * `fn` gets a runner that calls the end hook at most once; if `fn` rejects, the end hook runs and the
 * rejection goes on. Returns what the start hook returns (a promise when the hook is asynchronous).
 */
export function runWithProcessingHooks(
  server: object,
  context: BaseRpcContext,
  fn: (runEndHook: () => void) => Promise<void>,
): unknown {
  const members = server as unknown as ServerMembers;
  if (NEST_RUNS_PROCESSING_HOOKS) return members.runWithProcessingHooks!(context, fn);
  return members.onProcessingStartHook(members.transportId, context, async () => {
    const runEndHook = endHookRunner(members, context);
    try {
      await fn(runEndHook);
    } catch (error) {
      runEndHook();
      throw error;
    }
  });
}

/**
 * Answers a request (Nest 12's `handleRequest`): between the processing hooks, `produce` gives the
 * response stream, whose values (then the final `isDisposed`) Nest's `send` passes to `respond`; the
 * end hook runs once the stream settles.
 */
export function handleRequest(
  server: object,
  context: BaseRpcContext,
  produce: () => Promise<Observable<unknown>>,
  respond: (packet: WritePacket) => Promise<void>,
): unknown {
  const members = server as unknown as ServerMembers;
  if (NEST_RUNS_PROCESSING_HOOKS) return members.handleRequest!(context, produce, respond);
  return runWithProcessingHooks(server, context, async (runEndHook) => {
    const response$ = await produce();
    members.send(response$.pipe(finalize(runEndHook)), respond);
  });
}

/**
 * True while the server's processing plumbing is Nest's own, unchanged: the start hook still the one
 * Nest's constructor made (`defaultStartHook`, read after construction), no end hook, and neither
 * `send`, `handleRequest`, `runWithProcessingHooks` nor `transformToObservable` overridden or patched.
 * The hooks then do nothing and `send` only turns values into replies, so the server may answer
 * without them (one check per message, so a hook set later is honoured from its next message).
 */
export function runsPlainNestPlumbing(server: object, defaultStartHook: unknown): boolean {
  const members = server as unknown as ServerMembers;
  return (
    members.onProcessingStartHook === defaultStartHook &&
    members.onProcessingEndHook === undefined &&
    members.send === prototype.send &&
    members.handleRequest === prototype.handleRequest &&
    members.runWithProcessingHooks === prototype.runWithProcessingHooks &&
    members.transformToObservable === prototype.transformToObservable
  );
}

function endHookRunner(members: ServerMembers, context: BaseRpcContext): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    members.onProcessingEndHook?.(members.transportId, context);
  };
}
