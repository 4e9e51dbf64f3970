/**
 * Routes the engine's connection attempts to in-memory brokers by host name. The engine asks the
 * function stored on globalThis under `Symbol.for('nestjs-amqp-transport.in-process-transport')`
 * (lib/protocol/io/socket-transport.ts) before it opens a socket; the routes live on globalThis too,
 * so the ESM and CommonJS copies of the package in one process agree.
 */
import type { ClientHandlers } from './memory-transport.js';

/** The engine's transport, as the hook returns it. */
export interface HookTransport {
  write(bytes: Buffer): boolean;
  readonly bufferedBytes: number;
  end(): void;
  destroy(): void;
}

/** Accepts one connection attempt. */
export type Acceptor = (parameters: { host: string; port: number }, handlers: ClientHandlers) => HookTransport;

const HOOK = Symbol.for('nestjs-amqp-transport.in-process-transport');
const ROUTES = Symbol.for('nestjs-amqp-transport.in-memory-routes');

interface Routes {
  byHost: Map<string, Acceptor>;
  /** A broker installed for every host (`install({ allHosts: true })`). */
  any: Acceptor | undefined;
}

type Global = { [HOOK]?: (parameters: { host: string; port: number }, handlers: ClientHandlers) => HookTransport | undefined; [ROUTES]?: Routes };

function routes(): Routes {
  const g = globalThis as Global;
  g[ROUTES] ??= { byHost: new Map(), any: undefined };
  return g[ROUTES];
}

function sync(): void {
  const g = globalThis as Global;
  const r = routes();
  if (r.byHost.size === 0 && r.any === undefined) {
    delete g[HOOK];
    return;
  }
  g[HOOK] ??= (parameters, handlers) => {
    const current = routes();
    const accept = current.byHost.get(parameters.host.toLowerCase()) ?? current.any;
    return accept?.(parameters, handlers);
  };
}

/** True when a broker already answers for `host`. */
export function hostTaken(host: string): boolean {
  return routes().byHost.has(host.toLowerCase());
}

/** Routes `host` to `accept`; returns the undo. */
export function routeHost(host: string, accept: Acceptor): () => void {
  const key = host.toLowerCase();
  routes().byHost.set(key, accept);
  sync();
  return () => {
    if (routes().byHost.get(key) === accept) routes().byHost.delete(key);
    sync();
  };
}

/** Routes every host without a broker of its own to `accept`; returns the undo. */
export function routeAllHosts(accept: Acceptor): () => void {
  routes().any = accept;
  sync();
  return () => {
    if (routes().any === accept) routes().any = undefined;
    sync();
  };
}
