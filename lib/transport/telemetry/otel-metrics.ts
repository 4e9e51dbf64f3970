import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Attributes, Counter, Histogram, Meter, MeterProvider } from '@opentelemetry/api';
import { MetricTally } from './metric-tally.js';
import {
  DIAGNOSTICS_CHANNELS,
  type ConfirmDiagnostic,
  type ConnectionDiagnostic,
  type PublishDiagnostic,
  type ReturnDiagnostic,
} from '../../protocol/diagnostics.js';
import type { OtelApiModule } from './otel-api.js';
import { ATTR, METRIC, RABBITMQ } from './semantic-names.js';
import { BoundedDestinations } from './bounded-destinations.js';
import type { SettleOutcome } from './telemetry-hooks.js';

const METER_NAME = 'nestjs-amqp-transport';

/** Seconds buckets for handler and call durations: 0.5 ms to 10 s. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The instruments of one meter provider. Per-message counts are tallies (see MetricTally), keyed by queue or destination. */
interface Instruments {
  published: MetricTally;
  confirmed: MetricTally;
  nacked: MetricTally;
  returned: MetricTally;
  consumed: MetricTally;
  acked: MetricTally;
  deadLettered: MetricTally;
  requeued: MetricTally;
  retried: MetricTally;
  dropped: MetricTally;
  processDuration: Histogram;
  rpcDuration: Histogram;
  recoveries: MetricTally;
  blockedTime: Counter;
}

/**
 * The package's metrics. Engine-level counts (publishes, confirms, returns, recoveries, blocked time,
 * outbound bytes) come from the engine's diagnostics channels; the Nest layer reports what only it
 * knows (which queue, how a delivery was settled, retries, handler and call durations).
 *
 * The metrics API has no proxy meter (a meter taken before the SDK is registered stays a no-op), so
 * the provider is read again when a server, client or publisher starts; the diagnostics channels are
 * only subscribed to once a real provider is there, so without an SDK the engine keeps its
 * one-boolean-check cost.
 * @internal
 */
export class AmqpMetrics {
  private provider: MeterProvider | undefined;
  private instruments: Instruments | undefined;
  private subscribed = false;
  /** Open engine connections (for the outbound-bytes gauge) and since when each is blocked. */
  private readonly open = new Set<{ outboundBytes?: number }>();
  private readonly blockedSince = new Map<object, number>();
  /** Destination names a producer can choose (reply_to) kept to a bounded set. */
  private readonly destinations = new BoundedDestinations();
  private readonly byQueue = new Map<string, Attributes>();
  private readonly rpcAttributes = new Map<string, Attributes>();

  constructor(private readonly api: OtelApiModule) {
    this.refresh();
  }

  refresh(): void {
    const provider = this.api.metrics.getMeterProvider();
    if (provider === this.provider) return;
    this.provider = provider;
    if (isNoop(provider)) {
      this.instruments = undefined;
      this.setSubscribed(false);
      return;
    }
    this.instruments = this.create(provider.getMeter(METER_NAME));
    this.setSubscribed(true);
  }

  /** True while a real meter provider is registered. */
  get active(): boolean {
    return this.instruments !== undefined;
  }

  consumed(queue: string): void {
    this.instruments?.consumed.add(queue);
  }

  settled(queue: string, outcome: SettleOutcome): void {
    const instruments = this.instruments;
    if (instruments === undefined) return;
    const counter =
      outcome === 'acked'
        ? instruments.acked
        : outcome === 'dead-lettered'
          ? instruments.deadLettered
          : outcome === 'requeued'
            ? instruments.requeued
            : outcome === 'retried'
              ? instruments.retried
              : instruments.dropped;
    counter.add(queue);
  }

  processed(queue: string, seconds: number, error: string | undefined): void {
    const instruments = this.instruments;
    if (instruments === undefined) return;
    if (error === undefined) {
      instruments.processDuration.record(seconds, this.queueAttributes(queue));
      return;
    }
    const attributes = queueAttributes(queue);
    attributes[ATTR.errorType] = error;
    instruments.processDuration.record(seconds, attributes);
  }

  rpc(label: string, seconds: number, error: string | undefined): void {
    const instruments = this.instruments;
    if (instruments === undefined) return;
    if (error === undefined) {
      instruments.rpcDuration.record(seconds, this.cached(this.rpcAttributes, label, rpcAttributes));
      return;
    }
    const attributes = rpcAttributes(label);
    attributes[ATTR.errorType] = error;
    instruments.rpcDuration.record(seconds, attributes);
  }

  /** The attributes of a queue's successful measurements, made once per queue rather than per message. */
  private queueAttributes(queue: string): Attributes {
    return this.cached(this.byQueue, queue, queueAttributes);
  }

  private cached(cache: Map<string, Attributes>, key: string, make: (key: string) => Attributes): Attributes {
    let attributes = cache.get(key);
    if (attributes === undefined) {
      // Bounded like the keys of a metric must be; past that (a runaway label) each is made afresh.
      attributes = make(key);
      if (cache.size < MAX_CACHED) cache.set(key, attributes);
    }
    return attributes;
  }

