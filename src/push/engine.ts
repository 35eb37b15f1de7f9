import type { Adapter } from '../adapter/adapter.js';
import type { ProviderDefinition, RetryOptions } from '../adapter/definition.js';
import { SyncEvents } from '../events.js';
import type { Customer } from '../model/types.js';
import type { ProviderId } from '../provider-id.js';
import type { SharedLimits } from '../pipeline/shared-limits.js';
import type { StateStore } from '../state/store.js';
import { deliver, type DeliverOptions } from './deliver.js';
import type { ProviderOutcome } from './outcome.js';
import { planAt, type PlanTarget } from './plan.js';
import { createProviderRuntime, type ProviderRuntime } from './provider-runtime.js';

/** One outcome per configured provider. */
export interface PushResult {
  customerId: string;
  providers: Record<ProviderId, ProviderOutcome>;
}

export interface PushOptions extends DeliverOptions {
  /** Only these providers (default: all configured). */
  only?: readonly ProviderId[];
  /**
   * Plan only (`planPush`): nothing is sent and nothing is written to the state. The outcome says what would
   * happen and `planned` lists the requests that would be sent (a lookup is planned as not finding the customer).
   */
  dryRun?: boolean;
}

/**
 * A dry run of one customer at every selected provider: each link read once from `store`, then planned (plan.ts).
 * No pipeline is needed: nothing leaves, nothing is locked or written.
 */
export async function planPush(
  customer: Customer,
  targets: readonly PlanTarget[],
  store: StateStore,
  options: { only?: readonly ProviderId[] | undefined; full?: boolean | undefined } = {},
  events?: SyncEvents,
): Promise<PushResult> {
  const only = options.only;
  const selected = only ? targets.filter((target) => only.includes(target.definition.id)) : targets;
  const outcomes = await Promise.all(
    selected.map(async (target) => {
      const outcome = await planAt(customer, target, store, options);
      events?.emit('result', { customerId: customer.id, provider: target.definition.id, outcome });
      return [target.definition.id, outcome] as const;
    }),
  );
  return { customerId: customer.id, providers: Object.fromEntries(outcomes) };
}

/**
 * What `push` and the sync job share: a runtime per provider, the state, the events. It takes customers that are
 * already validated, so the sync job validates each record once.
 */
export class SyncEngine {
  readonly events = new SyncEvents();
  readonly #runtimes: ProviderRuntime[];
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  readonly #shared: SharedLimits | undefined;

  constructor(
    adapters: readonly Adapter[],
    readonly store: StateStore,
    retry?: RetryOptions,
    options: { shared?: SharedLimits | undefined } = {},
  ) {
    this.#shared = options.shared;
    this.#runtimes = adapters.map((adapter) => createProviderRuntime(adapter, this.events, retry, undefined, options.shared));
  }

  get providers(): ProviderId[] {
    return this.#runtimes.map((runtime) => runtime.id);
  }

  /** The definitions of the providers, in order: what a model of these providers is made from. */
  get definitions(): ProviderDefinition[] {
    return this.#runtimes.map((runtime) => runtime.target.definition);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** What a dry run needs of each provider: its definition and create rule, no pipeline. */
  get targets(): PlanTarget[] {
    return this.#runtimes.map((runtime) => runtime.target);
  }

  /** Brings every selected provider in step with `customer`, in parallel; never rejects for a provider's failure. */
  async push(customer: Customer, options: PushOptions = {}): Promise<PushResult> {
    if (this.#closed) throw new Error('customer-sync: push after close()');
    const work = this.#push(customer, options);
    this.#inFlight.add(work);
    try {
      return await work;
    } finally {
      this.#inFlight.delete(work);
    }
  }

  async #push(customer: Customer, options: PushOptions): Promise<PushResult> {
    if (options.dryRun) return planPush(customer, this.targets, this.store, options, this.events);
    const only = options.only;
    const selected = only ? this.#runtimes.filter((runtime) => only.includes(runtime.id)) : this.#runtimes;
    const outcomes = await Promise.all(
      selected.map(async (runtime) => {
        const outcome = await deliver(customer, runtime.target, this.store, options);
        this.events.emit('result', { customerId: customer.id, provider: runtime.id, outcome });
        return [runtime.id, outcome] as const;
      }),
    );
    return { customerId: customer.id, providers: Object.fromEntries(outcomes) };
  }

  /** Lets in-flight pushes finish, then releases sockets, timers and the state store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    await Promise.all(this.#runtimes.map((runtime) => runtime.close()));
    await this.#shared?.close();
    await this.store.close();
  }
}
