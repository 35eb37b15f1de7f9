import type { ProviderId } from '../provider-id.js';
import type { CreateIntent, FailureRecord, LinkState, StateStore } from './store.js';

/**
 * A store still being opened (a SQLite file, whose module is loaded only when a state file is used): every
 * method waits for the store, then calls it. `ready` rejects with the store's own error when it cannot be opened;
 * so does every method. `withLock` exists once the store is open, and only if that store has one: await `ready`
 * before delivering (`createCustomerSync` does), or a delivery started earlier runs without it.
 */
export class DeferredStateStore implements StateStore {
  /** The store, once open; rejects with the error that kept it from opening. */
  readonly ready: Promise<StateStore>;
  withLock?: <T>(customerId: string, provider: ProviderId, fn: () => Promise<T>) => Promise<T>;

  constructor(open: () => Promise<StateStore>) {
    this.ready = Promise.resolve().then(open).then((store) => {
      if (store.withLock) this.withLock = store.withLock.bind(store);
      return store;
    });
    // Whoever uses the store sees the error; a store that failed to open and was never used is no crash.
    this.ready.catch(() => undefined);
  }

  async get(customerId: string, provider: ProviderId): Promise<LinkState | undefined> {
    return (await this.ready).get(customerId, provider);
  }

  async recordIntent(customerId: string, provider: ProviderId, intent: CreateIntent): Promise<void> {
    return (await this.ready).recordIntent(customerId, provider, intent);
  }

  async recordSuccess(customerId: string, provider: ProviderId, result: { providerId: string | undefined; payloadHash: string }): Promise<void> {
    return (await this.ready).recordSuccess(customerId, provider, result);
  }

  async recordFailure(customerId: string, provider: ProviderId, failure: FailureRecord, intent: 'keep' | 'unknown' | 'clear'): Promise<void> {
    return (await this.ready).recordFailure(customerId, provider, failure, intent);
  }

  async customersLinkedTo(provider: ProviderId, providerId: string): Promise<string[]> {
    return (await this.ready).customersLinkedTo(provider, providerId);
  }

  /** Closes the store if it opened (waiting for an opening in progress); nothing to close if it did not. */
  async close(): Promise<void> {
    let store: StateStore;
    try {
      store = await this.ready;
    } catch {
      return;
    }
    await store.close();
  }
}
