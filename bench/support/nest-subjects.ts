/**
 * bench:nest's three subjects, each a Nest server and client on their own fresh queue: ServerAMQP +
 * ClientAMQP as they ship, the same with Nest RMQ's delivery semantics, and Nest's RMQ transport.
 */
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientRMQ, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { ClientAMQP, ServerAMQP } from '../../lib/index.js';
import { PREFETCH, AMQP_URL, type Peer } from './nest-settings.js';
import { sumModule, type BenchClient } from './sum-app.js';

export interface Subject {
  peer: Peer;
  label: string;
  server: INestMicroservice;
  client: BenchClient;
  received: { events: number };
  queue: string;
}

export async function start(peer: Peer): Promise<Subject> {
  const queue = `bench-nest-${peer}-${process.pid}-${Date.now().toString(36)}`;
  const received = { events: 0 };
  // 'noack': ServerAMQP with Nest RMQ's delivery semantics (noAck, unlimited prefetch), like for like.
  const ours = peer === 'ours' ? (PREFETCH === undefined ? {} : { prefetchCount: PREFETCH }) : { noAck: true, prefetchCount: 0 };
  const options: MicroserviceOptions =
    peer === 'nest'
      ? { transport: Transport.RMQ, options: { urls: [AMQP_URL], queue, queueOptions: { durable: false } } }
      : {
          strategy: new ServerAMQP({
            urls: [AMQP_URL],
            queue,
            queueOptions: { durable: false },
            connectionKey: `bench-server-${peer}`,
            ...ours,
          }),
        };
  const server = await NestFactory.createMicroservice<MicroserviceOptions>(sumModule(received), {
    ...options,
    logger: ['error'],
  });
  await server.listen();
  const client: BenchClient =
    peer === 'nest'
      ? new ClientRMQ({ urls: [AMQP_URL], queue, queueOptions: { durable: false } })
      : new ClientAMQP({
          urls: [AMQP_URL],
          queue,
          queueOptions: { durable: false },
          connectionKey: `bench-client-${peer}`,
        });
  await client.connect();
  const label = { ours: 'ours (acked, prefetch 100)', noack: 'ours, noAck (as Nest)', nest: 'Nest RMQ (amqplib)' }[peer];
  return { peer, label, server, client, received, queue };
}

export async function stop(subject: Subject): Promise<void> {
  await subject.client.close();
  await subject.server.close();
}
