/**
 * SASL EXTERNAL end to end: a standalone RabbitMQ node (rabbittls@localhost, TLS only, client
 * certificates required, EXTERNAL then PLAIN offered, login from the certificate's CN) is started
 * for this file with certificates made by openssl, and stopped and deleted in afterAll. The main
 * broker on 5672 is not touched: afterAll checks its listeners and plugins are as they were.
 *
 * Run with `npm run test:tls` (not part of `npm test`).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Connection } from '../../lib/protocol/connection/connection.js';
import { AuthenticationError, ConnectionLostError, TlsError } from '../../lib/protocol/errors.js';
import { connectSocket } from '../../lib/protocol/io/socket-transport.js';
import {
  ConnectionParameters,
  ExternalCredentials,
  URLParameters,
} from '../../lib/protocol/parameters/index.js';
import { ctl } from '../support/rabbit-node.js';
import { addCertificateUser, listConnections, startTlsNode, stopTlsNode, type TlsNode } from './tls-node.js';

const NODE = 'rabbittls';
const AMQPS_PORT = 5691;
const DIST_PORT = 25691;
/** The CN of the client certificate the node has a user for. */
const USER = 'amqp-tls-user';
/** The CN of a client certificate signed by the same CA, with no user on the node. */
const STRANGER = 'amqp-tls-stranger';

/** What of the main broker must be the same after this file: where it listens and its plugins. */
async function mainBrokerShape(): Promise<unknown> {
  const status = JSON.parse(await ctl(['status', '--formatter', 'json'])) as Record<string, unknown>;
  return { listeners: status['listeners'], plugins: status['active_plugins'] };
}

interface Outcome {
  connection?: Connection;
  error?: unknown;
  /** Sockets the connection opened (one per attempt). */
  sockets: number;
  elapsedMs: number;
}

/** Opens a connection, counting the sockets it opens on the way. */
async function open(parameters: ConnectionParameters): Promise<Outcome> {
  const started = Date.now();
  let sockets = 0;
  const opened = new Promise<Connection>((resolve, reject) => {
    new Connection(
      parameters,
      { onOpen: resolve, onOpenError: (_c, error) => reject(error) },
      {
        transport: (p, handlers) => {
          sockets += 1;
          return connectSocket(p, handlers);
        },
      },
    );
  });
  const result = await opened.then(
    (connection) => ({ connection }),
    (error: unknown) => ({ error }),
  );
  return { ...result, sockets, elapsedMs: Date.now() - started };
}

/** A queue round trip on a new channel: declare, publish, get. */
async function roundTrip(connection: Connection, body: string): Promise<string | undefined> {
  const channel = await connection.channel();
  const { queue } = await channel.queueDeclare({ queue: '', exclusive: true });
  await channel.basicPublish('', queue, body);
  return (await channel.basicGet(queue, { autoAck: true }))?.body.toString();
}

