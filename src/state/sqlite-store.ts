import type Database from 'better-sqlite3';
import { maskPersonalData } from '../errors/mask.js';
import type { ProviderId } from '../provider-id.js';
import { RAW_KEY_BYTES } from './raw-line-index.js';
import { prepareIntegrityCheck } from './sqlite-integrity.js';
import { prepareRawKeyLoader } from './sqlite-raw-keys.js';
import { openStateDatabase, stateFileError } from './sqlite-schema.js';
import { prepareWatermarks } from './sqlite-watermarks.js';
import type { CreateIntent, CustomerLink, FailureRecord, ForgottenCustomer, LinkState, RawLineStore, StateStore, StoredWatermark, WatermarkKey, WatermarkStore } from './store.js';

export { SCHEMA_VERSION, StateFileError } from './sqlite-schema.js';

/** One (customer, provider) pair. */
export interface LinkKey {
  customerId: string;
  provider: ProviderId;
}

/** A link that needs a look: an intent left pending or of unknown outcome, or a failure. */
export interface AttentionRecord {
  customerId: string;
  provider: ProviderId;
  providerId?: string;
  intent?: CreateIntent;
  lastFailure?: FailureRecord;
  updatedAt: string;
}

/**
 * How the user settles a link: `attachProviderId` names the customer the provider already has (the intent is
 * dropped, and the payload hash with it, so the next run sends an update); `allowCreate` drops the intent so the
 * next run creates afresh, with a new idempotency key.
 */
export type Resolution = { attachProviderId: string } | { allowCreate: true };

/** The key `getMany` files a link under. */
export function linkKey(customerId: string, provider: ProviderId): string {
  return `${provider}\u0000${customerId}`;
}

interface Row {
  customer_id: string;
  provider: string;
  provider_id: string | null;
  payload_hash: string | null;
  last_failure: string | null;
  intent: string | null;
  updated_at: string;
}

type Key = [customerId: string, provider: string];

/** Writes waiting to be committed together, and the promises that settle when they are. */
interface Group {
  writes: Array<() => void>;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * When a group of writes is committed. Taken when the module loads: a test that fakes the timers (`setImmediate`
 * among them) must not leave every confirmation waiting for a clock nobody advances.
 */
const nextTurn: (run: () => void) => void = globalThis.setImmediate;

interface FailureParams {
  customerId: string;
  provider: string;
  failure: string;
  mode: 'keep' | 'unknown' | 'clear';
  now: string;
}

const COLUMNS = 'customer_id, provider, provider_id, payload_hash, last_failure, intent, updated_at';
const NEEDS_ATTENTION = 'intent IS NOT NULL OR last_failure IS NOT NULL';

/**
 * `customersLinkedTo`'s statement (exported for the test that checks its plan): served by the partial index
 * `links_provider_id`, whose WHERE (`provider_id IS NOT NULL`) `provider_id = ?` implies.
 */
export const LINKED_TO_SQL = 'SELECT customer_id FROM links WHERE provider = ? AND provider_id = ? ORDER BY customer_id';

/**
 * The CLI's state (DESIGN §6): one SQLite file in WAL mode. Ordinary writes commit with `synchronous = NORMAL`:
 * a commit survives the process being killed, and a power loss can only take back the last few of them, which the
 * next run redoes. A write that guards a create (`recordIntent`) or records a user's decision (`resolve`) switches
 * the connection to `synchronous = FULL` for its one transaction, so the WAL is fsynced before it resolves: an
 * intent whose promise resolved survives power loss too. (A checkpoint per intent would give the same guarantee
 * at the cost of copying pages into the main file on every create; a FULL commit is one fsync of the WAL.)
 * Writes that only move an intent forward may be lost on power loss without harm: the intent they cleared or
 * marked is still there, and a pending intent that is not safe to replay is treated as `unknown_outcome` anyway.
 * Confirmations and failures are group-committed: those recorded in one turn of the event loop share a transaction,
 * and each resolves once it committed (see `#enqueue`).
 */
export class SqliteStateStore implements StateStore, RawLineStore, WatermarkStore {
  readonly #db: Database.Database;
  readonly #sql;
  readonly #getMany: (keys: readonly LinkKey[]) => Map<string, LinkState>;
  readonly #resolve: (customerId: string, provider: ProviderId, action: Resolution) => boolean;
  readonly #integrityCheck: () => string[];
  readonly #recordRaw: (entries: ReadonlyArray<readonly [string, Uint8Array | null]>) => Uint8Array[];
  readonly #loadRawKeys: () => Uint8Array[];
  readonly #writeGroup: (writes: ReadonlyArray<() => void>) => void;
  /** Confirmations and failures waiting for their group's transaction (see `#enqueue`). */
  #group: Group | undefined;
  readonly #forget: (customerId: string) => ForgottenCustomer;
  readonly #watermarks: ReturnType<typeof prepareWatermarks>;

