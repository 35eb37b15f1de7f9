import type { Adapter } from '../adapter/adapter.js';
import type { RetryOptions } from '../adapter/definition.js';
import type { SyncEvents } from '../events.js';
import { ProviderPipeline } from '../pipeline/pipeline.js';
import type { PipelineHooks } from '../pipeline/types.js';
import { DEFAULT_RETRY } from '../pipeline/retry-decision.js';
import type { SharedLimits } from '../pipeline/shared-limits.js';
import type { ProviderId } from '../provider-id.js';
import type { DeliveryTarget } from './deliver.js';

/** One provider inside one sync: its pipeline (limiter, sockets, tokens, halt flag) and what delivery needs. */
export interface ProviderRuntime {
  id: ProviderId;
  target: DeliveryTarget;
  close(): Promise<void>;
}

/** Retry policy precedence: the adapter's own, then the sync's, then the defaults. */
export function resolveRetry(adapter: RetryOptions | undefined, global: RetryOptions | undefined): Required<RetryOptions> {
  return { ...DEFAULT_RETRY, ...global, ...adapter };
}

export function createProviderRuntime(
  adapter: Adapter,
  events: SyncEvents,
  globalRetry?: RetryOptions,
  hooks?: PipelineHooks,
  shared?: SharedLimits,
): ProviderRuntime {
  const { definition, options } = adapter;
  const pipeline = new ProviderPipeline(
    {
      provider: definition.id,
      name: definition.name,
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      rateLimit: options.rateLimit,
      retry: resolveRetry(options.retry, globalRetry),
      auth: definition.auth(options),
      idempotencyHeader: definition.idempotencyHeader,
      secrets: definition.secrets(options),
      errorMessage: (status, body) => definition.errorMessage(status, body),
      errorKind: definition.errorKind && ((status, body) => definition.errorKind?.(status, body)),
      shared: shared ? { connection: shared.connection, id: shared.limiterId(definition.id) } : undefined,
    },
    events,
    hooks,
  );
  return {
    id: definition.id,
    target: {
      definition,
      createMissing: definition.createMissing?.(options) ?? false,
      sender: {
        send: (spec, ctx) => pipeline.send(spec, ctx),
        errorFor: (status, body, ctx, summary) => pipeline.errorForResponse(status, body, ctx, summary),
      },
    },
    close: () => pipeline.close(),
  };
}
