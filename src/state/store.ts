import type { RequestSpec } from '../adapter/definition.js';
import type { ErrorKind } from '../errors/kinds.js';
import type { ProviderId } from '../provider-id.js';

/**
 * A create about to be sent (DESIGN §5): written before the POST leaves, replayed — same Idempotency-Key — by
 * every retry in this run or after a crash (once a lookup says the customer is not there), and cleared by the
 * result. It holds the least personal data a replay needs: the body only where the provider takes an
 * idempotency key (a key must come back with the same bytes), and of the update body only its hash.
 */
export interface CreateIntent {
  idempotencyKey: string;
  /**
   * The create request. `body` is kept only when the provider takes an idempotency key; otherwise it is left out
   * and a replay builds the body afresh from the record as it is then.
   */
  request: RequestSpec;
  /** `payloadHash(undefined, updateBody)` at the time of the intent: tells whether the record changed since. */
  updateHash: string;
  createdAt: string;
  /** `unknown_outcome`: a create without keys may have been applied; it is not sent again until resolved. */
  status: 'pending' | 'unknown_outcome';
}

export interface FailureRecord {
  kind: ErrorKind;
  status?: number | undefined;
  message: string;
  at: string;
}

/** What the state knows about one customer at one provider. */
export interface LinkState {
  providerId?: string | undefined;
  /** Hash of the last update payload the provider confirmed. */
  payloadHash?: string | undefined;
  lastFailure?: FailureRecord | undefined;
  intent?: CreateIntent | undefined;
}

/**
 * Where customer-sync remembers provider ids, delivered payloads, failures and create intents.
 * In memory by default; SQLite for the CLI; PostgreSQL for workers sharing one state. `recordIntent` must be
 * durable (survive power loss) when it resolves; other writes need only survive the process being killed.
 */
export interface StateStore {
  get(customerId: string, provider: ProviderId): Promise<LinkState | undefined>;
  /** Record a create intent before the create is sent. */
  recordIntent(customerId: string, provider: ProviderId, intent: CreateIntent): Promise<void>;
  /** The provider confirmed `payloadHash` under `providerId`: clears any intent and failure. */
  recordSuccess(customerId: string, provider: ProviderId, result: { providerId: string | undefined; payloadHash: string }): Promise<void>;
  /**
   * A request failed. The failure is kept with emails and phone numbers in its message masked (`maskPersonalData`),
   * whoever built it. `intent` says what happens to a pending create intent: `keep` it for replay,
   * `unknown` marks it `unknown_outcome`, `clear` drops it (the provider refused it, so nothing was created).
   */
  recordFailure(
    customerId: string,
    provider: ProviderId,
    failure: FailureRecord,
    intent: 'keep' | 'unknown' | 'clear',
  ): Promise<void>;
  /**
   * Runs `fn` while no other process delivers this customer to this provider (a store shared by workers
   * implements it; a store owned by one process need not).
   */
  withLock?<T>(customerId: string, provider: ProviderId, fn: () => Promise<T>): Promise<T>;
  /**
   * The customers of ours the state links to `providerId` at `provider` (normally none or one), so a customer
   * found at the provider by a natural key (an email) is adopted only when no other customer of ours holds it.
   */
  customersLinkedTo(provider: ProviderId, providerId: string): Promise<string[]>;
  /**
   * Erase everything the state holds about one customer: its link at every provider (provider ids, payload hashes,
   * failures, create intents) and, where the store keeps them, its remembered input line. The next sync treats the
   * customer as never seen. Every store this package ships has it.
   */
  forget?(customerId: string): Promise<ForgottenCustomer>;
  close(): Promise<void>;
}

/** One link of a customer, as the state held it. */
export type CustomerLink = { provider: ProviderId } & LinkState;

/** What `forget` removed. */
export interface ForgottenCustomer {
  /** The links removed, by provider (code point order), each as it was. */
  links: CustomerLink[];
  /** Whether a remembered input line (the raw-line skip of a SQLite state) was removed. */
  rawLine: boolean;
}

/**
 * A store that remembers, per customer, the key of the last raw input line every provider confirmed (`RawLineKey`:
 * 128 bits of a hash that covers the config too, see run-sync), so a nightly run can skip byte-identical lines
 * without parsing them. A run loads every key once into a `RawLineIndex` and asks it, not the store, line by line.
 */
export interface RawLineStore {
  /**
   * Every remembered key, `RAW_KEY_BYTES` each, end to end in no particular order, in one or more pieces (read in
   * one transaction): what a `RawLineIndex` is built from.
   */
  loadRawLineKeys(): Uint8Array[];
  /**
   * Remember (a key of `RAW_KEY_BYTES` bytes) or forget (null) each customer's last confirmed line; one
   * transaction. Returns the keys the forgetting removed, so a run drops them from its index: a line forgotten
   * this run is not skipped later in the same run. (A key replaced by remembering is not returned: a run remembers
   * only the line of a customer it forgot before sending it.)
   */
  recordRawLines(entries: ReadonlyArray<readonly [customerId: string, key: Uint8Array | null]>): Uint8Array[];
}

export function isRawLineStore(store: StateStore): store is StateStore & RawLineStore {
  return typeof (store as Partial<RawLineStore>).loadRawLineKeys === 'function';
}

/**
 * Which incremental read a watermark belongs to (`sync --since-last-run`): the input without credentials, the
 * sha256 (hex) of the query text or of the quoted table name, and the column. Never a password.
 */
export interface WatermarkKey {
  input: string;
  source: string;
  column: string;
}

/** A watermark as the state keeps it: the column's value as PostgreSQL prints it, and its type (`format_type`). */
export interface StoredWatermark {
  value: string;
  type: string;
}

/** A store that keeps the watermarks of `sync --since-last-run`; every store this package ships does. */
export interface WatermarkStore {
  getWatermark(key: WatermarkKey): Promise<StoredWatermark | undefined>;
  /** Replaces the key's watermark in one write. */
  setWatermark(key: WatermarkKey, watermark: StoredWatermark): Promise<void>;
}

export function isWatermarkStore(store: StateStore): store is StateStore & WatermarkStore {
  return typeof (store as Partial<WatermarkStore>).getWatermark === 'function';
}
