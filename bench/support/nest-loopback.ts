/**
 * Nest's own plumbing per call, with no broker and no bytes: a loopback transport whose client hands
 * each packet to the server's handler in the same process (one microtask later, as a delivery would
 * arrive) and whose server answers through the client's callback. What it costs per call is what
 * the least a `ClientProxy.send` can do (one Observable per call, answered by one reply: the lean
 * path this package's client takes once connected, without Nest's per-call `defer(connect)` +
 * `mergeMap`) and the server side of a `@MessagePattern` (Nest's context creator: guards,
 * interceptors, the `@Payload` pipe, the result turned into a value) cost any Nest transport: with the
 * zero-cost client's CPU (raw-rpc.ts), the floor a Nest transport on this broker cannot go under.
 */
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, Server, type CustomTransportStrategy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { isObservable, lastValueFrom, Observable } from 'rxjs';
import { processCpuMs } from './broker-cpu.js';
import { callsInFlight, sumModule } from './sum-app.js';

class LoopbackServer extends Server implements CustomTransportStrategy {
  listen(callback: () => void): void {
    callback();
  }

  close(): void {}

  on(): never {
    throw new Error('the loopback transport has no events');
  }

  unwrap<T>(): T {
    throw new Error('the loopback transport wraps nothing');
  }

  /** The least a transport does per request: find the handler, run it, turn its result into a value. */
  async answer(packet: ReadPacket, reply: (packet: WritePacket) => void): Promise<void> {
    const handler = this.getHandlerByPattern(packet.pattern as string);
    if (handler === null) {
      reply({ err: `no handler for ${String(packet.pattern)}`, isDisposed: true });
      return;
    }
    try {
      const result: unknown = await handler(packet.data, undefined);
      const response = isObservable(result) ? await lastValueFrom(result) : result;
      reply({ response, isDisposed: true });
    } catch (err) {
      reply({ err, isDisposed: true });
    }
  }
}

class LoopbackClient extends ClientProxy {
  constructor(private readonly server: LoopbackServer) {
    super();
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}

  unwrap<T>(): T {
    throw new Error('the loopback transport wraps nothing');
  }

  /** One Observable per call and the reply straight to its subscriber: the least `send` can do. */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    return new Observable<TResult>((observer) => {
      queueMicrotask(
        () =>
          void this.server.answer({ pattern, data }, (reply) => {
            if (reply.err !== undefined && reply.err !== null) return observer.error(reply.err);
            observer.next(reply.response as TResult);
            observer.complete();
          }),
      );
    });
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    // No packet id: the reply goes straight to this call's callback (a transport with correlation ids
    // pays for making them; that is its own cost, not Nest's).
    queueMicrotask(() => void this.server.answer(packet, callback));
    return () => undefined;
  }

  protected dispatchEvent<T>(): Promise<T> {
    return Promise.reject(new Error('the loopback bench sends no events'));
  }
}

/** The loopback app and its client, up and warmed. */
export async function startLoopback(): Promise<{ app: INestMicroservice; client: LoopbackClient }> {
  const server = new LoopbackServer();
  const app = await NestFactory.createMicroservice(sumModule({ events: 0 }), { strategy: server, logger: ['error'] });
  await app.listen();
  const client = new LoopbackClient(server);
  await callsInFlight(client, 2000, 100);
  return { app, client };
}

/** This process's CPU per call (µs) for `calls` loopback calls with `inFlight` outstanding. */
export async function loopbackCpuPerCall(client: LoopbackClient, calls: number, inFlight: number): Promise<number> {
  const before = processCpuMs();
  await callsInFlight(client, calls, inFlight);
  return ((processCpuMs() - before) * 1000) / calls;
}
