/**
 * The vhost helper: a vhost of the test's own on the real broker (rabbitmqctl here), usable at once,
 * deleted with what is in it; and the management-API path against a stand-in HTTP server (the
 * management plugin may be off on the broker the tests use).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection } from '../../lib/protocol/index.js';
import { createTestVhost, useTestVhost, VhostHelperError } from '../../lib/testing/index.js';
import { rabbitmqctl } from '../support/broker.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

async function vhosts(): Promise<string[]> {
  return (await rabbitmqctl(['list_vhosts', '-q', '--no-table-headers'])).split('\n').map((l) => l.trim());
}

describe('createTestVhost with rabbitmqctl', () => {
  it('creates a usable vhost and deletes it with its queues', async () => {
    const vhost = await createTestVhost({ url: AMQP_URL, prefix: 'helper' });
    expect(vhost.name).toMatch(/^helper-\d+-[0-9a-f]{10}$/);
    expect(await vhosts()).toContain(vhost.name);
    const connection = await Connection.connect(vhost.url);
    connection.on('error', () => undefined);
    const closed = new Promise<unknown>((resolve) => connection.once('close', resolve));
    const ch = await connection.channel();
    await ch.queueDeclare({ queue: 'inside' });
    await vhost.dispose();
    await vhost.dispose();
    expect(await vhosts()).not.toContain(vhost.name);
    // Deleting the vhost closed the connection into it.
    expect(await closed).toBeDefined();
  }, 180_000);

  it('names the failure when rabbitmqctl cannot be run', async () => {
    await expect(createTestVhost({ url: AMQP_URL, rabbitmqctl: ['/nonexistent/rabbitmqctl'] })).rejects.toThrow(/not found/);
    await expect(createTestVhost({ url: AMQP_URL, rabbitmqctl: ['/nonexistent/rabbitmqctl'] })).rejects.toBeInstanceOf(VhostHelperError);
  });
});

describe('useTestVhost with the runner hooks', () => {
  const vhost = useTestVhost({ beforeAll, afterAll }, { url: AMQP_URL, prefix: 'hooks' });
  it('gives the URL inside the tests', async () => {
    const c = await Connection.connect(vhost.url);
    expect(decodeURIComponent(new URL(vhost.url).pathname.slice(1))).toBe(vhost.name);
    await c.close();
  });
});

describe('createTestVhost with the management API', () => {
  const calls: string[] = [];
  let managementUrl = '';
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url} ${req.headers.authorization} ${body}`);
      res.statusCode = req.method === 'DELETE' ? 204 : 201;
      res.end();
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    managementUrl = `http://admin:secret@127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('puts the vhost and the permissions, then deletes it', async () => {
    const vhost = await createTestVhost({ url: 'amqp://app:pw@rabbit:5672', managementUrl, prefix: 'http' });
    await vhost.dispose();
    const auth = `Basic ${Buffer.from('admin:secret').toString('base64')}`;
    const name = encodeURIComponent(vhost.name);
    expect(calls).toEqual([
      `PUT /api/vhosts/${name} ${auth} {}`,
      `PUT /api/permissions/${name}/app ${auth} {"configure":".*","write":".*","read":".*"}`,
      `DELETE /api/vhosts/${name} ${auth} `,
    ]);
    expect(vhost.url).toBe(`amqp://app:pw@rabbit:5672/${name}`);
  });
});
