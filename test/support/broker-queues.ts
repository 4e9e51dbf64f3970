/**
 * Queue and channel listings of the real broker through `rabbitmqctl` (see broker.ts). For the
 * ready count and consumer count alone, queue-probe.ts asks over AMQP, which costs far less.
 */
import { brokerVhost } from './broker-url.js';
import { RabbitmqctlError, rabbitmqctl } from './rabbitmqctl.js';

// ---------------------------------------------------------------------------------------------
// queues

/** What the broker says about a queue right now. */
export interface QueueInfo {
  name: string;
  messages: number;
  messagesReady: number;
  messagesUnacknowledged: number;
  consumers: number;
  durable: boolean;
  type: string;
}

/** The queue's counters from `rabbitmqctl list_queues` (in AMQP_URL's vhost unless given), or undefined when it does not exist. */
export async function queueInfo(name: string, vhost = brokerVhost()): Promise<QueueInfo | undefined> {
  const out = await rabbitmqctl([
    'list_queues',
    '-p',
    vhost,
    'name',
    'messages',
    'messages_ready',
    'messages_unacknowledged',
    'consumers',
    'durable',
    'type',
    '--formatter',
    'json',
    '-q',
  ]);
  const rows = JSON.parse(out.trim() === '' ? '[]' : out) as Record<string, unknown>[];
  const row = rows.find((r) => r['name'] === name);
  if (row === undefined) return undefined;
  return {
    name,
    messages: Number(row['messages'] ?? 0),
    messagesReady: Number(row['messages_ready'] ?? 0),
    messagesUnacknowledged: Number(row['messages_unacknowledged'] ?? 0),
    consumers: Number(row['consumers'] ?? 0),
    durable: row['durable'] === true,
    type: String(row['type'] ?? 'classic'),
  };
}

/** Deletes a queue (in AMQP_URL's vhost unless given); resolves false when there was none (so cleanup can call it unconditionally). */
export async function deleteQueue(name: string, vhost = brokerVhost()): Promise<boolean> {
  try {
    await rabbitmqctl(['delete_queue', '-p', vhost, name]);
    return true;
  } catch (error) {
    if (error instanceof RabbitmqctlError && /not found/i.test(error.stderr)) return false;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// channels

/** A channel's basic.qos as the broker holds it. */
export interface ChannelPrefetch {
  /** The broker's name for it: `client-ip:port -> server-ip:port (n)`. */
  name: string;
  consumerCount: number;
  /** basic.qos with global = true (RabbitMQ: shared by the channel's consumers); 0 when unset. */
  globalPrefetchCount: number;
}

/**
 * Every channel's global prefetch. RabbitMQ 4.0 still applies a global basic.qos (a deprecated
 * feature, permitted by default) but its CLI no longer lists `global_prefetch_count`, so there the
 * channel processes are asked directly (`rabbitmqctl eval`).
 */
export async function listChannelPrefetch(): Promise<ChannelPrefetch[]> {
  try {
    const out = await rabbitmqctl([
      'list_channels',
      'name',
      'consumer_count',
      'global_prefetch_count',
      '-q',
      '--formatter',
      'json',
    ]);
    const rows = JSON.parse(out.trim() === '' ? '[]' : out) as {
      name: string;
      consumer_count: number;
      global_prefetch_count: number;
    }[];
    return rows.map((row) => ({
      name: row.name,
      consumerCount: row.consumer_count,
      globalPrefetchCount: row.global_prefetch_count,
    }));
  } catch (error) {
    if (!(error instanceof RabbitmqctlError && /global_prefetch_count are not supported/.test(error.stderr)))
      throw error;
  }
  const out = await rabbitmqctl([
    'eval',
    '-q',
    'lists:foreach(fun(P) -> case catch rabbit_channel:info(P, [name, consumer_count, global_prefetch_count]) of ' +
      '[{name, N}, {consumer_count, C}, {global_prefetch_count, G}] -> io:format("~ts\\t~b\\t~b~n", [N, C, G]); ' +
      '_ -> ok end end, rabbit_channel:list()).',
  ]);
  const rows: ChannelPrefetch[] = [];
  for (const line of out.split('\n')) {
    const match = /^(.+ \(\d+\))\t(\d+)\t(\d+)$/.exec(line);
    if (match !== null)
      rows.push({ name: match[1]!, consumerCount: Number(match[2]), globalPrefetchCount: Number(match[3]) });
  }
  return rows;
}
