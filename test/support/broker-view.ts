/**
 * The broker's view of some queues and exchanges in ONE `rabbitmqctl eval`: their declarations
 * (with arguments), the bindings to those queues, their consumers, the channels that consume and
 * every connection's client properties. Each rabbitmqctl call boots an Erlang VM (1.5-3 s on a busy
 * machine); the `list_*` commands need six calls for the same view.
 *
 * The expression asks the broker's own info functions for items by name (the ones `list_queues`,
 * `list_exchanges`, `list_bindings`, `list_consumers`, `list_channels` and `list_connections`
 * print), turns each proplist into a JSON object by key and each resource into its name, and
 * prints the whole as base64 of rabbit_json's encoding (so no shell or io encoding touches it).
 * Records and proplist orders differ between RabbitMQ 3.10 and 4.0; nothing here reads a field by
 * position. A section the broker cannot answer comes back as `{ error }` and throws here, naming it.
 */
import { brokerVhost } from './broker-url.js';
import { rabbitmqctl } from './rabbitmqctl.js';

/** A field table as rabbitmqctl's JSON writes it: [key, type, value] triples. */
export type TableTriples = Array<[string, string, unknown]>;

export interface ViewQueue {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: TableTriples;
}

export interface ViewExchange {
  name: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  arguments: TableTriples;
}

export interface ViewBinding {
  source_name: string;
  destination_name: string;
  routing_key: string;
}

export interface ViewConsumer {
  queue_name: string;
  consumer_tag: string;
  prefetch_count: number;
  ack_required: boolean;
}

/** A channel with at least one consumer. */
export interface ViewChannel {
  /** `client-ip:port -> server-ip:port (n)`: its connection's name and its number. */
  name: string;
  consumer_count: number;
  /** basic.qos with global = true; 0 when unset. */
  global_prefetch_count: number;
}

export interface ViewConnection {
  /** `client-ip:port -> server-ip:port`. */
  name: string;
  client_properties: TableTriples;
}

/** What one eval returns, each section limited to the names asked for. */
export interface BrokerView {
  queues: ViewQueue[];
  exchanges: ViewExchange[];
  bindings: ViewBinding[];
  consumers: ViewConsumer[];
  channels: ViewChannel[];
  connections: ViewConnection[];
}

/** What to look at: queue and exchange names of one vhost. */
export interface ViewScope {
  vhost?: string;
  queues: readonly string[];
  exchanges: readonly string[];
}

/** The eval expression; `want` is base64 of JSON `{ vhost, queues, exchanges }`. */
export function viewExpression(want: string): string {
  return `
J = fun J(V) when is_binary(V); is_number(V); is_boolean(V) -> V;
        J(undefined) -> null;
        J(V) when is_atom(V) -> atom_to_binary(V, utf8);
        J(V) when is_pid(V) -> list_to_binary(pid_to_list(V));
        J({resource, _, _, Name}) -> Name;
        J(V) when is_tuple(V) -> [J(E) || E <- tuple_to_list(V)];
        J(V) when is_list(V) ->
          case V =/= [] andalso lists:all(fun({K, _}) when is_atom(K) -> true; (_) -> false end, V) of
            true -> maps:from_list([{K, J(E)} || {K, E} <- V]);
            false -> [J(E) || E <- V]
          end;
        J(V) -> iolist_to_binary(io_lib:format("~p", [V]))
      end,
#{<<"vhost">> := VH, <<"queues">> := Qs, <<"exchanges">> := Xs} = rabbit_json:decode(base64:decode(<<"${want}">>)),
In = fun(Key, Names) -> fun(M) -> is_map(M) andalso lists:member(maps:get(Key, M, undefined), Names) end end,
S = fun(Keep, F) ->
      try [M || M <- J(F()), Keep(M)]
      catch C:R -> #{error => iolist_to_binary(io_lib:format("~p:~p", [C, R]))} end
    end,
Out = #{queues => S(In(name, Qs), fun() -> rabbit_amqqueue:info_all(VH, [name, durable, auto_delete, exclusive, arguments]) end),
        exchanges => S(In(name, Xs), fun() -> rabbit_exchange:info_all(VH, [name, type, durable, auto_delete, arguments]) end),
        bindings => S(In(destination_name, Qs), fun() -> rabbit_binding:info_all(VH, [source_name, destination_name, routing_key]) end),
        consumers => S(In(queue_name, Qs), fun() -> rabbit_amqqueue:consumers_all(VH) end),
        channels => S(fun(M) -> is_map(M) andalso maps:get(consumer_count, M, 0) > 0 end,
                      fun() -> [I || P <- rabbit_channel:list(),
                                     I <- [catch rabbit_channel:info(P, [name, consumer_count, global_prefetch_count])],
                                     is_list(I)] end),
        connections => S(fun(M) -> is_map(M) end, fun() -> rabbit_networking:connection_info_all([name, client_properties]) end)},
io:format("BROKER-VIEW ~s~n", [base64:encode(iolist_to_binary(rabbit_json:encode(Out)))]),
ok.`;
}

/** The broker could not answer one part of the view, or its answer did not read. */
export class BrokerViewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerViewError';
  }
}

/** Reads the eval's output: the `BROKER-VIEW <base64>` line. */
export function parseView(out: string): BrokerView {
  const line = out.split('\n').find((candidate) => candidate.startsWith('BROKER-VIEW '));
  if (line === undefined) throw new BrokerViewError(`rabbitmqctl eval printed no view: ${out.trim().slice(0, 500)}`);
  const parsed = JSON.parse(Buffer.from(line.slice('BROKER-VIEW '.length).trim(), 'base64').toString('utf8')) as Record<
    string,
    unknown
  >;
  const sections = ['queues', 'exchanges', 'bindings', 'consumers', 'channels', 'connections'] as const;
  for (const section of sections) {
    const value = parsed[section];
    if (!Array.isArray(value)) {
      const error = (value as { error?: unknown } | undefined)?.error;
      throw new BrokerViewError(`the broker did not list ${section}: ${String(error ?? JSON.stringify(value))}`);
    }
  }
  return parsed as unknown as BrokerView;
}

/** The view of `scope` (AMQP_URL's vhost unless given) in one rabbitmqctl call. */
export async function brokerView(scope: ViewScope): Promise<BrokerView> {
  const want = Buffer.from(
    JSON.stringify({ vhost: scope.vhost ?? brokerVhost(), queues: scope.queues, exchanges: scope.exchanges }),
  ).toString('base64');
  return parseView(await rabbitmqctl(['eval', '-q', viewExpression(want)]));
}