describe('SASL EXTERNAL against a TLS RabbitMQ node', () => {
  let node: TlsNode | undefined;
  let mainBefore: unknown;

  beforeAll(async () => {
    mainBefore = await mainBrokerShape();
    node = await startTlsNode(NODE, AMQPS_PORT, DIST_PORT, [USER, STRANGER]);
    await addCertificateUser(node, USER);
  }, 180_000);

  afterAll(async () => {
    if (node !== undefined) {
      const problems = await stopTlsNode(node);
      if (problems.length > 0) console.log(`tls node cleanup: ${problems.join('; ')}`);
      expect(existsSync(node.dir)).toBe(false);
      await expect(ctl(['ping'], node.name, 20_000)).rejects.toThrow();
    }
    expect(await mainBrokerShape()).toEqual(mainBefore);
  }, 120_000);

  function tls(client?: string, extra: TlsConnectionOptions = {}): TlsConnectionOptions {
    const files = node!.certificates;
    const pair = client === undefined ? undefined : files.clients[client]!;
    return {
      ca: readFileSync(files.ca),
      ...(pair === undefined ? {} : { cert: readFileSync(pair.cert), key: readFileSync(pair.key) }),
      servername: 'localhost',
      ...extra,
    };
  }

  function parameters(sslOptions: TlsConnectionOptions, connectionAttempts = 1): ConnectionParameters {
    return new ConnectionParameters({
      host: '127.0.0.1',
      port: AMQPS_PORT,
      credentials: new ExternalCredentials(),
      sslOptions,
      connectionAttempts,
      retryDelay: 0.1,
    });
  }

  it('logs in as the certificate CN with EXTERNAL over TLS and carries messages', async () => {
    const { connection, error } = await open(parameters(tls(USER)));
    expect(error).toBeUndefined();
    try {
      expect(await roundTrip(connection!, 'over mutual tls')).toBe('over mutual tls');
      expect(await listConnections(node!, ['user', 'auth_mechanism', 'ssl', 'peer_cert_subject'], 1)).toEqual(
        [{ user: USER, auth_mechanism: 'EXTERNAL', ssl: true, peer_cert_subject: `CN=${USER}` }],
      );
    } finally {
      await connection?.close();
    }
  });

  it('refuses a certificate whose CN has no user with one AuthenticationError, after one socket', async () => {
    // Three attempts allowed: a refused login must not be tried again.
    const outcome = await open(parameters(tls(STRANGER), 3));
    expect(outcome.connection).toBeUndefined();
    expect(outcome.error).toBeInstanceOf(AuthenticationError);
    const error = outcome.error as AuthenticationError;
    expect(error.code).toBe('ERR_AMQP_AUTHENTICATION');
    expect(error.replyCode).toBe(403);
    expect(error.message).toMatch(/ACCESS_REFUSED.*EXTERNAL/);
    expect(outcome.sockets).toBe(1);
    // Well under socket_timeout (10 s) and stack_timeout (15 s): the refusal ends it, not a timer.
    expect(outcome.elapsedMs).toBeLessThan(5_000);
  });

  // The node refuses the handshake itself. In TLS 1.3 the client's side of the handshake is done
  // before the node checks the certificate, so the alert arrives on a socket already connected; in
  // 1.2 it arrives during the handshake. Either way it is a TlsError from the broker, not retried.
  it.each([
    ['TLS 1.3', { minVersion: 'TLSv1.3' }, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', /certificate required/],
    ['TLS 1.2', { maxVersion: 'TLSv1.2' }, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', /handshake failure/],
  ] as const)(
    'without a client certificate (%s) the node refuses the handshake: a TlsError naming the alert, not retried',
    async (_version, versions, causeCode, reason) => {
      const outcome = await open(parameters(tls(undefined, versions), 3));
      expect(outcome.connection).toBeUndefined();
      expect(outcome.error).toBeInstanceOf(TlsError);
      expect(outcome.error).not.toBeInstanceOf(ConnectionLostError);
      expect(outcome.error).not.toBeInstanceOf(AuthenticationError);
      const error = outcome.error as TlsError;
      expect(error.code).toBe('ERR_AMQP_TLS');
      expect(error.tlsCode).toBe(causeCode);
      expect(error.initiator).toBe('broker');
      expect(error.message).toMatch(new RegExp(`^TLS with 127\\.0\\.0\\.1:${AMQPS_PORT} failed \\(refused by the broker\\): `));
      expect(error.message).toMatch(reason);
      expect((error.cause as NodeJS.ErrnoException).code).toBe(causeCode);
      // connectionAttempts 3, but the same certificate would be refused again: one socket.
      expect(outcome.sockets).toBe(1);
      expect(await listConnections(node!, ['user'], 0)).toEqual([]);
    },
  );

  it('takes the TLS files from an amqps URL, but the URL cannot ask for EXTERNAL', async () => {
    const { certificates } = node!;
    const client = certificates.clients[USER]!;
    const ssl = `{'ca_certs': '${certificates.ca}', 'certfile': '${client.cert}', 'keyfile': '${client.key}', 'server_hostname': 'localhost'}`;
    const url = `amqps://127.0.0.1:${AMQPS_PORT}/?ssl_options=${encodeURIComponent(ssl)}`;
    const fromUrl = new URLParameters(url);
    expect(fromUrl.ssl).toBe(true);
    expect(fromUrl.sslOptions?.servername).toBe('localhost');
    // No query argument names a mechanism and a URL without user:password means guest/guest, as in
    // pika: the certificate is presented, but the login is PLAIN as guest.
    expect(fromUrl.credentials.mechanism).toBe('PLAIN');
    const plain = await open(fromUrl);
    try {
      expect(await listConnections(node!, ['user', 'auth_mechanism', 'ssl'], 1)).toEqual([
        { user: 'guest', auth_mechanism: 'PLAIN', ssl: true },
      ]);
    } finally {
      await plain.connection?.close();
    }

    const external = await open(fromUrl.with({ credentials: new ExternalCredentials() }));
    expect(external.error).toBeUndefined();
    try {
      expect(await roundTrip(external.connection!, 'from the url')).toBe('from the url');
      expect(await listConnections(node!, ['user', 'auth_mechanism', 'ssl'], 1)).toEqual([
        { user: USER, auth_mechanism: 'EXTERNAL', ssl: true },
      ]);
    } finally {
      await external.connection?.close();
    }
  });
});
