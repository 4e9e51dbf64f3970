/**
 * The broker's client connections from ONE `rabbitmqctl list_connections` (tab-separated), pid and
 * client properties together. The JSON formatter would give the properties ready-made but writes
 * pids as `#PID<...>`, which close_connection refuses, so broker.ts used to pair two listings; each
 * call boots an Erlang VM (about a second of CPU), and a suite lists connections often.
 */
import { rabbitmqctl } from './rabbitmqctl.js';

/** A client connection as the broker lists it. */
export interface BrokerConnection {
  /** Erlang pid as `close_connection` takes it, e.g. `<rabbit@host.1.824.0>`. */
  pid: string;
  /** The broker's name for it: `client-ip:port -> server-ip:port`. */
  name: string;
  user: string;
  vhost: string;
  state: string;
  /** The client properties the client sent, decoded to plain values. */
  clientProperties: Record<string, unknown>;
  /** `client_properties.connection_name`, when the client set one. */
  connectionName: string | undefined;
}

/**
 * The listing writes client properties as an Erlang-like term: `[{"key",value},...]`, strings in
 * double quotes, tables as lists of pairs, `true`/`false`, numbers. Tuples become JSON arrays; a
 * list made only of string-keyed pairs is a table. Anything else (another atom, a binary) throws.
 */
export function parseClientProperties(text: string): Record<string, unknown> {
  let json = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (inString) {
      json += c;
      if (c === '\\') json += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      json += c;
    } else json += c === '{' ? '[' : c === '}' ? ']' : c;
  }
  const value = decode(JSON.parse(json === '' ? '[]' : json));
  if (Array.isArray(value)) {
    if (value.length === 0) return {};
    throw new Error(`client properties are not a table: ${text}`);
  }
  return value as Record<string, unknown>;
}

function decode(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const isTable =
    value.length > 0 && value.every((entry) => Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string');
  if (!isTable) return value.map(decode);
  return Object.fromEntries((value as [string, unknown][]).map(([key, v]) => [key, decode(v)]));
}

/**
 * Every client connection on the broker (all vhosts) from one listing, or undefined when a row
 * does not parse (the caller then pairs the JSON and pid listings).
 */
export async function listConnectionsInOneCall(): Promise<BrokerConnection[] | undefined> {
  const out = await rabbitmqctl([
    'list_connections',
    'pid',
    'name',
    'user',
    'vhost',
    'state',
    'client_properties',
    '-q',
    '--no-table-headers',
  ]);
  const connections: BrokerConnection[] = [];
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const [pid, name, user, vhost, state, properties, ...rest] = line.split('\t');
    if (rest.length > 0 || properties === undefined || !/^<.+>$/.test(pid!)) return undefined;
    let clientProperties: Record<string, unknown>;
    try {
      clientProperties = parseClientProperties(properties);
    } catch {
      return undefined;
    }
    const connectionName = clientProperties['connection_name'];
    connections.push({
      pid: pid!,
      name: name!,
      user: user!,
      vhost: vhost!,
      state: state!,
      clientProperties,
      connectionName: typeof connectionName === 'string' ? connectionName : undefined,
    });
  }
  return connections;
}
