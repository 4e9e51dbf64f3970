import type { RmqOptions } from '@nestjs/microservices';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// The options a Transport.RMQ app already has, typed by Nest, unchanged.
export const ORDERS_RMQ_OPTIONS: NonNullable<RmqOptions['options']> = {
  urls: [AMQP_URL],
  queue: 'docs.migrating-from-transport-rmq.orders',
  queueOptions: {
    durable: false,
    messageTtl: 60_000,
    deadLetterExchange: '',
    deadLetterRoutingKey: 'docs.migrating-from-transport-rmq.dead',
  },
  wildcards: true,
  noAck: false,
  prefetchCount: 10,
  socketOptions: { heartbeatIntervalInSeconds: 30, clientProperties: { connectionName: 'orders-service' } },
};
