/**
 * Waiting for the broker's port before a bench starts.
 */
import { createConnection } from 'node:net';

/** Waits (up to a minute) for the broker's port: a neighbour's test may be restarting it. */
export async function waitForBroker(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: hostname, port: Number(port || 5672) });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`no broker at ${hostname}:${port} for a minute`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
