// Per-environment settings, read once at start-up: ORDERS_QUEUE=orders.staging in one environment,
// orders.production in another; the code does not change.
export const settings = () => ({
  amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  consumers: {
    orders: {
      queue: process.env.ORDERS_QUEUE ?? 'docs.configuration-and-control.orders',
      prefetch: Number(process.env.ORDERS_PREFETCH ?? 20),
      retry: { attempts: 2, delay: 100 },
    },
  },
});
