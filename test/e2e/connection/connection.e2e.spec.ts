import { describe, it, expect } from '@jest/globals';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import {
  type AMQPError,
  AuthenticationError,
  ConnectionClosedError,
  ConnectionLostError,
  TimeoutError,
} from '../../../lib/protocol/errors.js';
import { ConnectionParameters, PlainCredentials } from '../../../lib/protocol/parameters/index.js';
import { waitForConnection, closeConnectionWhenListed } from '../../support/broker.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { BROKER, BROKER_URL, closedPort, silentServer, uniqueName } from './helpers.js';

describe('Connection e2e: bring-up, close and refusals', () => {
  it('opens with the seed pattern (callbacks + ioloop) and closes cleanly', async () => {
    const seen: string[] = [];
    const connection = new Connection(new ConnectionParameters({ ...BROKER }), {
      onOpen: (c) => {
        seen.push(`open:${c.state}`);
        void c.close();
      },
      onClose: (_c, error) => seen.push(`close:${error === undefined ? 'clean' : error.message}`),
    });
    await connection.ioloop.start();
    expect(seen).toEqual(['open:OPEN', 'close:clean']);
    expect(connection.state).toBe('CLOSED');
    expect(connection.serverProperties.product).toBe('RabbitMQ');
    expect(connection.channelMax).toBeGreaterThan(0);
    expect(connection.frameMax).toBeGreaterThanOrEqual(4096);
  });

  it('shows its connection name and capabilities to the broker', async () => {
    const name = uniqueName('named');
    const connection = await Connection.connect(new ConnectionParameters({ ...BROKER, connectionName: name }));
    try {
      const listed = await waitForConnection(name);
      expect(listed.user).toBe('guest');
      expect(listed.clientProperties.product).toBe('nestjs-amqp-transport');
      expect(listed.clientProperties.capabilities).toMatchObject({
        authentication_failure_close: true,
        'connection.blocked': true,
        consumer_cancel_notify: true,
        publisher_confirms: true,
      });
    } finally {
      await connection.close();
    }
  });

  it('refuses a wrong password with AuthenticationError, one TCP connection despite connectionAttempts 3', async () => {
    const proxy = await TcpProxy.start();
    try {
      const parameters = new ConnectionParameters({
        host: proxy.host,
        port: proxy.port,
        credentials: new PlainCredentials('guest', 'not-the-password'),
        connectionAttempts: 3,
        retryDelay: 0.1,
      });
      const error = (await Connection.connect(parameters).catch((e: unknown) => e)) as AuthenticationError;
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.replyCode).toBe(403);
      expect(error.message).toContain('"guest"');
      expect(error.message).not.toContain('not-the-password');
      expect(proxy.acceptedCount).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a missing virtual host with a 530 ConnectionClosedError naming it', async () => {
    const vhost = uniqueName('vhost');
    const error = (await Connection.connect(
      new ConnectionParameters({ ...BROKER, virtualHost: vhost }),
    ).catch((e: unknown) => e)) as ConnectionClosedError;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(error.replyCode).toBe(530);
    expect(error.initiator).toBe('broker');
    expect(error.message).toContain(`"${vhost}"`);
  });

  it('reports a refused port as ConnectionLostError carrying ECONNREFUSED', async () => {
    const port = await closedPort();
    const error = (await Connection.connect(`amqp://guest:guest@127.0.0.1:${port}/`).catch(
      (e: unknown) => e,
    )) as ConnectionLostError;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('tries hosts in order: a closed port, then the broker', async () => {
    const port = await closedPort();
    const proxy = await TcpProxy.start();
    try {
      const connection = await Connection.connect([
        `amqp://guest:guest@127.0.0.1:${port}/`,
        proxy.url(),
      ]);
      expect(connection.isOpen).toBe(true);
      expect(proxy.acceptedCount).toBe(1);
      await connection.close();
    } finally {
      await proxy.close();
    }
  });

  it('ends a bring-up stalled by a silent server with TimeoutError at stack_timeout', async () => {
    const server = await silentServer();
    try {
      const error = (await Connection.connect(
        new ConnectionParameters({ host: '127.0.0.1', port: server.port, stackTimeout: 1 }),
      ).catch((e: unknown) => e)) as TimeoutError;
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error.code).toBe('ERR_AMQP_STACK_TIMEOUT');
      expect(error.message).toContain('PROTOCOL');
    } finally {
      await server.close();
    }
  });

  it('ends a TLS handshake nobody answers with TimeoutError at socket_timeout', async () => {
    const server = await silentServer();
    try {
      const error = (await Connection.connect(
        new ConnectionParameters({
          host: '127.0.0.1',
          port: server.port,
          ssl: true,
          socketTimeout: 1,
          stackTimeout: 30,
        }),
      ).catch((e: unknown) => e)) as TimeoutError;
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error.code).toBe('ERR_AMQP_SOCKET_TIMEOUT');
      expect(error.timeoutMs).toBe(1000);
    } finally {
      await server.close();
    }
  });

  it('reports a broker-forced close (rabbitmqctl close_connection) with its reason', async () => {
    const name = uniqueName('forced');
    const closed: (AMQPError | undefined)[] = [];
    const connection = await Connection.connect(new ConnectionParameters({ ...BROKER, connectionName: name }));
    connection.addOnCloseCallback((_c, error) => closed.push(error));
    // Caught at once: the close may arrive before rabbitmqctl returns.
    const loop = connection.ioloop.start().catch((e: unknown) => e);
    await closeConnectionWhenListed(name, 'operator says bye');
    const error = (await loop) as ConnectionClosedError;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.replyCode).toBe(320);
    expect(error.initiator).toBe('broker');
    expect(error.replyText).toContain('operator says bye');
    expect(closed).toEqual([error]);
  });

  it('updates the secret (connection.update-secret) and stays open', async () => {
    const connection = await Connection.connect(BROKER_URL);
    try {
      let called = false;
      await connection.updateSecret('guest', 'password rotation', () => {
        called = true;
      });
      expect(called).toBe(true);
      expect(connection.isOpen).toBe(true);
      const channel = await connection.channel();
      expect(channel.isOpen).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it('exchanges traffic after open: a channel round trip over the default URL', async () => {
    const connection = await Connection.connect(BROKER_URL);
    try {
      const channel = await connection.channel();
      const { queue } = await channel.queueDeclare({ queue: '', exclusive: true });
      await channel.basicPublish('', queue, 'ping');
      const got = await channel.basicGet(queue, { autoAck: true });
      expect(got?.body.toString()).toBe('ping');
    } finally {
      await connection.close();
    }
  });
});
