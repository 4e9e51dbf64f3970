import { describe, it, expect } from '@jest/globals';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import {
  type AMQPError,
  HeartbeatTimeoutError,
} from '../../../lib/protocol/errors.js';
import { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { BROKER } from './helpers.js';

describe('Connection e2e: heartbeats, backpressure', () => {
  it('detects a dead path (proxy stops forwarding) by heartbeat: HeartbeatTimeoutError, waiters settled', async () => {
    const proxy = await TcpProxy.start();
    try {
      const connection = await Connection.connect(
        new ConnectionParameters({ host: proxy.host, port: proxy.port, heartbeat: 1 }),
      );
      expect(connection.heartbeat).toBe(1);
      const channel = await connection.channel();
      const closed: (AMQPError | undefined)[] = [];
      connection.addOnCloseCallback((_c, error) => closed.push(error));
      const loop = connection.ioloop.start().catch((e: unknown) => e);
      proxy.pause();
      // A synchronous method in flight when the path dies must be settled too.
      const pending = channel.queueDeclare({ queue: '', exclusive: true }).catch((e: unknown) => e);
      const error = await loop;
      expect(error).toBeInstanceOf(HeartbeatTimeoutError);
      expect(closed).toEqual([error]);
      expect(await pending).toBeInstanceOf(HeartbeatTimeoutError);
      expect(connection.state).toBe('CLOSED');
      expect(channel.state).toBe('CLOSED');
    } finally {
      await proxy.close();
    }
  });

  it('keeps an idle connection alive with heartbeats while the path works', async () => {
    const proxy = await TcpProxy.start();
    try {
      const connection = await Connection.connect(
        new ConnectionParameters({ host: proxy.host, port: proxy.port, heartbeat: 1 }),
      );
      const before = proxy.bytes.toBroker;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(connection.isOpen).toBe(true);
      // At least one 8-byte heartbeat frame went out while we sent nothing else.
      expect(proxy.bytes.toBroker - before).toBeGreaterThanOrEqual(8);
      await connection.close();
    } finally {
      await proxy.close();
    }
  });

  it('fires the multiplier backpressure monitor under a publish flood, once per episode', async () => {
    const connection = await Connection.connect(
      new ConnectionParameters({ ...BROKER, backpressureDetection: true }),
    );
    try {
      let fired = 0;
      let events = 0;
      connection.addBackpressureCallback(() => (fired += 1));
      connection.on('backpressure', () => (events += 1));
      const channel = await connection.channel();
      const { queue } = await channel.queueDeclare({ queue: '', exclusive: true });
      const body = Buffer.alloc(1024, 7);
      // One synchronous burst: everything is written within one tick, far past 10 x the average frame.
      const publishes: Promise<void>[] = [];
      for (let i = 0; i < 5000; i += 1) publishes.push(channel.basicPublish('', queue, body));
      expect(fired).toBe(1);
      expect(events).toBe(1);
      await Promise.all(publishes);
      const purged = await channel.queuePurge({ queue });
      expect(purged.messageCount).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
  });
});
