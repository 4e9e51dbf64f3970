/**
 * Preload: only the SDK's context manager (AsyncLocalStorage, as NodeTracerProvider registers it),
 * entered once, and no tracer or meter provider, so the package's hooks stay off. Against tracing
 * off, it measures what the context manager's promise hooks cost the transport's and Nest's own
 * promises (on Node 20, AsyncLocalStorage hooks every promise of the process once it was entered),
 * a cost of the SDK that bench/support/otel-floor.ts cannot see without a transport:
 *
 *   node --import tsx --import ./bench/support/otel-context-only.ts bench/support/prof-rpc.ts
 */
import { ROOT_CONTEXT, context, createContextKey } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
context.with(ROOT_CONTEXT.setValue(createContextKey('otel-context-only'), true), () => undefined);
