/**
 * What the client proposes and answers during the bring-up: client properties and the SASL response
 * (start-ok), and the tune values (channel_max, frame_max, heartbeat) negotiated as pika does.
 */
import { encodeMethodFrame, type FieldTable } from '../codec/index.js';
import { FrameError, InvalidArgumentError } from '../errors.js';
import type { ConnectionParameters } from '../parameters/index.js';

/** Name and version the client reports to the broker. */
export const CLIENT_PRODUCT = 'nestjs-amqp-transport';
export const CLIENT_VERSION = '0.1.0';

/** The spec's smallest frame_max: a broker offering less is refused. */
export const FRAME_MAX_MINIMUM = 4096;
/**
 * The heartbeat (seconds) used when the client left it to the broker and the broker proposes 0: a
 * broker alone cannot switch heartbeats off (RabbitMQ accepts a client's value over its 0). 60 s is
 * RabbitMQ's own default. Set `heartbeat: 0` to switch them off from this side.
 */
export const FALLBACK_HEARTBEAT = 60;

/** The largest channel number (channel_max 0 from either side means "no limit" = this). */
export const CHANNEL_MAX_LIMIT = 65535;

/** The capabilities RabbitMQ looks for before it sends the matching notifications. */
export const CLIENT_CAPABILITIES: Readonly<FieldTable> = {
  authentication_failure_close: true,
  'basic.nack': true,
  'connection.blocked': true,
  consumer_cancel_notify: true,
  exchange_exchange_bindings: true,
  publisher_confirms: true,
  per_consumer_qos: true,
};

/**
 * The client-properties table sent in connection.start-ok: the defaults, then the user's table over
 * them (its `capabilities` merged key by key so adding one keeps the others), then `connection_name`.
 */
export function buildClientProperties(user: FieldTable | undefined, connectionName: string | undefined): FieldTable {
  const userCapabilities = user?.capabilities;
  const capabilities: FieldTable =
    typeof userCapabilities === 'object' && userCapabilities !== null && !Array.isArray(userCapabilities) &&
    !Buffer.isBuffer(userCapabilities) && !(userCapabilities instanceof Date)
      ? { ...CLIENT_CAPABILITIES, ...(userCapabilities as FieldTable) }
      : { ...CLIENT_CAPABILITIES };
  const properties: FieldTable = {
    product: CLIENT_PRODUCT,
    version: CLIENT_VERSION,
    platform: `Node.js ${process.version}`,
    information: 'https://www.npmjs.com/package/nestjs-amqp-transport',
    ...user,
    capabilities,
  };
  if (connectionName !== undefined) properties.connection_name = connectionName;
  return properties;
}

/** pika's rule: the smaller of two values, where 0 (no limit) on one side yields the other. */
export function negotiateInteger(client: number, broker: number): number {
  return client === 0 || broker === 0 ? Math.max(client, broker) : Math.min(client, broker);
}

/** The values sent back in tune-ok and used from then on. */
export interface TuneResult {
  channelMax: number;
  frameMax: number;
  heartbeat: number;
}

/** The client's side of tune: the parameters' values (heartbeat may be a function of the broker's). */
export interface TuneWishes {
  channelMax: number;
  frameMax: number;
  heartbeat: number | ((connection: unknown, brokerValue: number) => number) | undefined;
}

/**
 * Negotiates connection.tune. channel_max and frame_max: the smaller non-zero value of both sides;
 * heartbeat: ours when set, even over the broker's 0 (a function is given the broker's value), else the
 * broker's, or {@link FALLBACK_HEARTBEAT} when the broker proposes 0.
 * @throws FrameError (501) when the broker offers a frame_max below the spec's minimum of 4096.
 * @throws InvalidArgumentError when a heartbeat function returns something other than 0..65535.
 */
export function negotiateTune(
  wishes: TuneWishes,
  broker: { channelMax: number; frameMax: number; heartbeat: number },
  owner: unknown,
): TuneResult {
  if (broker.frameMax !== 0 && broker.frameMax < FRAME_MAX_MINIMUM) {
    throw new FrameError(
      `the broker offered frame_max ${broker.frameMax}, below the protocol minimum of ${FRAME_MAX_MINIMUM}`,
      501,
      { channel: 0 },
    );
  }
  const channelMax = negotiateInteger(wishes.channelMax, broker.channelMax) || CHANNEL_MAX_LIMIT;
  const frameMax = negotiateInteger(wishes.frameMax, broker.frameMax);
  let heartbeat: number;
  if (wishes.heartbeat === undefined) heartbeat = broker.heartbeat === 0 ? FALLBACK_HEARTBEAT : broker.heartbeat;
  else if (typeof wishes.heartbeat === 'function') {
    const chosen: unknown = wishes.heartbeat(owner, broker.heartbeat);
    if (typeof chosen !== 'number' || !Number.isInteger(chosen) || chosen < 0 || chosen > 65535) {
      throw new InvalidArgumentError(
        'heartbeat',
        `the heartbeat function must return an integer in 0..65535, got ${String(chosen)}`,
      );
    }
    heartbeat = chosen;
  } else heartbeat = wishes.heartbeat;
  return { channelMax: Math.min(channelMax, CHANNEL_MAX_LIMIT), frameMax, heartbeat };
}

/**
 * connection.start-ok for the broker's offered mechanisms (`offered` is the raw string, for the error).
 * @throws InvalidArgumentError when the credentials' mechanism is not among them
 */
export function startOkFrame(params: ConnectionParameters, mechanisms: readonly string[], offered: string): Buffer {
  const credentials = params.credentials;
  const response = credentials.responseFor(mechanisms);
  if (response === null) {
    throw new InvalidArgumentError(
      'credentials',
      `the broker offers SASL mechanisms "${offered}", not ${credentials.mechanism}`,
    );
  }
  return encodeMethodFrame(0, 'connection.start-ok', {
    clientProperties: buildClientProperties(params.clientProperties, params.connectionName),
    mechanism: credentials.mechanism,
    response,
    locale: params.locale,
  });
}

/** tune-ok and connection.open, written together (nothing can come between them). */
export function tuneOkAndOpenFrames(tuned: TuneResult, virtualHost: string): Buffer {
  return Buffer.concat([
    encodeMethodFrame(0, 'connection.tune-ok', tuned),
    encodeMethodFrame(0, 'connection.open', { virtualHost }),
  ]);
}
