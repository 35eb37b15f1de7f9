import type { EventEmitter } from 'node:events';
import type { Adapter } from './adapter/adapter.js';
import { OptionsError } from './errors/validation-error.js';
import { SyncEvents, type SyncEventMap } from './events.js';
import { parseCustomer } from './model/customer.js';
import type { Customer } from './model/types.js';
import type { ProviderId } from './providers.js';
import type { RetryOptions } from './adapter/definition.js';
import { deliver, type DeliverOptions } from './push/deliver.js';
import type { ProviderOutcome } from './push/outcome.js';
import { createProviderRuntime, type ProviderRuntime } from './push/provider-runtime.js';
import { MemoryStateStore } from './state/memory-store.js';
import type { StateStore } from './state/store.js';

type Listener = (...args: unknown[]) => void;

export interface CustomerSyncOptions {
  adapters: readonly Adapter[];
  /** Where provider ids and delivered payloads are remembered. @default in memory, for this process */
  state?: StateStore;
  /** Retry policy for every adapter that sets none of its own. */
  retry?: RetryOptions;
}

/** One outcome per configured provider. */
export interface PushResult {
  customerId: string;
  providers: Partial<Record<ProviderId, ProviderOutcome>>;
}

export interface PushOptions extends DeliverOptions {
  /** Only these providers (default: all configured). */
  only?: readonly ProviderId[];
}

export interface CustomerSync {
  /**
   * Validates the customer (throws `CustomerValidationError` listing every issue), then brings every provider in
   * step, in parallel. Never throws for a provider's failure: that provider's outcome is `failed` with its error.
   */
  push(customer: unknown, options?: PushOptions): Promise<PushResult>;
  on<E extends keyof SyncEventMap>(event: E, listener: (...args: SyncEventMap[E]) => void): this;
  off<E extends keyof SyncEventMap>(event: E, listener: (...args: SyncEventMap[E]) => void): this;
  /** Lets in-flight requests finish, then releases sockets, timers and the state store. */
  close(): Promise<void>;
}

export function createCustomerSync(options: CustomerSyncOptions): CustomerSync {
  const adapters = checkAdapters(options);
  const events = new SyncEvents();
  // The public signature is typed per event; node's generic overloads cannot follow a generic key through.
  const untyped: EventEmitter = events;
  const store = options.state ?? new MemoryStateStore();
  const runtimes: ProviderRuntime[] = adapters.map((adapter) => createProviderRuntime(adapter, events, options.retry));
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  async function pushValid(customer: Customer, pushOptions: PushOptions): Promise<PushResult> {
    const only = pushOptions.only;
    const selected = only ? runtimes.filter((runtime) => only.includes(runtime.id)) : runtimes;
    const outcomes = await Promise.all(
      selected.map(async (runtime) => {
        const outcome = await deliver(customer, runtime.target, store, pushOptions);
        events.emit('result', { customerId: customer.id, provider: runtime.id, outcome });
        return [runtime.id, outcome] as const;
      }),
    );
    return { customerId: customer.id, providers: Object.fromEntries(outcomes) };
  }

  const sync: CustomerSync = {
    async push(input, pushOptions = {}) {
      if (closed) throw new Error('customer-sync: push after close()');
      const work = pushValid(parseCustomer(input), pushOptions);
      inFlight.add(work);
      try {
        return await work;
      } finally {
        inFlight.delete(work);
      }
    },
    on(event, listener) {
      untyped.on(event, listener as Listener);
      return sync;
    },
    off(event, listener) {
      untyped.off(event, listener as Listener);
      return sync;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...inFlight]);
      await Promise.all(runtimes.map((runtime) => runtime.close()));
      await store.close();
    },
  };
  return sync;
}

function checkAdapters(options: CustomerSyncOptions): readonly Adapter[] {
  const adapters = options?.adapters;
  if (!Array.isArray(adapters) || adapters.length === 0) {
    throw new OptionsError('Invalid customer-sync options', [{ path: 'adapters', message: 'give at least one adapter' }]);
  }
  const seen = new Set<ProviderId>();
  const issues = [];
  for (const [index, adapter] of adapters.entries()) {
    if (!adapter || typeof adapter !== 'object' || !('definition' in adapter)) {
      issues.push({ path: `adapters.${index}`, message: 'is not an adapter (make one with yativo(), fatora(), …)' });
    } else if (seen.has(adapter.id)) {
      issues.push({ path: `adapters.${index}`, message: `a second ${adapter.id} adapter` });
    } else {
      seen.add(adapter.id);
    }
  }
  if (issues.length > 0) throw new OptionsError('Invalid customer-sync options', issues);
  return adapters;
}
