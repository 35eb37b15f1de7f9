import type { ProviderId } from '../providers.js';
import type { CreateIntent, FailureRecord, LinkState, StateStore } from './store.js';

/** State for one process: what `push` uses unless a persistent store is given. */
export class MemoryStateStore implements StateStore {
  readonly #links = new Map<string, LinkState>();

  #key(customerId: string, provider: ProviderId): string {
    return `${provider}\u0000${customerId}`;
  }

  async get(customerId: string, provider: ProviderId): Promise<LinkState | undefined> {
    const link = this.#links.get(this.#key(customerId, provider));
    return link === undefined ? undefined : structuredClone(link);
  }

  async recordIntent(customerId: string, provider: ProviderId, intent: CreateIntent): Promise<void> {
    this.#update(customerId, provider, (link) => ({ ...link, intent: structuredClone(intent) }));
  }

  async recordSuccess(
    customerId: string,
    provider: ProviderId,
    result: { providerId: string | undefined; payloadHash: string },
  ): Promise<void> {
    this.#update(customerId, provider, (link) => ({
      providerId: result.providerId ?? link.providerId,
      payloadHash: result.payloadHash,
    }));
  }

  async recordFailure(
    customerId: string,
    provider: ProviderId,
    failure: FailureRecord,
    intent: 'keep' | 'unknown' | 'clear',
  ): Promise<void> {
    this.#update(customerId, provider, (link) => {
      const next: LinkState = { ...link, lastFailure: { ...failure } };
      if (intent === 'clear') delete next.intent;
      if (intent === 'unknown' && next.intent) next.intent = { ...next.intent, status: 'unknown_outcome' };
      return next;
    });
  }

  async close(): Promise<void> {
    this.#links.clear();
  }

  #update(customerId: string, provider: ProviderId, change: (link: LinkState) => LinkState): void {
    const key = this.#key(customerId, provider);
    this.#links.set(key, change(this.#links.get(key) ?? {}));
  }
}
