/**
 * The suite's own vhost (test/support/vhost): AMQP_URL names it, the suite's connections land in it,
 * and what the suite declares is there and not in vhost `/`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';
import { brokerAddress, brokerUrl, brokerVhost } from '../../support/broker-url.js';
import { queueInfo } from '../../support/broker-queues.js';
import { waitForConnection } from '../../support/broker.js';
import { poolDir } from '../../support/vhost/vhost-pool.js';
import { existsSync } from 'node:fs';

const vhost = brokerVhost();
const queue = `vhost-e2e.probe.${process.pid}.${Date.now().toString(36)}`;
const connectionName = `vhost-e2e.connection.${process.pid}.${Date.now().toString(36)}`;
let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect(new ConnectionParameters({ ...brokerAddress(), virtualHost: vhost, connectionName }));
});

afterAll(async () => {
  // the queue stays: deleting the vhost after this hook takes it along
  await connection.close();
});

describe('a suite on a vhost of its own', () => {
  it('has AMQP_URL point at a vhost of this run, keeping the host and the credentials', () => {
    expect(vhost).toMatch(new RegExp(`^e2e-${process.env['E2E_VHOST_RUN']}-[0-9]+-[0-9a-f]{10}$`));
    // taken from the run's pool, by this suite alone
    expect(existsSync(`${poolDir()}/taken.${vhost}`)).toBe(true);
    expect(existsSync(`${poolDir()}/free.${vhost}`)).toBe(false);
    const url = new URL(brokerUrl());
    expect(`${url.username}:${url.password}`).toBe('guest:guest');
    expect(url.pathname).toBe(`/${encodeURIComponent(vhost)}`);
  });

  it("lands the suite's connections and queues in it, not in vhost /", async () => {
    const channel = await connection.channel();
    await channel.queueDeclare({ queue, durable: false });
    await channel.close();
    expect((await waitForConnection(connectionName)).vhost).toBe(vhost);
    expect(await queueInfo(queue)).toMatchObject({ name: queue, messages: 0 });
    expect(await queueInfo(queue, '/')).toBeUndefined();
  });
});
