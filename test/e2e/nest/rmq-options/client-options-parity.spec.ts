/**
 * The same RmqOptions object given to Nest's ClientRMQ and to ClientAMQP declares the same things on
 * the broker (rabbitmqctl): the queue with amqplib's shortcuts as x-arguments, the binding of
 * `exchange` + `routingKey`, the exchange of `wildcards` / fanout with its type and arguments; and a
 * message reaches the same place. Both emit Nest's `connect` event.
 */
import { jest, describe, it, expect } from '@jest/globals';
import { ClientRMQ, type RmqOptions } from '@nestjs/microservices';
import amqplib from 'amqplib';
import { lastValueFrom, toArray } from 'rxjs';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import { AMQP_URL, cleanup, rmqName, snapshot, type BrokerSnapshot } from './support.js';

type Options = NonNullable<RmqOptions['options']>;

interface Outcome {
  state: BrokerSnapshot;
  /** Where the emitted event landed: the queue's message count, or what a probe queue bound to the exchange got. */
  landed: string[];
  connectEvents: number;
}

async function runWith(
  kind: 'ClientRMQ' | 'ClientAMQP',
  options: Options,
  queue: string,
  exchanges: string[],
  probeExchange?: string,
  declareProbeExchange = false,
): Promise<Outcome> {
  const admin = await amqplib.connect(AMQP_URL);
  const channel = await admin.createChannel();
  const probe = rmqName('probe');
  try {
    // An exchange the client binds to must exist first; one the client declares is left to it.
    if (probeExchange !== undefined && declareProbeExchange) await channel.assertExchange(probeExchange, 'topic', { durable: true });
    let connectEvents = 0;
    const onConnect = (): void => {
      connectEvents += 1;
    };
    const client = kind === 'ClientRMQ' ? new ClientRMQ(options) : new ClientAMQP(options);
    if (client instanceof ClientRMQ) client.on('connect', onConnect);
    else client.on('connect', onConnect);
    try {
      await client.connect();
      const viaProbe = probeExchange !== undefined && !declareProbeExchange;
      if (viaProbe) {
        await channel.assertQueue(probe, { durable: false, exclusive: true });
        await channel.bindQueue(probe, probeExchange, '#');
      }
      await lastValueFrom(client.emit('orders.created', { kind }).pipe(toArray()));
      const state = await snapshot([queue], exchanges, '(no connection name)');
      const landed: string[] = [];
      const target = viaProbe ? probe : queue;
      for (let i = 0; i < 20 && landed.length === 0; i += 1) {
        const message = await channel.get(target, { noAck: true });
        if (message !== false) landed.push(`${target === probe ? 'exchange' : 'queue'} ${message.fields.routingKey}`);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { state, landed: landed.map((entry) => entry.replace(queue, '<queue>')), connectEvents };
    } finally {
      await client.close();
    }
  } finally {
    await admin.close();
  }
}

async function compare(build: (queue: string, exchange: string) => Options, probe: 'queue' | 'exchange' | 'queue-bound-to-exchange'): Promise<Outcome> {
  const queue = rmqName('client-q');
  const exchange = rmqName('client-x');
  const options = build(queue, exchange);
  const exchanges = [queue, exchange];
  try {
    const probeExchange = probe === 'exchange' ? (options.exchange ?? queue) : probe === 'queue-bound-to-exchange' ? exchange : undefined;
    const declare = probe === 'queue-bound-to-exchange';
    const rmq = await runWith('ClientRMQ', options, queue, exchanges, probeExchange, declare);
    await cleanup([queue], exchanges);
    const amqp = await runWith('ClientAMQP', options, queue, exchanges, probeExchange, declare);
    expect(amqp.state.queues).toEqual(rmq.state.queues);
    expect(amqp.state.exchanges).toEqual(rmq.state.exchanges);
    expect(amqp.state.bindings).toEqual(rmq.state.bindings);
    expect(amqp.landed).toEqual(rmq.landed);
    expect(rmq.connectEvents).toBeGreaterThanOrEqual(1);
    expect(amqp.connectEvents).toBe(1);
    return amqp;
  } finally {
    await cleanup([queue], exchanges);
  }
}

// Each case starts both transports and lists the broker's state with rabbitmqctl: ~10 s, more on a loaded machine.
jest.setTimeout(90_000);

describe('the same RmqOptions object: ClientRMQ and ClientAMQP', () => {
  it('queueOptions shortcuts: the asserted queue carries the same x-arguments; the event lands in it', async () => {
    const amqp = await compare(
      (queue) => ({
        urls: [AMQP_URL],
        queue,
        persistent: true,
        headers: { tenant: 'a' },
        queueOptions: { durable: false, messageTtl: 60_000, deadLetterExchange: 'rmq-dlx', maxLength: 100, maxPriority: 3, expires: 600_000 },
      }),
      'queue',
    );
    expect(amqp.state.queues[0]?.arguments).toEqual({
      'x-message-ttl': 60_000,
      'x-dead-letter-exchange': 'rmq-dlx',
      'x-max-length': 100,
      'x-max-priority': 3,
      'x-expires': 600_000,
    });
    expect(amqp.landed).toEqual(['queue <queue>']);
  });

  it('exchange + routingKey (no wildcards): the queue is bound to the exchange with the key, messages still go to the queue', async () => {
    const amqp = await compare(
      (queue, exchange) => ({ urls: [AMQP_URL], queue, queueOptions: { durable: false }, exchange, routingKey: 'client-rk' }),
      'queue-bound-to-exchange',
    );
    expect(amqp.state.bindings.map((binding) => binding.routing_key)).toEqual(['client-rk']);
    expect(amqp.landed).toEqual(['queue <queue>']);
  });

  it('wildcards with exchangeType and exchangeArguments: the exchange is declared, the pattern is the routing key', async () => {
    const amqp = await compare(
      (queue, exchange) => ({
        urls: [AMQP_URL],
        queue,
        wildcards: true,
        exchange,
        exchangeType: 'topic',
        exchangeArguments: { 'alternate-exchange': 'rmq-ae' },
      }),
      'exchange',
    );
    expect(amqp.state.exchanges).toEqual([expect.objectContaining({ type: 'topic', durable: true, arguments: { 'alternate-exchange': 'rmq-ae' } })]);
    expect(amqp.state.queues).toEqual([]);
    expect(amqp.landed).toEqual(['exchange orders.created']);
  });

  it('exchangeType fanout: the exchange (named after the queue) is declared and published to', async () => {
    const amqp = await compare((queue) => ({ urls: [AMQP_URL], queue, exchangeType: 'fanout' }), 'exchange');
    expect(amqp.state.exchanges).toEqual([expect.objectContaining({ type: 'fanout', durable: true })]);
    expect(amqp.landed).toEqual(['exchange orders.created']);
  });
});
