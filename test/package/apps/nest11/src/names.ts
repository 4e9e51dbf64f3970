// The broker names of one run: the suffix keeps parallel runs apart; both queues are auto-delete.
const suffix = process.env.PACKAGE_APP_SUFFIX ?? `${process.pid}`;

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const RPC_QUEUE = `compat.package.app.rpc.${suffix}`;
export const JOBS_QUEUE = `compat.package.app.jobs.${suffix}`;
export const MATH = 'MATH';