  private create(meter: Meter): Instruments {
    const byQueue = (name: string, description: string): MetricTally => new MetricTally(meter, name, description, queueAttributes);
    const byDestination = (name: string, description: string): MetricTally => new MetricTally(meter, name, description, destinationAttributes);
    const bySystem = (name: string, description: string, unit?: string): MetricTally => new MetricTally(meter, name, description, () => SYSTEM, unit);
    const histogram = (name: string, description: string): Histogram =>
      meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
    meter
      .createObservableGauge(METRIC.outboundBytes, {
        description: 'Bytes written to connections but not yet handed to the operating system',
        unit: 'By',
      })
      .addCallback((result) => {
        let bytes = 0;
        for (const connection of this.open) bytes += connection.outboundBytes ?? 0;
        result.observe(bytes, { [ATTR.system]: RABBITMQ });
      });
    return {
      published: byDestination(METRIC.published, 'Messages published (basic.publish written, resends after a recovery included)'),
      confirmed: bySystem(METRIC.confirmed, 'Publishes the broker confirmed'),
      nacked: bySystem(METRIC.nacked, 'Publishes the broker refused (basic.nack)'),
      returned: byDestination(METRIC.returned, 'Mandatory publishes the broker returned as unroutable'),
      consumed: byQueue(METRIC.consumed, 'Deliveries handed to a consumer of the server'),
      acked: byQueue(METRIC.acked, 'Deliveries handled and acknowledged'),
      deadLettered: byQueue(METRIC.deadLettered, 'Failed deliveries put in a dead-letter target (a confirmed copy in the dead-letter queue, or a nack to the DLX)'),
      requeued: byQueue(METRIC.requeued, 'Failed deliveries put back in their queue (nack with requeue, or a counted copy)'),
      retried: byQueue(METRIC.retried, 'Failed deliveries republished for a retry (in-process or through a retry queue)'),
      dropped: byQueue(METRIC.dropped, 'Failed deliveries discarded (onError ack, or a nack to a queue without dead-letter target)'),
      processDuration: histogram(METRIC.processDuration, 'Time from delivery to settled, per message'),
      rpcDuration: histogram(METRIC.rpcDuration, 'Time from request to last reply (or failure), per call'),
      recoveries: bySystem(METRIC.recoveries, 'Automatic connection recoveries completed', '{recovery}'),
      blockedTime: meter.createCounter(METRIC.blockedTime, { description: 'Time connections spent blocked by the broker', unit: 's' }),
    };
  }

  private setSubscribed(on: boolean): void {
    if (on === this.subscribed) return;
    this.subscribed = on;
    const act = on ? subscribe : unsubscribe;
    act(DIAGNOSTICS_CHANNELS.publish, this.onPublish);
    act(DIAGNOSTICS_CHANNELS.confirm, this.onConfirm);
    act(DIAGNOSTICS_CHANNELS.return, this.onReturn);
    act(DIAGNOSTICS_CHANNELS.connectionOpen, this.onOpen);
    act(DIAGNOSTICS_CHANNELS.connectionClose, this.onClose);
    act(DIAGNOSTICS_CHANNELS.connectionBlocked, this.onBlocked);
    act(DIAGNOSTICS_CHANNELS.connectionUnblocked, this.onUnblocked);
    act(DIAGNOSTICS_CHANNELS.connectionRecovered, this.onRecovered);
  }

  private readonly onPublish = (message: unknown): void => {
    const { exchange, routingKey, properties } = message as PublishDiagnostic;
    this.instruments?.published.add(this.destinations.ofPublish(exchange, routingKey, properties));
  };

  private readonly onConfirm = (message: unknown): void => {
    const { ack, count } = message as ConfirmDiagnostic;
    if (count > 0) (ack ? this.instruments?.confirmed : this.instruments?.nacked)?.add('', count);
  };

  private readonly onReturn = (message: unknown): void => {
    const instruments = this.instruments;
    if (instruments === undefined) return;
    const { exchange, routingKey } = message as ReturnDiagnostic;
    this.instruments?.returned.add(this.destinations.ofPublish(exchange, routingKey, undefined));
  };

  private readonly onOpen = (message: unknown): void => {
    this.open.add((message as ConnectionDiagnostic).connection);
  };

  private readonly onClose = (message: unknown): void => {
    const { connection } = message as ConnectionDiagnostic;
    this.open.delete(connection);
    this.endBlocked(connection);
  };

  private readonly onBlocked = (message: unknown): void => {
    const { connection } = message as ConnectionDiagnostic;
    if (!this.blockedSince.has(connection)) this.blockedSince.set(connection, performance.now());
  };

  private readonly onUnblocked = (message: unknown): void => {
    this.endBlocked((message as ConnectionDiagnostic).connection);
  };

  private readonly onRecovered = (): void => {
    this.instruments?.recoveries.add('');
  };

  private endBlocked(connection: object): void {
    const since = this.blockedSince.get(connection);
    if (since === undefined) return;
    this.blockedSince.delete(connection);
    this.instruments?.blockedTime.add((performance.now() - since) / 1000, SYSTEM);
  }
}

const SYSTEM: Attributes = Object.freeze({ [ATTR.system]: RABBITMQ });

/** Attribute sets cached per queue or call label; a metric's keys must stay few, so this bound is never reached in practice. */
const MAX_CACHED = 1000;

function queueAttributes(queue: string): Attributes {
  return { [ATTR.system]: RABBITMQ, [ATTR.destination]: queue };
}

function destinationAttributes(destination: string): Attributes {
  return { [ATTR.system]: RABBITMQ, [ATTR.destination]: destination };
}

function rpcAttributes(label: string): Attributes {
  return { [ATTR.system]: RABBITMQ, [ATTR.rpcMethod]: label };
}

/** The API's stand-in provider when no SDK is registered. */
function isNoop(provider: MeterProvider): boolean {
  return provider.constructor.name === 'NoopMeterProvider';
}
