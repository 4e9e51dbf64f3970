/** Shared helpers for the connection's end-to-end tests against the real broker. */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { BROKER_PORT } from '../../support/broker.js';
import { brokerUrl, brokerVhost } from '../../support/broker-url.js';

/** The broker, in AMQP_URL's vhost (the suite's own one: test/support/vhost). */
export const BROKER = { host: '127.0.0.1', port: BROKER_PORT, virtualHost: brokerVhost() };
export const BROKER_URL = brokerUrl();

let counter = 0;
/** A name no other test (or run) uses. */
export function uniqueName(what: string): string {
  counter += 1;
  return `connection-e2e.${what}.${process.pid}.${Date.now().toString(36)}.${counter}`;
}

/** A local TCP server that accepts and never says a word (a hung broker). */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves after `predicate` holds, polling on the event loop (bounded, so a bug fails rather than hangs). */
export async function until(predicate: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
