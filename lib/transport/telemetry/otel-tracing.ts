import type { Attributes, Span, SpanKind, Tracer } from '@opentelemetry/api';
import type { BasicProperties } from '../../protocol/index.js';
import type { AmqpMessage } from '../core/amqp.context.js';
import type { AmqpMetrics } from './otel-metrics.js';
import type { OtelApiModule } from './otel-api.js';
import { ATTR, RABBITMQ, publishDestination, shortName } from './semantic-names.js';
import type { PublishTrace, RpcTrace, SettleOutcome, TelemetryHooks } from './telemetry-hooks.js';
import { extractContext, injectContext } from './trace-headers.js';

const TRACER_NAME = 'nestjs-amqp-transport';

// SpanStatusCode.ERROR (stable in the API), so no value is imported from it.
const ERROR_STATUS = 2;

/** The telemetry of one delivery, reachable from its context by the hooks that run inside it. */
class ConsumeScope {
  failed: string | undefined;
  readonly started = performance.now();
  constructor(
    readonly span: Span,
    readonly queue: string,
  ) {}
}

/**
 * The hooks of the Nest layer, spoken in OpenTelemetry: spans after the messaging semantic
 * conventions for RabbitMQ, trace context in the message headers, metrics through {@link AmqpMetrics}.
 * With the API present but no SDK registered, spans are the API's non-recording ones and the
 * propagator writes nothing.
 * @internal
 */
export class OtelTelemetry implements TelemetryHooks {
  private readonly tracer: Tracer;
  private readonly scopeKey: symbol;
  /** False while no tracer provider is registered: no span is started, only the context is passed on. */
  private tracing = false;
  /** False while no propagator is registered: nothing would be written into the headers. */
  private propagating = false;
  /** Span names by queue, call label and publish destination: one string per name, not one per message. */
  private readonly processNames = new NameCache('process ');
  private readonly sendNames = new NameCache('send ');
  private readonly publishNames = new NameCache('publish ');

  constructor(
    private readonly api: OtelApiModule,
    private readonly metrics: AmqpMetrics,
  ) {
    // A ProxyTracer: it follows a tracer provider registered later.
    this.tracer = api.trace.getTracer(TRACER_NAME);
    this.scopeKey = api.createContextKey('nestjs-amqp-transport delivery');
    this.refresh();
  }

  get active(): boolean {
    return this.tracing || this.propagating || this.metrics.active;
  }

  refresh(): void {
    this.tracing = hasTracerProvider(this.api);
    this.propagating = this.api.propagation.fields().length > 0;
    this.metrics.refresh();
  }

  publish(exchange: string, routingKey: string, properties: BasicProperties, bodySize: number): PublishTrace {
    if (!this.tracing) return this.untraced(properties);
    const destination = publishDestination(exchange, routingKey);
    const span = this.sendSpan(this.publishNames.of(destination), this.api.SpanKind.PRODUCER, 'publish', destination, routingKey, properties, bodySize);
    return new SpanPublish(span, this.injected(span, properties, false));
  }

  reply(properties: BasicProperties): BasicProperties {
    // The active context is the delivery's process span while tracing (the ambient context otherwise).
    return this.propagating ? injectContext(this.api, this.api.context.active(), properties, true) : properties;
  }

  replyFailed(error: unknown): void {
    if (!this.tracing) return;
    const scope = this.activeScope();
    // The span only: the handler did its work, so the process metric keeps no error for it.
    if (scope !== undefined) failSpan(scope.span, error);
  }

  request(label: string, exchange: string, routingKey: string, properties: BasicProperties, bodySize: number): RpcTrace {
    if (!this.tracing) return this.untraced(properties);
    const method = shortName(label);
    const span = this.sendSpan(this.sendNames.of(method), this.api.SpanKind.CLIENT, 'send', publishDestination(exchange, routingKey), routingKey, properties, bodySize, method);
    // The caller's own properties (see TelemetryHooks.request): the headers are set on them, no copy.
    return new SpanRpc(this, span, this.injected(span, properties, true), method);
  }

  /** The span of a publish or a request (they differ in name, kind, operation and the RPC method only). */
  private sendSpan(
    name: string,
    kind: SpanKind,
    operation: string,
    destination: string,
    routingKey: string,
    properties: BasicProperties,
    bodySize: number,
    rpcMethod?: string,
  ): Span {
    // Every key always present (an absent id or method is undefined, which the SDK skips): one shape
    // for every send span's attributes, not a key added after the literal per message.
    const attributes: Attributes = {
      [ATTR.system]: RABBITMQ,
      [ATTR.operationType]: 'send',
      [ATTR.operationName]: operation,
      [ATTR.destination]: destination,
      [ATTR.routingKey]: shortName(routingKey),
      [ATTR.bodySize]: bodySize,
      [ATTR.rpcMethod]: rpcMethod,
      [ATTR.messageId]: properties.messageId,
      [ATTR.conversationId]: properties.correlationId,
    };
    return this.tracer.startSpan(name, { kind, attributes });
  }

  private injected(span: Span, properties: BasicProperties, owned: boolean): BasicProperties {
    if (!this.propagating) return properties;
    return injectContext(this.api, this.api.trace.setSpan(this.api.context.active(), span), properties, owned);
  }

  /** No tracer: the ambient context still travels when a propagator is registered. */
  private untraced(properties: BasicProperties): Untraced {
    const api = this.api;
    return new Untraced(this.propagating ? injectContext(api, api.context.active(), properties) : properties);
  }

