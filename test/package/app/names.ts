/** Broker names of one run: the run's suffix keeps parallel runs apart; every queue is auto-delete. */
const suffix = process.env['PACKAGE_APP_SUFFIX'] ?? `${process.pid}`;

export const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
export const RPC_QUEUE = `compat.package.rpc.${suffix}`;
export const CONSUMER_QUEUE = `compat.package.consumer.${suffix}`;
