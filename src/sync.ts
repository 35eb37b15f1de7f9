import type { EventEmitter } from 'node:events';
import type { Adapter } from './adapter/adapter.js';
import type { RetryOptions } from './adapter/definition.js';
import { OptionsError } from './errors/validation-error.js';
import type { SyncEventMap } from './events.js';
import { customerModel } from './model/customer.js';
import type { ValidationIssue } from './model/types.js';
import type { ProviderId } from './provider-id.js';
import { SharedLimits } from './pipeline/shared-limits.js';
import { SyncEngine, type PushOptions, type PushResult } from './push/engine.js';
import type { EnqueueOptions } from './queue/job.js';
import type { PushQueue } from './queue/producer.js';
import { checkNamespace } from './queue/settings.js';
import { DeferredStateStore } from './state/deferred-store.js';
import { MemoryStateStore } from './state/memory-store.js';
import type { StateStore } from './state/store.js';

export type { PushOptions, PushResult } from './push/engine.js';
export type { EnqueueOptions } from './queue/job.js';

type Listener = (...args: unknown[]) => void;

export interface CustomerSyncOptions {
  adapters: readonly Adapter[];
  /**
   * Where provider ids and delivered payloads are remembered: a SQLite file path (shared with the CLI), or a store.
   * @default in memory, for this process
   */
  state?: string | StateStore;
  /** Retry policy for every adapter that sets none of its own. */
  retry?: RetryOptions;
  /**
   * `redis://…`: share each provider's rate limit and 429 pauses with every other process (web servers calling
   * `push`, sync workers) that uses the same Redis.
   */
  redis?: string;
  /**
   * Prefix of customer-sync's keys in Redis (the push queue and the shared limits): workers and producers of one
   * deployment use the same. @default 'customer-sync'
   */
  namespace?: string;
}

export interface CustomerSync {
  /**
   * Validates the customer (throws `CustomerValidationError` listing every issue), then brings every provider in
   * step, in parallel. Never throws for a provider's failure: that provider's outcome is `failed` with its error.
   */
  push(customer: unknown, options?: PushOptions): Promise<PushResult>;
  /**
   * Validates the customer like `push`, then queues the push for `customer-sync worker` processes and resolves as
   * soon as the job is stored in Redis. An identical push still pending is not queued twice: its `jobId` comes back.
   * Needs the `redis` option (`OptionsError` otherwise).
   */
  enqueue(customer: unknown, options?: EnqueueOptions): Promise<{ jobId: string }>;
  on<E extends keyof SyncEventMap>(event: E, listener: (...args: SyncEventMap[E]) => void): this;
  off<E extends keyof SyncEventMap>(event: E, listener: (...args: SyncEventMap[E]) => void): this;
  /** Lets in-flight requests finish, then releases sockets, timers and the state store. */
  close(): Promise<void>;
}

export function createCustomerSync(options: CustomerSyncOptions): CustomerSync {
  const engine = createEngine(options);
  // A SQLite state opens in the background (its module is loaded only by those who use one): a push waits for it,
  // and a state that cannot be opened rejects the push with its own error, not one failure per provider.
  const opening = engine.store instanceof DeferredStateStore ? engine.store.ready : undefined;
  // `providerIds` accepts the id of each configured provider of the user's own, besides the built-in ones.
  const model = customerModel(options.adapters.map((adapter) => adapter.definition));
  const parseCustomer = (input: unknown) => model.parse(input);
  // The public signature is typed per event; node's generic overloads cannot follow a generic key through.
  const untyped: EventEmitter = engine.events;
  // Opened at the first enqueue: BullMQ is loaded, and connects, only for those who queue.
  let queue: Promise<PushQueue> | undefined;
  const sync: CustomerSync = {
    async push(input, pushOptions = {}) {
      if (engine.closed) throw new Error('customer-sync: push after close()');
      const customer = parseCustomer(input);
      // Only when there is something to wait for: a push must be in flight as soon as it is made (close() waits).
      if (opening) await opening;
      return engine.push(customer, pushOptions);
    },
    async enqueue(input, enqueueOptions = {}) {
      if (engine.closed) throw new Error('customer-sync: enqueue after close()');
      const redis = options.redis;
      if (redis === undefined) {
        throw new OptionsError('customer-sync: enqueue needs a queue', [{ path: 'redis', message: 'set redis: "redis://…" to queue pushes for workers' }]);
      }
      const customer = parseCustomer(input);
      if (opening) await opening;
      if (engine.closed) throw new Error('customer-sync: enqueue after close()');
      const unknown = enqueueOptions.only?.filter((id) => !engine.providers.includes(id)) ?? [];
      if (unknown.length > 0) {
        throw new OptionsError('Invalid enqueue options', [{ path: 'only', message: `not a configured provider: ${unknown.join(', ')} (configured: ${engine.providers.join(', ')})` }]);
      }
      queue ??= import('./queue/producer.js').then(({ PushQueue }) => new PushQueue({ redis, namespace: options.namespace }));
      return (await queue).enqueue(customer, enqueueOptions);
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
      // A push waiting for the state reaches the engine first (it awaited the opening before this), so close() lets
      // it finish like any push in flight.
      if (opening) await opening.catch(() => undefined);
      await engine.close();
      await (await queue)?.close();
    },
  };
  return sync;
}

/**
 * Checks the options and builds the engine behind `createCustomerSync` (the CLI builds its own the same way). A
 * state file path gives a `DeferredStateStore`: SQLite is loaded and the file opened in the background, and the
 * store's methods wait for it.
 */
export function createEngine(options: CustomerSyncOptions): SyncEngine {
  const adapters = checkAdapters(options);
  const namespace = options.namespace === undefined ? undefined : checkNamespace(options.namespace);
  const shared = options.redis === undefined ? undefined : new SharedLimits(options.redis, namespace);
  // The store after everything that may refuse the options, so no state file is opened for options refused.
  const state = options.state;
  const store = state === undefined ? new MemoryStateStore() : typeof state === 'string' ? openStateFile(state) : state;
  return new SyncEngine(adapters, store, options.retry, { shared });
}

/** better-sqlite3 is loaded by those who keep a state file, not by every import of the library or of an adapter. */
function openStateFile(path: string): DeferredStateStore {
  return new DeferredStateStore(async () => {
    const { SqliteStateStore } = await import('./state/sqlite-store.js');
    return SqliteStateStore.open(path);
  });
}

function checkAdapters(options: CustomerSyncOptions): readonly Adapter[] {
  const adapters = options?.adapters;
  if (!Array.isArray(adapters) || adapters.length === 0) {
    throw new OptionsError('Invalid customer-sync options', [{ path: 'adapters', message: 'give at least one adapter' }]);
  }
  const seen = new Set<ProviderId>();
  const issues: ValidationIssue[] = [];
  for (const [index, adapter] of adapters.entries()) {
    if (!adapter || typeof adapter !== 'object' || !('definition' in adapter)) {
      issues.push({ path: `adapters.${index}`, message: 'is not an adapter (make one with a provider\'s factory, or defineProvider())' });
    } else if (seen.has(adapter.id)) {
      issues.push({ path: `adapters.${index}`, message: `a second ${adapter.id} adapter` });
    } else {
      seen.add(adapter.id);
    }
  }
  if (issues.length > 0) throw new OptionsError('Invalid customer-sync options', issues);
  return adapters;
}