  consume(queue: string, message: AmqpMessage, handle: () => Promise<void>): Promise<void> {
    const api = this.api;
    const { properties, fields } = message;
    this.metrics.consumed(queue);
    if (!this.tracing) return this.metrics.active ? this.measured(queue, handle) : handle();
    // Parented to the producer's context (as the amqplib instrumentation does), so a request and all
    // it causes downstream are one trace; the consumer's own ambient context has nothing to offer.
    const parent = extractContext(api, properties);
    const request = properties.replyTo !== undefined && properties.replyTo !== '';
    const attributes: Attributes = {
      [ATTR.system]: RABBITMQ,
      [ATTR.operationType]: 'process',
      [ATTR.operationName]: 'process',
      [ATTR.destination]: queue,
      [ATTR.consumerGroup]: queue,
      [ATTR.routingKey]: fields.routingKey,
      [ATTR.deliveryTag]: fields.deliveryTag,
      [ATTR.bodySize]: message.content.length,
      [ATTR.messageId]: properties.messageId,
      [ATTR.conversationId]: properties.correlationId,
    };
    const span = this.tracer.startSpan(this.processNames.of(queue), { kind: request ? api.SpanKind.SERVER : api.SpanKind.CONSUMER, attributes }, parent);
    const scope = new ConsumeScope(span, queue);
    const ctx = api.trace.setSpan(parent, span).setValue(this.scopeKey, scope);
    // Inline reactions, no named closures per delivery.
    return api.context.with(ctx, handle).then(
      () => this.finish(scope),
      (error: unknown) => {
        this.failScope(scope, error);
        this.finish(scope);
        throw error;
      },
    );
  }

  private finish(scope: ConsumeScope): void {
    const { span, failed } = scope;
    if (failed !== undefined) span.setAttribute(ATTR.errorType, failed);
    span.end();
    this.metrics.processed(scope.queue, (performance.now() - scope.started) / 1000, failed);
  }

  /** No tracing, metrics on: the process duration alone. */
  private measured(queue: string, handle: () => Promise<void>): Promise<void> {
    const started = performance.now();
    return handle().then(
      () => this.metrics.processed(queue, (performance.now() - started) / 1000, undefined),
      (error: unknown) => {
        this.metrics.processed(queue, (performance.now() - started) / 1000, errorType(error));
        throw error;
      },
    );
  }

  handlerFailed(error: unknown): void {
    // A delivery's scope only exists while tracing.
    if (!this.tracing) return;
    const scope = this.activeScope();
    if (scope !== undefined) this.failScope(scope, error);
  }

  routed(pattern: string): void {
    if (!this.tracing) return;
    const scope = this.activeScope();
    scope?.span.setAttribute(ATTR.pattern, shortName(pattern));
  }

  settled(queue: string, outcome: SettleOutcome): void {
    this.metrics.settled(queue, outcome);
  }

  /** @internal */
  rpcEnded(label: string, seconds: number, error: string | undefined): void {
    this.metrics.rpc(label, seconds, error);
  }

  /** The scope of the delivery whose handling is running (set by `consume` while tracing). */
  private activeScope(): ConsumeScope | undefined {
    return this.api.context.active().getValue(this.scopeKey) as ConsumeScope | undefined;
  }

  private failScope(scope: ConsumeScope, error: unknown): void {
    scope.failed = errorType(error);
    scope.span.setStatus({ code: ERROR_STATUS, message: errorMessage(error) });
    if (error instanceof Error) scope.span.recordException(error);
  }
}

/** A publish or call while no tracer provider is registered: the context passed on, nothing recorded. */
class Untraced implements PublishTrace, RpcTrace {
  constructor(readonly properties: BasicProperties) {}
  end(): void {}
}

class SpanPublish implements PublishTrace {
  constructor(
    private readonly span: Span,
    readonly properties: BasicProperties,
  ) {}

  end(error?: unknown): void {
    if (error !== undefined) failSpan(this.span, error);
    this.span.end();
  }
}

function failSpan(span: Span, error: unknown): void {
  span.setAttribute(ATTR.errorType, errorType(error));
  span.setStatus({ code: ERROR_STATUS, message: errorMessage(error) });
}

class SpanRpc implements RpcTrace {
  private readonly started = performance.now();
  private ended = false;

  constructor(
    private readonly owner: OtelTelemetry,
    private readonly span: Span,
    readonly properties: BasicProperties,
    private readonly label: string,
  ) {}

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const type = error === undefined ? undefined : errorType(error);
    if (type !== undefined) {
      this.span.setAttribute(ATTR.errorType, type);
      this.span.setStatus({ code: ERROR_STATUS, message: errorMessage(error) });
    }
    this.span.end();
    this.owner.rpcEnded(this.label, (performance.now() - this.started) / 1000, type);
  }
}

/** Span names made once per key (a queue, a call label, a destination), bounded like metric keys. */
class NameCache {
  private readonly names = new Map<string, string>();
  constructor(private readonly prefix: string) {}

  of(key: string): string {
    let name = this.names.get(key);
    if (name === undefined) {
      name = this.prefix + key;
      // Keys a producer chooses (reply-to queues are collapsed already) could be many: past the
      // bound each name is made afresh, as before.
      if (this.names.size < MAX_NAMES) this.names.set(key, name);
    }
    return name;
  }
}

const MAX_NAMES = 1000;

/** `error.type`: the error's class name (low cardinality), or '_OTHER'. */
function errorType(error: unknown): string {
  if (error instanceof Error) return error.constructor.name;
  return '_OTHER';
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message;
  return typeof error === 'string' ? error : 'failed';
}

/** True once an SDK registered a tracer provider (the API's proxy then has a real delegate). */
function hasTracerProvider(api: OtelApiModule): boolean {
  const provider = api.trace.getTracerProvider() as { getDelegate?: () => object };
  const delegate = provider.getDelegate?.() ?? provider;
  return delegate.constructor.name !== 'NoopTracerProvider';
}
