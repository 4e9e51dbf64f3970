/**
 * Self-test of the proxy's cut-network faults against a local echo target: freeze() drops every byte
 * both ways and passes on no close, new connections included; thaw() destroys the frozen pairs and
 * lets new ones flow; refuseNew() resets new connections; setDelay() adds latency in order.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TcpProxy } from '../../support/tcp-proxy.js';

describe('TcpProxy faults (local echo target)', () => {
  let target: Server;
  let targetSide: Socket[];
  let proxy: TcpProxy;

  beforeEach(async () => {
    targetSide = [];
    target = createServer((socket) => {
      targetSide.push(socket);
      socket.on('data', (chunk) => socket.write(chunk));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    proxy = await TcpProxy.start({ targetPort: (target.address() as AddressInfo).port });
  });

  afterEach(async () => {
    await proxy.close();
    for (const socket of targetSide) socket.destroy();
    await new Promise<void>((resolve) => target.close(() => resolve()));
  });

  async function client(): Promise<{ socket: Socket; got: () => string; closed: () => boolean }> {
    const socket = connect({ host: proxy.host, port: proxy.port });
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    let text = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => (closed = true));
    return { socket, got: () => text, closed: () => closed };
  }

  it('freeze() drops bytes both ways and passes on no close; thaw() destroys the frozen connection', async () => {
    const a = await client();
    a.socket.write('before');
    while (a.got() !== 'before') await sleep(5);
    proxy.freeze();
    a.socket.write('during');
    await sleep(200);
    expect(a.got()).toBe('before');
    // The target closes its side: the frozen path does not tell the client.
    targetSide[0]?.destroy();
    await sleep(200);
    expect(a.closed()).toBe(false);
    // A new connection during the freeze is accepted and just as silent.
    const b = await client();
    b.socket.write('hello?');
    await sleep(200);
    expect(b.got()).toBe('');
    proxy.thaw();
    while (!a.closed() || !b.closed()) await sleep(5);
    const c = await client();
    c.socket.write('healed');
    while (c.got() !== 'healed') await sleep(5);
    c.socket.destroy();
  });

  it('refuseNew() resets new connections; open ones go on', async () => {
    const open = await client();
    proxy.refuseNew(true);
    const refused = connect({ host: proxy.host, port: proxy.port });
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNRESET');
    open.socket.write('still here');
    while (open.got() !== 'still here') await sleep(5);
    proxy.refuseNew(false);
    const again = await client();
    again.socket.write('back');
    while (again.got() !== 'back') await sleep(5);
    open.socket.destroy();
    again.socket.destroy();
  });

  it('setDelay() adds latency each way and keeps the order', async () => {
    const a = await client();
    proxy.setDelay(150);
    const started = Date.now();
    for (const part of ['1', '2', '3']) a.socket.write(part);
    while (a.got() !== '123') await sleep(5);
    // Through the proxy twice (there and back): at least twice the delay.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    a.socket.destroy();
  });
});
