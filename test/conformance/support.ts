/**
 * The conformance suite's harness: one set of broker behaviours (cases/*.ts), written against the
 * engine's public API, run on the in-memory broker and on the real RabbitMQ (in a vhost of the
 * suite's own). A case gets a context with fresh names, connections closed after it, and helpers
 * that wait on deliveries and channel closes with real time on both brokers.
 */
import {
  ChannelClosedError,
  Connection,
  type BasicDeliver,
  type BasicProperties,
  type Channel,
} from '../../lib/protocol/index.js';

/** One behaviour. */
export interface ConformanceCase {
  name: string;
  run(t: CaseContext): Promise<void>;
}

export interface Delivery {
  method: BasicDeliver;
  properties: BasicProperties;
  body: Buffer;
  text: string;
}

/** Deliveries of one consumer, awaited by count. */
export class Collector {
  readonly messages: Delivery[] = [];
  tag = '';
  #waiters: { n: number; resolve: () => void }[] = [];

  readonly onMessage = (_ch: Channel, method: BasicDeliver, properties: BasicProperties, body: Buffer): void => {
    this.messages.push({ method, properties, body, text: body.toString() });
    this.#waiters = this.#waiters.filter((w) => (this.messages.length >= w.n ? (w.resolve(), false) : true));
  };

  /** Resolves with the messages once there are at least `n` (rejects after `ms`). */
  async next(n: number, ms = 3000): Promise<Delivery[]> {
    if (this.messages.length < n) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${n} deliveries, got ${this.messages.length}`)), ms);
        this.#waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    }
    return this.messages;
  }
}

export interface CaseContext {
  /** A name of this case's own. */
  name(part: string): string;
  readonly url: string;
  connect(url?: string): Promise<Connection>;
  /** A channel on the case's shared connection. */
  channel(): Promise<Channel>;
  /** A channel in confirm mode. */
  confirmChannel(): Promise<Channel>;
  consume(ch: Channel, queue: string, options?: { autoAck?: boolean; exclusive?: boolean }): Promise<Collector>;
  /** Every ready message of a queue, fetched with basic.get (auto-ack). */
  drain(ch: Channel, queue: string): Promise<Delivery[]>;
  /** Waits until `queue` holds `n` ready messages (passive declares). */
  depth(ch: Channel, queue: string, n: number, ms?: number): Promise<void>;
  /** Resolves with the channel's close error (a broker-initiated close). */
  closed(ch: Channel): Promise<ChannelClosedError>;
  sleep(ms: number): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn`, expecting it to fail with a ChannelClosedError of `code`; returns the error. */
export async function expectChannelError(promise: Promise<unknown>, code: number): Promise<ChannelClosedError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ChannelClosedError)) throw new Error(`expected a channel error ${code}, got ${String(error)}`);
  if (error.replyCode !== code) throw new Error(`expected reply code ${code}, got ${error.replyCode} (${error.replyText})`);
  return error;
}

/** Makes the context of one case; `dispose()` closes what it opened. */
export function caseContext(url: string, caseName: string): CaseContext & { dispose(): Promise<void> } {
  const connections: Connection[] = [];
  let shared: Promise<Connection> | undefined;
  const slug = caseName.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 60);
  const t = {
    url,
    name: (part: string) => `conf.${slug}.${part}`,
    async connect(other?: string) {
      const c = await Connection.connect(other ?? url);
      c.on('error', () => undefined);
      connections.push(c);
      return c;
    },
    async channel() {
      shared ??= t.connect();
      return (await shared).channel();
    },
    async confirmChannel() {
      const ch = await t.channel();
      await ch.confirmDelivery();
      return ch;
    },
    async consume(ch: Channel, queue: string, options: { autoAck?: boolean; exclusive?: boolean } = {}) {
      const collector = new Collector();
      collector.tag = await ch.basicConsume(queue, collector.onMessage, options);
      return collector;
    },
    async drain(ch: Channel, queue: string) {
      const out: Delivery[] = [];
      for (;;) {
        const m = await ch.basicGet(queue, { autoAck: true });
        if (m === null) return out;
        out.push({ method: m.method as unknown as BasicDeliver, properties: m.properties, body: m.body, text: m.body.toString() });
      }
    },
    async depth(ch: Channel, queue: string, n: number, ms = 3000) {
      const until = Date.now() + ms;
      for (;;) {
        const ok = await ch.queueDeclare({ queue, passive: true });
        if (ok.messageCount === n) return;
        if (Date.now() > until) throw new Error(`queue ${queue}: expected ${n} ready, has ${ok.messageCount}`);
        await sleep(20);
      }
    },
    closed(ch: Channel) {
      return new Promise<ChannelClosedError>((resolve) => ch.addOnCloseCallback((_c, e) => resolve(e as ChannelClosedError)));
    },
    sleep,
    async dispose() {
      for (const c of connections) if (c.isOpen) await c.close().catch(() => undefined);
    },
  };
  return t;
}
