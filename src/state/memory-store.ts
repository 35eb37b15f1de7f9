import { maskPersonalData } from '../errors/mask.js';
import type { ProviderId } from '../provider-id.js';
import type { CreateIntent, CustomerLink, FailureRecord, ForgottenCustomer, LinkState, StateStore, StoredWatermark, WatermarkKey, WatermarkStore } from './store.js';

/** State for one process: what `push` uses unless a persistent store is given. */
export class MemoryStateStore implements StateStore, WatermarkStore {
  readonly #links = new Map<string, LinkState>();
  /** `provider \0 providerId` → the customers whose link there has that id, kept with `#links`. */
  readonly #byProviderId = new Map<string, Set<string>>();
  readonly #watermarks = new Map<string, StoredWatermark>();

  #key(provider: ProviderId, id: string): string {
    return `${provider}\u0000${id}`;
  }

  /**
   * A copy, so a caller cannot change the state behind its back. Only the nested parts are cloned deep: a link is
   * mostly an id and a hash, and a `structuredClone` of the whole on every read was ~2 % of a push.
   */
  async get(customerId: string, provider: ProviderId): Promise<LinkState | undefined> {
    const link = this.#links.get(this.#key(provider, customerId));
    if (link === undefined) return undefined;
    const copy: LinkState = { ...link };
    if (link.intent !== undefined) copy.intent = structuredClone(link.intent);
    if (link.lastFailure !== undefined) copy.lastFailure = { ...link.lastFailure };
    return copy;
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
      const next: LinkState = { ...link, lastFailure: { ...failure, message: maskPersonalData(failure.message) } };
      if (intent === 'clear') delete next.intent;
      if (intent === 'unknown' && next.intent) next.intent = { ...next.intent, status: 'unknown_outcome' };
      return next;
    });
  }

  async customersLinkedTo(provider: ProviderId, providerId: string): Promise<string[]> {
    const customers = this.#byProviderId.get(this.#key(provider, providerId));
    // Code point order, as SQLite and PostgreSQL (COLLATE "C") give it.
    return customers === undefined ? [] : [...customers].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** The customer's links, by provider in code point order. */
  async linksOf(customerId: string): Promise<CustomerLink[]> {
    const links: CustomerLink[] = [];
    for (const [key, link] of this.#links) {
      const at = key.indexOf('\u0000');
      if (key.slice(at + 1) === customerId) links.push({ provider: key.slice(0, at), ...structuredClone(link) });
    }
    return links.sort((a, b) => Buffer.compare(Buffer.from(a.provider), Buffer.from(b.provider)));
  }

  async forget(customerId: string): Promise<ForgottenCustomer> {
    const links = await this.linksOf(customerId);
    for (const { provider } of links) {
      // Through #update first, so the provider-id index lets go of the customer too.
      this.#update(customerId, provider, () => ({}));
      this.#links.delete(this.#key(provider, customerId));
    }
    return { links, rawLine: false };
  }

  async getWatermark(key: WatermarkKey): Promise<StoredWatermark | undefined> {
    const found = this.#watermarks.get(JSON.stringify([key.input, key.source, key.column]));
    return found === undefined ? undefined : { ...found };
  }

  async setWatermark(key: WatermarkKey, watermark: StoredWatermark): Promise<void> {
    this.#watermarks.set(JSON.stringify([key.input, key.source, key.column]), { value: watermark.value, type: watermark.type });
  }

  async close(): Promise<void> {
    this.#links.clear();
    this.#byProviderId.clear();
    this.#watermarks.clear();
  }

  #update(customerId: string, provider: ProviderId, change: (link: LinkState) => LinkState): void {
    const key = this.#key(provider, customerId);
    const before = this.#links.get(key) ?? {};
    const after = change(before);
    this.#links.set(key, after);
    if (before.providerId === after.providerId) return;
    if (before.providerId !== undefined) {
      const byId = this.#key(provider, before.providerId);
      const customers = this.#byProviderId.get(byId);
      customers?.delete(customerId);
      if (customers?.size === 0) this.#byProviderId.delete(byId);
    }
    if (after.providerId !== undefined) {
      const byId = this.#key(provider, after.providerId);
      const customers = this.#byProviderId.get(byId) ?? new Set<string>();
      customers.add(customerId);
      this.#byProviderId.set(byId, customers);
    }
  }
}
