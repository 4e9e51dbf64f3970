/**
 * The Nest 11 / Nest 12 seam, against the real Server and ClientProxy of the installed Nest: these
 * run on Nest 12 in `npm test` and on Nest 11 in `npm run test:nest11`, so both paths are covered.
 */
import { describe, it, expect } from '@jest/globals';
import {
  BaseRpcContext,
  ClientProxy,
  Server,
  type ReadPacket,
  type WritePacket,
} from '@nestjs/microservices';
// A deep import: Nest 11 does not export it from the package root.
import { IncomingRequestDeserializer } from '@nestjs/microservices/deserializers/incoming-request.deserializer.js';
import fc from 'fast-check';
import { of, throwError, type Observable } from 'rxjs';
import {
  AmqpRequestDeserializer,
  createPacket,
  handleRequest,
  NEST_CREATES_PACKETS,
  NEST_RUNS_PROCESSING_HOOKS,
  runWithProcessingHooks,
} from '../../../../lib/transport/compat/index.js';
import { nestMajor } from '../../../support/nest-major.js';

class TestServer extends Server {
  listen(): void {}
  close(): void {}
  on(): void {}
  unwrap<T>(): T {
    return undefined as T;
  }
}

class TestClient extends ClientProxy {
  connect(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
  unwrap<T>(): T {
    return undefined as T;
  }
  protected publish(): () => void {
    return () => undefined;
  }
  protected dispatchEvent<T>(): Promise<T> {
    return Promise.resolve(undefined as T);
  }
}

/** A server whose hooks write to `log`; the start hook awaits `done` as Nest's own tracing hooks do. */
function hookedServer(log: string[]): TestServer {
  const server = new TestServer();
  server.setTransportId(Symbol('test') as never);
  server.setOnProcessingStartHook(async (_id, context, done) => {
    log.push(`start ${String((context as BaseRpcContext).getArgs()[0])}`);
    await done();
  });
  server.setOnProcessingEndHook((_id, context) =>
    log.push(`end ${String((context as BaseRpcContext).getArgs()[0])}`),
  );
  return server;
}

describe('Nest compat seam', () => {
  it('takes Nest 12 paths exactly on Nest 12', () => {
    const twelve = nestMajor() >= 12;
    expect(NEST_RUNS_PROCESSING_HOOKS).toBe(twelve);
    expect(NEST_CREATES_PACKETS).toBe(twelve);
  });

  it('runs a handler between the processing hooks, the end hook once', async () => {
    const log: string[] = [];
    const server = hookedServer(log);
    await runWithProcessingHooks(server, new BaseRpcContext(['m1']), async (runEndHook) => {
      log.push('handler');
      runEndHook();
      runEndHook();
    });
    expect(log).toEqual(['start m1', 'handler', 'end m1']);
  });

  it('runs the end hook and passes the rejection on when the handler rejects', async () => {
    const log: string[] = [];
    const server = hookedServer(log);
    const failure = new Error('handler failed');
    const started = runWithProcessingHooks(server, new BaseRpcContext(['m2']), () => Promise.reject(failure));
    await expect(started).rejects.toBe(failure);
    expect(log).toEqual(['start m2', 'end m2']);
  });

  it('answers a request: every value, then isDisposed, then the end hook', async () => {
    const log: string[] = [];
    const server = hookedServer(log);
    const replies: WritePacket[] = [];
    let disposed!: () => void;
    const done = new Promise<void>((resolve) => (disposed = resolve));
    handleRequest(
      server,
      new BaseRpcContext(['r1']),
      async (): Promise<Observable<unknown>> => of(1, 2),
      async (packet) => {
        replies.push(packet);
        if (packet.isDisposed === true) disposed();
      },
    );
    await done;
    expect(replies).toEqual([{ response: 1 }, { response: 2, isDisposed: true }]);
    expect(log).toEqual(['start r1', 'end r1']);
  });

  it('answers a failed request with its error, disposed', async () => {
    const server = hookedServer([]);
    const replies: WritePacket[] = [];
    await new Promise<void>((resolve) => {
      handleRequest(
        server,
        new BaseRpcContext(['r2']),
        async () => throwError(() => ({ status: 'error', message: 'nope' })),
        async (packet) => {
          replies.push(packet);
          if (packet.isDisposed === true) resolve();
        },
      );
    });
    expect(replies).toEqual([{ err: { status: 'error', message: 'nope' }, isDisposed: true }]);
  });

  it('builds packets through the dispatch hook where Nest has one', () => {
    const client = new TestClient();
    const hookable = client as TestClient & {
      setOnDispatchHook?: (hook: (packet: ReadPacket) => void) => void;
    };
    hookable.setOnDispatchHook?.((packet) => (packet.metadata = { traceparent: 't' }));
    const packet = createPacket(client, 'sum', [1, 2]);
    expect(packet).toEqual(
      NEST_CREATES_PACKETS
        ? { pattern: 'sum', data: [1, 2], metadata: { traceparent: 't' } }
        : { pattern: 'sum', data: [1, 2] },
    );
  });

  it('deserializes requests as Nest does', () => {
    const ours = new AmqpRequestDeserializer();
    const nest = new IncomingRequestDeserializer();
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ pattern: fc.jsonValue(), data: fc.jsonValue() }, { requiredKeys: [] }),
      fc.record({ pattern: fc.string(), data: fc.jsonValue(), id: fc.string() }),
    );
    fc.assert(
      fc.property(body, fc.string(), (value, channel) => {
        const options = { channel };
        expect(ours.deserialize(value, options)).toEqual(nest.deserialize(value, options));
      }),
    );
    expect(ours.deserialize({ pattern: 'a', data: 1, id: 'x' })).toEqual({ pattern: 'a', data: 1, id: 'x' });
    expect(ours.deserialize('plain', { channel: 'orders.created' })).toEqual({
      pattern: 'orders.created',
      data: 'plain',
    });
  });
});
