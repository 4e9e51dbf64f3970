import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import { ConnectionLostError, TlsError } from '../../../lib/protocol/errors.js';
import { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';
import { BROKER } from './helpers.js';

// A self-signed certificate for localhost / 127.0.0.1 made for these tests only (no secret value).
const fixtures = new URL('./fixtures/', import.meta.url);
const cert = readFileSync(new URL('localhost.crt', fixtures));
const key = readFileSync(new URL('localhost.key', fixtures));

describe('Connection e2e: TLS (a local TLS terminator in front of the broker)', () => {
  let server: TlsServer;
  let port = 0;
  let secured = 0;
  /** TCP connections accepted (a refused handshake counts too). */
  let connections = 0;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = createTlsServer({ key, cert }, (clear) => {
      secured += 1;
      const upstream = netConnect(BROKER);
      sockets.add(clear);
      sockets.add(upstream);
      for (const s of [clear, upstream]) {
        s.on('error', () => undefined);
        s.on('close', () => {
          clear.destroy();
          upstream.destroy();
        });
      }
      clear.pipe(upstream).pipe(clear);
    });
    server.on('tlsClientError', () => undefined);
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('opens over TLS with the CA from sslOptions and checks the server name', async () => {
    const before = secured;
    const connection = await Connection.connect(
      new ConnectionParameters({ host: 'localhost', port, ssl: true, sslOptions: { ca: cert } }),
    );
    try {
      expect(secured).toBe(before + 1);
      const channel = await connection.channel();
      const { queue } = await channel.queueDeclare({ queue: '', exclusive: true });
      await channel.basicPublish('', queue, 'over tls');
      expect((await channel.basicGet(queue, { autoAck: true }))?.body.toString()).toBe('over tls');
    } finally {
      await connection.close();
    }
  });

  it('refuses an untrusted certificate with a TlsError carrying the TLS cause, without retrying', async () => {
    const accepted = connections;
    const error = (await Connection.connect(
      new ConnectionParameters({ host: 'localhost', port, ssl: true, connectionAttempts: 3, retryDelay: 0.05 }),
    ).catch((e: unknown) => e)) as TlsError;
    expect(error).toBeInstanceOf(TlsError);
    expect(error).not.toBeInstanceOf(ConnectionLostError);
    expect(error.code).toBe('ERR_AMQP_TLS');
    expect(error.tlsCode).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(error.initiator).toBe('client');
    expect(error.message).toBe(`TLS with localhost:${port} failed: self-signed certificate`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    // The same certificate would be refused again: one TCP connection, not three.
    expect(connections - accepted).toBe(1);
  });
});
