/**
 * Frozen and cut networks, through a TCP proxy in front of the shared broker: a frozen link (every
 * byte dropped, no FIN or RST either way) is detected by heartbeats within 2.5 intervals and
 * recovered once the path heals; nothing the broker confirmed is lost (duplicates are counted: they
 * are at-least-once redeliveries); an RPC in flight fails fast with a typed error and the next one
 * succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { lastValueFrom } from 'rxjs';
import { HeartbeatTimeoutError, URLParameters } from '../../lib/protocol/index.js';
import { RecoveringConnection } from '../../lib/protocol/recovery/index.js';
import { ClientAMQP, ServerAMQP } from '../../lib/transport/index.js';
import { deleteQueue } from '../support/broker.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

const BROKER_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const HEARTBEAT_S = 2;
/** The monitor declares death at 2 to 2.5 heartbeats; its check timer can fire late on a busy shared machine. */
const SCHEDULING_SLACK_MS = 500;
const RECOVERY = { initialDelayMs: 50, maxDelayMs: 500 };

function unique(prefix: string): string {
  return `outage.${prefix}.${process.pid}.${Date.now().toString(36)}`;
}

let proxy: TcpProxy;
beforeAll(async () => {
  proxy = await TcpProxy.start();
});
afterAll(async () => {
  await proxy.close();
});

describe('a frozen link (engine, publish with confirms + consume, both through the proxy)', () => {
  it('is detected within 2.5 heartbeats, recovered after it heals, and loses nothing confirmed', async () => {
    const queue = unique('freeze');
    const parameters = new URLParameters(proxy.url()).with({ heartbeat: HEARTBEAT_S, socketTimeout: 2 });
    const publisher = await RecoveringConnection.connect(parameters, { recovery: RECOVERY });
    const consumer = await RecoveringConnection.connect(parameters, { recovery: RECOVERY });
    try {
      expect(publisher.heartbeat).toBe(HEARTBEAT_S);
      const total = 3_000;
      const received = new Uint8Array(total + 1);
      let duplicates = 0;
      const consumerChannel = await consumer.channel();
      await consumerChannel.queueDeclare({ queue, durable: false, autoDelete: false });
      await consumerChannel.basicQos({ prefetchCount: 100 });
      await consumerChannel.basicConsume(queue, (channel, method, _properties, body) => {
        const n = Number(body.toString());
        if (received[n] === 1) duplicates += 1;
        received[n] = 1;
        try {
          channel.basicAck(method.deliveryTag);
        } catch {
          // stale after the loss: the broker redelivers it (counted as a duplicate then)
        }
      });
      const channel = await publisher.channel();
      await channel.confirmDelivery();

      const causes: Error[] = [];
      publisher.on('recovering', (cause) => causes.push(cause));
      let detectedAt = 0;
      publisher.once('recovering', () => (detectedAt = Date.now()));
      const confirmed = new Uint8Array(total + 1);
      const failures: unknown[] = [];
      let frozenAt = 0;
      const publishing: Array<Promise<void>> = [];
      for (let n = 1; n <= total; n += 1) {
        publishing.push(
          channel.publishWithRetry('', queue, String(n)).then(
            () => void (confirmed[n] = 1),
            (error: unknown) => void failures.push(error),
          ),
        );
        if (n === total / 3) {
          frozenAt = Date.now();
          proxy.freeze();
        }
        // 1,000 msg/s: a third before the freeze, the rest during it and after it heals.
        if (n % 10 === 0) await sleep(10);
      }
      await waitFor(() => detectedAt > 0, 'the frozen link detected', 10_000);
      const detectionMs = detectedAt - frozenAt;
      console.log(`frozen link detected after ${detectionMs} ms (heartbeat ${HEARTBEAT_S} s)`);
      expect(causes[0]).toBeInstanceOf(HeartbeatTimeoutError);
      expect(detectionMs).toBeLessThanOrEqual(2.5 * HEARTBEAT_S * 1000 + SCHEDULING_SLACK_MS);

      await sleep(1_000);
      proxy.thaw();
      await Promise.all(publishing);
      await waitFor(() => publisher.isOpen && consumer.isOpen, 'both recovered', 20_000);
      expect(publisher.recoveries).toBe(1);
      expect(failures).toEqual([]);
      await waitFor(() => received.every((got, n) => n === 0 || got === 1 || confirmed[n] === 0), 'every confirmed message received', 20_000);
      let lost = 0;
      for (let n = 1; n <= total; n += 1) if (confirmed[n] === 1 && received[n] === 0) lost += 1;
      console.log(`frozen link: ${total} confirmed, lost ${lost}, duplicates ${duplicates} (redeliveries and re-sends)`);
      expect(confirmed.slice(1).every((c) => c === 1)).toBe(true);
      expect(lost).toBe(0);
    } finally {
      if (proxy.frozen) proxy.thaw();
      await publisher.close().catch(() => undefined);
      await consumer.close().catch(() => undefined);
      await deleteQueue(queue).catch(() => undefined);
    }
  });
});

@Controller()
class EchoController {
  @MessagePattern('echo')
  echo(value: unknown): unknown {
    return value;
  }
}

describe('an RPC on a frozen link (ClientAMQP through the proxy, ServerAMQP straight to the broker)', () => {
  it('fails fast with the typed cause, and the next call after recovery succeeds', async () => {
    const queue = unique('rpc');
    const moduleRef = await Test.createTestingModule({ controllers: [EchoController] }).compile();
    const server = moduleRef.createNestMicroservice({
      strategy: new ServerAMQP({ urls: [BROKER_URL], queue, queueOptions: { durable: false, autoDelete: true } }),
      logger: false,
    });
    await server.listen();
    const client = new ClientAMQP({
      urls: [proxy.url()],
      queue,
      noAssert: true,
      timeout: 30_000,
      connectionOptions: { heartbeat: HEARTBEAT_S, socketTimeout: 2 },
      recovery: RECOVERY,
    });
    try {
      await client.connect();
      await expect(lastValueFrom(client.send('echo', 'before'))).resolves.toBe('before');

      proxy.freeze();
      const started = Date.now();
      const error = await lastValueFrom(client.send('echo', 'frozen')).then(
        () => undefined,
        (e: unknown) => e,
      );
      const failedAfterMs = Date.now() - started;
      console.log(`RPC on a frozen link failed after ${failedAfterMs} ms with ${String(error)}`);
      expect(error).toBeInstanceOf(HeartbeatTimeoutError);
      expect(failedAfterMs).toBeLessThanOrEqual(2.5 * HEARTBEAT_S * 1000 + SCHEDULING_SLACK_MS);

      proxy.thaw();
      const connection = client.unwrap();
      await waitFor(() => connection.isOpen, 'the client recovered', 20_000);
      await expect(lastValueFrom(client.send('echo', 'after'))).resolves.toBe('after');
    } finally {
      if (proxy.frozen) proxy.thaw();
      await client.close();
      await server.close();
    }
  });
});
