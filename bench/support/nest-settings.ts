/**
 * bench:nest's settings, read from the environment once (AMQP_URL, BENCH_ROUNDS, BENCH_SCALE,
 * BENCH_PREFETCH, BENCH_TRACING), and the three subjects it compares.
 */
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
export const SEQUENTIAL_CALLS = Math.max(50, Math.round(2000 * SCALE));
export const PARALLEL_CALLS = Math.max(200, Math.round(20_000 * SCALE));
export const IN_FLIGHT = 100;
export const EVENTS = Math.max(500, Math.round(20_000 * SCALE));
export const EVENT_WINDOW = 1000;
/** ServerAMQP's prefetch on the default queue (its default is 100); BENCH_PREFETCH overrides it. */
export const PREFETCH = process.env.BENCH_PREFETCH === undefined ? undefined : Number(process.env.BENCH_PREFETCH);
/** The SDK registered (bench:nest:otel): each round also measures the SDK's own floor (support/otel-floor.ts). */
export const TRACING = process.env.BENCH_TRACING === 'sdk';

export type Peer = 'ours' | 'noack' | 'nest';
export const PEERS: Peer[] = ['ours', 'noack', 'nest'];
