// Everything this app declares on the broker, in one place.
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const ORDERS_EXCHANGE = 'docs.getting-started.orders'; // a topic exchange the publisher declares
export const ORDERS_QUEUE = 'docs.getting-started.order-events'; // consumed by @QueueConsumer
export const RPC_QUEUE = 'docs.getting-started.rpc'; // the server's default queue (@MessagePattern, @EventPattern)
export const MATH = 'MATH'; // the ClientProxy's injection token
