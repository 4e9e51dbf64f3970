/**
 * The request-outage scenario shared by the short suite (npm test) and the long one (test:faults):
 * an AmqpPublisher on a TCP proxy; the proxy drops its connection and refuses new ones for
 * `outageMs`; `requests` requests of `bodyBytes` each are made during the outage, before any request
 * was made (the RPC channel does not exist yet) or after one (it exists and is recovering). Each
 * request's fate and the time from its call to it are recorded, with the outage budget's peak.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Test } from '@nestjs/testing';
import amqplib from 'amqplib';
import type { OutageOptions } from '../../../lib/protocol/recovery/index.js';
import { OutageBudgetError, RequestTimeoutError } from '../../../lib/protocol/index.js';
import { AmqpModule, AmqpPublisher } from '../../../lib/transport/index.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { AMQP_URL, uniqueName, waitFor } from '../nest/client/support.js';

export interface RequestOutageOptions {
  requests: number;
  bodyBytes: number;
  outageMs: number;
  timeoutMs: number;
  outage: OutageOptions;
  /** Make one request before the outage, so that the RPC channel exists and recovers. */
  warmRpc: boolean;
}

export interface RequestOutageResult {
  refusedBytes: number;
  refusedOther: number;
  timedOut: number;
  otherErrors: string[];
  answered: number;
  /** Requests still unsettled when the outage ended (must be 0: each has its own timeout). */
  pendingAtRecovery: number;
  /** Time from each timed-out request's call to its rejection, ms. */
  timeoutLatencyMs: { min: number; max: number };
  budgetPeakBytes: number;
  /** A request made after the recovery is answered. */
  answeredAfter: boolean;
}

export async function runRequestOutage(options: RequestOutageOptions): Promise<RequestOutageResult> {
  const queue = uniqueName('outage.request');
  const proxy = await TcpProxy.start();
  // The responder is on its own connection to the broker, untouched by the outage.
  const responderConnection = await amqplib.connect(AMQP_URL);
  const responder = await responderConnection.createChannel();
  await responder.assertQueue(queue, { durable: false, autoDelete: false });
  await responder.consume(
    queue,
    (message) => {
      if (message === null) return;
      responder.sendToQueue(message.properties.replyTo as string, Buffer.from('"pong"'), {
        correlationId: message.properties.correlationId as string,
        contentType: 'application/json',
      });
    },
    { noAck: true },
  );
  const moduleRef = await Test.createTestingModule({
    imports: [
      AmqpModule.forRoot({
        urls: [proxy.url()],
        connectionKey: queue,
        recovery: { initialDelayMs: 50, maxDelayMs: 250, outage: options.outage },
        requestTimeout: options.timeoutMs,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  try {
    const publisher = app.get(AmqpPublisher);
    if (options.warmRpc) await publisher.request('', queue, 'ping');
    const outageStart = Date.now();
    proxy.refuseNew(true);
    proxy.dropAll();
    await waitFor(() => (publisher.connection.isRecovering ? true : undefined));

    const pad = 'x'.repeat(options.bodyBytes);
    const result = { refusedBytes: 0, refusedOther: 0, timedOut: 0, answered: 0 };
    const otherErrors: string[] = [];
    const latencies: number[] = [];
    let settledCount = 0;
    const settled: Array<Promise<void>> = [];
    for (let n = 0; n < options.requests; n++) {
      const calledAt = performance.now();
      settled.push(
        publisher.request('', queue, { n, pad }).then(
          () => void (result.answered += 1),
          (error: unknown) => {
            if (error instanceof OutageBudgetError) {
              if (error.bound === 'bytes') result.refusedBytes += 1;
              else result.refusedOther += 1;
            } else if (error instanceof RequestTimeoutError) {
              result.timedOut += 1;
              latencies.push(performance.now() - calledAt);
            } else otherErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
          },
        ).finally(() => void (settledCount += 1)),
      );
      if (n % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    const remaining = outageStart + options.outageMs - Date.now();
    if (remaining > 0) await sleep(remaining);
    const pendingAtRecovery = options.requests - settledCount;
    const budgetPeakBytes = publisher.connection.outage.peakBytes;
    proxy.refuseNew(false);
    await Promise.all(settled);
    await waitFor(() => (publisher.connection.isOpen ? true : undefined), 15_000);
    const answeredAfter = (await publisher.request('', queue, 'after', { timeout: 10_000 })) === 'pong';
    return {
      ...result,
      otherErrors: otherErrors.slice(0, 5),
      pendingAtRecovery,
      timeoutLatencyMs: { min: Math.round(Math.min(...latencies)), max: Math.round(Math.max(...latencies)) },
      budgetPeakBytes,
      answeredAfter,
    };
  } finally {
    await app.close().catch(() => undefined);
    await responder.deleteQueue(queue).catch(() => undefined);
    await responderConnection.close().catch(() => undefined);
    await proxy.close();
  }
}
