/**
 * AmqpPublisher.request on a link that freezes (the TCP proxy stops reading: no FIN, no RST) while the
 * RPC channel is open: the first requests go into the socket, the rest wait their turn in the
 * connection's buffer behind the socket's high-water mark, inside the outage budget. Each is rejected
 * at its own timeout, and a request that times out while it waits leaves the budget then (not at the
 * budget's deadline) and is never sent later, after the link is healed and the connection recovered.
 */
import { describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import amqplib from 'amqplib';
import { RequestTimeoutError } from '../../../lib/protocol/index.js';
import { AmqpModule, AmqpPublisher } from '../../../lib/transport/index.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { AMQP_URL, uniqueName, waitFor } from '../nest/client/support.js';

const REQUESTS = 100;
const TIMEOUT_MS = 1_000;

describe('AmqpPublisher.request on a frozen link', () => {
  it('a request timing out in the buffer leaves the budget at its timeout and is never sent', async () => {
    const queue = uniqueName('frozen.request');
    const proxy = await TcpProxy.start();
    const responderConnection = await amqplib.connect(AMQP_URL);
    const responder = await responderConnection.createChannel();
    await responder.assertQueue(queue, { durable: false, autoDelete: false });
    const seen: number[] = [];
    await responder.consume(
      queue,
      (message) => {
        if (message === null) return;
        const body = JSON.parse(message.content.toString()) as { n?: number };
        if (body.n !== undefined) seen.push(body.n);
        responder.sendToQueue(message.properties.replyTo as string, Buffer.from('"pong"'), {
          correlationId: message.properties.correlationId as string,
        });
      },
      { noAck: true },
    );
    const moduleRef = await Test.createTestingModule({
      imports: [
        AmqpModule.forRoot({
          urls: [proxy.url()],
          connectionKey: queue,
          recovery: { initialDelayMs: 50, maxDelayMs: 250 },
          requestTimeout: TIMEOUT_MS,
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const publisher = app.get(AmqpPublisher);
      await publisher.request('', queue, { warm: true });
      proxy.freeze({ stall: true });
      const pad = 'x'.repeat(100_000);
      const outcomes = await Promise.all(
        Array.from({ length: REQUESTS }, (_, n) =>
          publisher.request('', queue, { n, pad }).then(
            () => 'answered',
            (error: unknown) => (error instanceof RequestTimeoutError ? 'timeout' : String(error)),
          ),
        ),
      );
      expect(outcomes.every((outcome) => outcome === 'timeout')).toBe(true);
      const afterTimeouts = publisher.connection.outage;
      // Some waited in the buffer (the socket took only its high-water mark and the kernel's windows).
      expect(afterTimeouts.peakMessages).toBeGreaterThan(0);
      expect(afterTimeouts).toMatchObject({ messages: 0, bytes: 0 });
      proxy.thaw();
      await waitFor(() => (publisher.connection.isOpen && publisher.connection.recoveries > 0 ? true : undefined), 15_000);
      expect(await publisher.request('', queue, { after: true }, { timeout: 5_000 })).toBe('pong');
      // Nothing of what timed out reached the broker after the recovery.
      expect(seen).toEqual([]);
    } finally {
      if (proxy.frozen) proxy.thaw();
      await app.close().catch(() => undefined);
      await responder.deleteQueue(queue).catch(() => undefined);
      await responderConnection.close().catch(() => undefined);
      await proxy.close();
    }
  }, 60_000);
});