  private constructor(
    db: Database.Database,
    readonly path: string,
  ) {
    this.#db = db;
    this.#sql = {
      get: db.prepare<Key, Row>(`SELECT ${COLUMNS} FROM links WHERE customer_id = ? AND provider = ?`),
      intent: db.prepare<[string, string, string, string]>(
        `INSERT INTO links (customer_id, provider, intent, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (customer_id, provider) DO UPDATE SET intent = excluded.intent, updated_at = excluded.updated_at`,
      ),
      success: db.prepare<[string, string, string | null, string, string]>(
        `INSERT INTO links (customer_id, provider, provider_id, payload_hash, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (customer_id, provider) DO UPDATE SET
           provider_id = coalesce(excluded.provider_id, provider_id), payload_hash = excluded.payload_hash,
           last_failure = NULL, intent = NULL, updated_at = excluded.updated_at`,
      ),
      failure: db.prepare<FailureParams>(
        `INSERT INTO links (customer_id, provider, last_failure, updated_at) VALUES (@customerId, @provider, @failure, @now)
         ON CONFLICT (customer_id, provider) DO UPDATE SET
           last_failure = excluded.last_failure, updated_at = excluded.updated_at,
           intent = CASE @mode WHEN 'clear' THEN NULL
                               WHEN 'unknown' THEN json_set(intent, '$.status', 'unknown_outcome')
                               ELSE intent END`,
      ),
      attach: db.prepare<[string, string, string, string]>(
        `INSERT INTO links (customer_id, provider, provider_id, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (customer_id, provider) DO UPDATE SET provider_id = excluded.provider_id,
           payload_hash = NULL, last_failure = NULL, intent = NULL, updated_at = excluded.updated_at`,
      ),
      allowCreate: db.prepare<[string, string, string]>(
        `UPDATE links SET intent = NULL, last_failure = NULL, updated_at = ? WHERE customer_id = ? AND provider = ?`,
      ),
      attention: db.prepare<[], Row>(`SELECT ${COLUMNS} FROM links WHERE ${NEEDS_ATTENTION} ORDER BY provider, customer_id`),
      rememberRaw: db.prepare<[string, Uint8Array]>(
        `INSERT INTO raw_lines (customer_id, raw_key) VALUES (?, ?) ON CONFLICT (customer_id) DO UPDATE SET raw_key = excluded.raw_key`,
      ),
      forgetRaw: db.prepare<[string]>(`DELETE FROM raw_lines WHERE customer_id = ?`),
      retractRaw: db.prepare<[string], Buffer>(`DELETE FROM raw_lines WHERE customer_id = ? RETURNING raw_key`).pluck(),
      linkedTo: db.prepare<[string, string], string>(LINKED_TO_SQL).pluck(),
      // The primary key (customer_id, provider) serves both.
      linksOf: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM links WHERE customer_id = ? ORDER BY provider`),
      forgetLinks: db.prepare<[string]>(`DELETE FROM links WHERE customer_id = ?`),
      fullSync: db.prepare('PRAGMA synchronous = FULL'),
      normalSync: db.prepare('PRAGMA synchronous = NORMAL'),
    };
    this.#getMany = db.transaction((keys: readonly LinkKey[]) => {
      const found = new Map<string, LinkState>();
      for (const { customerId, provider } of keys) {
        const row = this.#sql.get.get(customerId, provider);
        if (row) found.set(linkKey(customerId, provider), toLinkState(row));
      }
      return found;
    });
    this.#recordRaw = db.transaction((entries: ReadonlyArray<readonly [string, Uint8Array | null]>) => {
      const removed: Uint8Array[] = [];
      for (const [customerId, key] of entries) {
        if (key === null) {
          const old = this.#sql.retractRaw.get(customerId);
          if (old !== undefined) removed.push(old);
        } else {
          if (key.length !== RAW_KEY_BYTES) throw new Error(`a raw-line key is ${RAW_KEY_BYTES} bytes, not ${key.length}`);
          this.#sql.rememberRaw.run(customerId, key);
        }
      }
      return removed;
    });
    this.#loadRawKeys = prepareRawKeyLoader(db);
    this.#writeGroup = db.transaction((writes: ReadonlyArray<() => void>) => {
      for (const write of writes) write();
    });
    this.#resolve = db.transaction((customerId: string, provider: ProviderId, action: Resolution) => {
      // Settled by hand: the customer's next line must be looked at, even if it is byte-identical.
      this.#sql.forgetRaw.run(customerId);
      const row = this.#sql.get.get(customerId, provider);
      const now = new Date().toISOString();
      if ('attachProviderId' in action) this.#sql.attach.run(customerId, provider, action.attachProviderId, now);
      else this.#sql.allowCreate.run(now, customerId, provider);
      return row !== undefined && (row.intent !== null || row.last_failure !== null);
    });
    this.#forget = db.transaction((customerId: string) => {
      const links = this.#sql.linksOf.all(customerId).map(toCustomerLink);
      this.#sql.forgetLinks.run(customerId);
      const rawLine = this.#sql.forgetRaw.run(customerId).changes > 0;
      return { links, rawLine };
    });
    this.#integrityCheck = prepareIntegrityCheck(db);
    this.#watermarks = prepareWatermarks(db);
  }

  /**
   * Open or create the state at `path` (its directory too); `':memory:'` for a throwaway one. Throws a
   * `StateFileError` naming the file when it cannot be opened, migrated or written (see `openStateDatabase`).
   */
  static open(path: string): SqliteStateStore {
    const db = openStateDatabase(path);
    try {
      return new SqliteStateStore(db, path);
    } catch (error) {
      db.close();
      throw stateFileError(path, error);
    }
  }

  async get(customerId: string, provider: ProviderId): Promise<LinkState | undefined> {
    return this.#guard(() => {
      const row = this.#sql.get.get(customerId, provider);
      return row === undefined ? undefined : toLinkState(row);
    });
  }

  async recordIntent(customerId: string, provider: ProviderId, intent: CreateIntent): Promise<void> {
    const json = JSON.stringify(intent);
    this.#guard(() => this.#durably(() => this.#sql.intent.run(customerId, provider, json, new Date().toISOString())));
  }

  async recordSuccess(
    customerId: string,
    provider: ProviderId,
    result: { providerId: string | undefined; payloadHash: string },
  ): Promise<void> {
    const now = new Date().toISOString();
    const providerId = result.providerId ?? null;
    const hash = result.payloadHash;
    return this.#enqueue(() => this.#sql.success.run(customerId, provider, providerId, hash, now));
  }

  async recordFailure(
    customerId: string,
    provider: ProviderId,
    failure: FailureRecord,
    intent: 'keep' | 'unknown' | 'clear',
  ): Promise<void> {
    const now = new Date().toISOString();
    const json = JSON.stringify({ ...failure, message: maskPersonalData(failure.message) });
    return this.#enqueue(() => this.#sql.failure.run({ customerId, provider, failure: json, mode: intent, now }));
  }

  async customersLinkedTo(provider: ProviderId, providerId: string): Promise<string[]> {
    return this.#guard(() => this.#sql.linkedTo.all(provider, providerId));
  }

  /**
   * The state of many links in one read transaction (one consistent snapshot), filed under `linkKey`;
   * links never recorded are absent. Callers batch: a few thousand keys per call is a good size.
   */
  getMany(keys: readonly LinkKey[]): Map<string, LinkState> {
    return this.#guard(() => this.#getMany(keys));
  }

  /** Every link with an intent (pending or `unknown_outcome`) or a last failure, by provider then customer. */
  attention(): AttentionRecord[] {
    return this.#guard(() =>
      this.#sql.attention.all().map((row) => {
        const { payloadHash: _hash, ...state } = toLinkState(row);
        return { customerId: row.customer_id, provider: row.provider as ProviderId, ...state, updatedAt: row.updated_at };
      }),
    );
  }

  /**
   * Settle a link by hand (see `Resolution`); the failure is cleared too. `attachProviderId` creates the link
   * when it does not exist. Returns whether there was an intent or a failure to settle. Durable, like an intent.
   */
  resolve(customerId: string, provider: ProviderId, action: Resolution): boolean {
    return this.#guard(() => this.#durably(() => this.#resolve(customerId, provider, action)));
  }

  /** The customer's links, by provider (code point order). */
  async linksOf(customerId: string): Promise<CustomerLink[]> {
    return this.#guard(() => this.#sql.linksOf.all(customerId).map(toCustomerLink));
  }

  /**
   * Erase the customer's links and remembered line in one transaction, durable like an intent. The freed pages are
   * overwritten (`secure_delete`) and the WAL is checkpointed and truncated when no reader holds it, so the erased
   * rows do not linger in the file or its WAL.
   */
  async forget(customerId: string): Promise<ForgottenCustomer> {
    return this.#guard(() => {
      const before = this.#db.pragma('secure_delete', { simple: true }) as number;
      this.#db.pragma('secure_delete = ON');
      try {
        const forgotten = this.#durably(() => this.#forget(customerId));
        this.#db.pragma('wal_checkpoint(TRUNCATE)');
        return forgotten;
      } finally {
        this.#db.pragma(`secure_delete = ${before === 2 ? 'FAST' : before === 1 ? 'ON' : 'OFF'}`);
      }
    });
  }

  /** Every remembered line's key, in a few blobs read in one transaction (see `prepareRawKeyLoader`). */
  loadRawLineKeys(): Uint8Array[] {
    return this.#guard(() => this.#loadRawKeys());
  }

  recordRawLines(entries: ReadonlyArray<readonly [customerId: string, key: Uint8Array | null]>): Uint8Array[] {
    return this.#guard(() => (entries.length > 0 ? this.#recordRaw(entries) : []));
  }

  async getWatermark(key: WatermarkKey): Promise<StoredWatermark | undefined> {
    return this.#guard(() => this.#watermarks.get(key));
  }

  /** Written after the confirmations waiting for their group (`#guard` commits them first). */
  async setWatermark(key: WatermarkKey, watermark: StoredWatermark): Promise<void> {
    this.#guard(() => this.#watermarks.set(key, watermark));
  }

  /** SQLite's own integrity check plus this store's invariants; empty when all is well. */
  integrityCheck(): string[] {
    return this.#guard(() => this.#integrityCheck());
  }

  /** Close the database, once the writes waiting for their group are written; later calls do nothing. */
  async close(): Promise<void> {
    if (this.#db.open) this.#guard(() => this.#db.close());
  }

  /**
   * Group commit: the confirmations and failures recorded in one turn of the event loop (the answers that arrived
   * together) are written in ONE transaction, at the next `setImmediate` or before any other use of the database,
   * whichever comes first. So the writes reach the file in the order they were made, a read sees every write made
   * before it, and each promise resolves only once its transaction committed: as durable as one transaction per
   * write was (it survives the process being killed). A transaction that fails rejects every promise of its group,
   * and none of its writes is kept.
   */
  #enqueue(write: () => void): Promise<void> {
    this.#ensureOpen();
    return new Promise((resolve, reject) => {
      if (this.#group === undefined) {
        this.#group = { writes: [], waiters: [] };
        nextTurn(() => this.#commitGroup());
      }
      this.#group.writes.push(write);
      this.#group.waiters.push({ resolve, reject });
    });
  }

  /** Commits the waiting group, if any; never throws (its failure is its promises'). */
  #commitGroup(): void {
    const group = this.#group;
    if (group === undefined) return;
    this.#group = undefined;
    try {
      this.#ensureOpen();
      this.#writeGroup(group.writes);
    } catch (error) {
      const failure = stateFileError(this.path, error);
      for (const waiter of group.waiters) waiter.reject(failure);
      return;
    }
    for (const waiter of group.waiters) waiter.resolve();
  }

  /**
   * Runs `fn` on the open database, after the writes waiting for their group (see `#enqueue`); any error it throws
   * becomes a `StateFileError` naming the file.
   */
  #guard<T>(fn: () => T): T {
    this.#ensureOpen();
    this.#commitGroup();
    try {
      return fn();
    } catch (error) {
      throw stateFileError(this.path, error);
    }
  }

  #durably<T>(write: () => T): T {
    this.#sql.fullSync.run();
    try {
      return write();
    } finally {
      this.#sql.normalSync.run();
    }
  }

  #ensureOpen(): void {
    if (!this.#db.open) throw new Error(`state store ${this.path} is closed`);
  }
}

function toCustomerLink(row: Row): CustomerLink {
  return { provider: row.provider, ...toLinkState(row) };
}

function toLinkState(row: Row): LinkState {
  const state: LinkState = {};
  if (row.provider_id !== null) state.providerId = row.provider_id;
  if (row.payload_hash !== null) state.payloadHash = row.payload_hash;
  if (row.last_failure !== null) state.lastFailure = JSON.parse(row.last_failure) as FailureRecord;
  if (row.intent !== null) state.intent = JSON.parse(row.intent) as CreateIntent;
  return state;
}
