import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { maskPersonalData } from '../errors/mask.js';
import type { ProviderId } from '../provider-id.js';
import { connectionError, createPool, describeTarget, isConnectionError, reasonOf, type PostgresTarget } from './postgres-connection.js';
import { IntentConflictError, LinkBusyError, PostgresStateError } from './postgres-errors.js';
import { checkIntegrity } from './postgres-integrity.js';
import { lockTimeout, withAdvisoryLock, type LinkLock, type LockOptions } from './postgres-lock.js';
import { advisoryKey, DEFAULT_SCHEMA, migrateSchema, quoteSchema } from './postgres-schema.js';
import { linkSql, type Row } from './postgres-sql.js';
import { postgresWatermarks } from './postgres-watermarks.js';
import type { AttentionRecord, LinkKey, Resolution } from './sqlite-store.js';
import type { CreateIntent, CustomerLink, FailureRecord, ForgottenCustomer, LinkState, StateStore, StoredWatermark, WatermarkKey, WatermarkStore } from './store.js';

export { IntentConflictError, LinkBusyError, PostgresStateError } from './postgres-errors.js';
export { DEFAULT_SCHEMA, PG_SCHEMA_VERSION } from './postgres-schema.js';
export type { LinkLock, LockOptions } from './postgres-lock.js';

export interface PostgresStoreOptions {
  /** The schema holding the state, created (and migrated) when missing. @default 'customer_sync' */
  schema?: string;
  /** Connections for the store's queries. @default 10 */
  poolSize?: number;
  /** Connections for `withLock`, one per lock held or awaited, apart from `poolSize`. @default 10 */
  lockPoolSize?: number;
  /** How long to wait for a connection before failing. @default 10000 */
  connectTimeoutMs?: number;
}

/** Attempts at an insert-if-absent that keeps losing to an intent cleared just after it won. */
const CLAIM_ATTEMPTS = 10;

/**
 * The state in PostgreSQL, for several workers (processes, machines) sharing one state: SqliteStateStore's
 * table and semantics (DESIGN §5–§6), plus what concurrent workers need:
 * - `withLock(customerId, provider, fn)`: no two workers deliver the same customer to the same provider at once;
 * - `claimIntent`: one create intent per link, whoever writes first; `recordIntent` (the `StateStore` method)
 *   replaces an intent this store recorded but throws `IntentConflictError` on another worker's.
 * Every write commits before its promise resolves, with `synchronous_commit` at least `local`. Errors reaching
 * the server are `PostgresStateError`s naming `host:port/database`, never the password.
 */
export class PostgresStateStore implements StateStore, WatermarkStore {
  /** Marks the intents this store records: `recordIntent` replaces only these. */
  readonly writerId = randomUUID();
  readonly #pool: pg.Pool;
  readonly #lockPool: pg.Pool;
  readonly #target: PostgresTarget;
  readonly #sql: ReturnType<typeof linkSql>;
  /** The statements on one customer's links (the primary key serves them): `$1` customer id. */
  readonly #customerSql: { linksOf: string; forget: string };
  readonly #watermarks: ReturnType<typeof postgresWatermarks>;
  #closed: Promise<void> | undefined;

  private constructor(
    pools: { main: pg.Pool; locks: pg.Pool },
    target: PostgresTarget,
    /** The schema holding the state. */
    readonly schema: string,
  ) {
    this.#pool = pools.main;
    this.#lockPool = pools.locks;
    this.#target = target;
    const s = quoteSchema(schema, target.where);
    this.#sql = linkSql(s);
    const columns = 'customer_id, provider, provider_id, payload_hash, last_failure, intent, updated_at';
    this.#customerSql = {
      linksOf: `SELECT ${columns} FROM ${s}.links WHERE customer_id = $1 ORDER BY provider`,
      forget: `DELETE FROM ${s}.links WHERE customer_id = $1 RETURNING ${columns}`,
    };
    this.#watermarks = postgresWatermarks(s, (text, values) => this.#query(text, values));
  }

  /** `host:port/database` of the server, for messages. */
  get where(): string {
    return this.#target.where;
  }

  /**
   * Connect to `url` (`postgres://user[:password]@host:port/database`) and create or migrate the schema. Fails
   * with a `PostgresStateError` when the server is out of reach, the schema is another program's or newer.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStateStore> {
    const target = describeTarget(url);
    const schema = options.schema ?? DEFAULT_SCHEMA;
    quoteSchema(schema, target.where);
    const settings = { connectTimeoutMs: options.connectTimeoutMs ?? 10_000 };
    const main = createPool(url, { ...settings, max: options.poolSize ?? 10, applicationName: 'customer-sync' });
    try {
      const client = await main.connect().catch((error: unknown) => {
        throw connectionError(target, error);
      });
      let broken: Error | undefined;
      try {
        await migrateSchema(client, schema, target.where);
      } catch (error) {
        broken = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.release(broken);
      }
    } catch (error) {
      await main.end().catch(() => {});
      if (error instanceof PostgresStateError) throw error;
      if (isConnectionError(error)) throw connectionError(target, error);
      throw new PostgresStateError(
        target.where,
        `cannot open the state in schema ${schema} at ${target.where}: ${reasonOf(error)}`,
        { cause: error },
      );
    }
    const locks = createPool(url, { ...settings, max: options.lockPoolSize ?? 10, applicationName: 'customer-sync lock' });
    return new PostgresStateStore({ main, locks }, target, schema);
  }

  async get(customerId: string, provider: ProviderId): Promise<LinkState | undefined> {
    const { rows } = await this.#query<Row>(this.#sql.get, [customerId, provider]);
    return rows[0] === undefined ? undefined : toLinkState(rows[0]);
  }

  /**
   * Record a create intent before the create is sent, replacing one this store recorded. Throws
   * `IntentConflictError` (with the intent that won) when another worker's intent is there: send nothing then.
   */
  async recordIntent(customerId: string, provider: ProviderId, intent: CreateIntent): Promise<void> {
    const existing = await this.#insertIntent(this.#sql.recordIntent, customerId, provider, intent);
    if (existing !== undefined) throw new IntentConflictError(customerId, provider, existing);
  }

  /**
   * Record `intent` unless the link already has one (pending or `unknown_outcome`, from any worker), atomically:
   * returns the intent that won — `intent` itself, or the one there before, whose key the caller replays (or
   * leaves to the worker that wrote it) instead of sending a create of its own.
   */
  async claimIntent(customerId: string, provider: ProviderId, intent: CreateIntent): Promise<CreateIntent> {
    return (await this.#insertIntent(this.#sql.claimIntent, customerId, provider, intent)) ?? intent;
  }

  async recordSuccess(
    customerId: string,
    provider: ProviderId,
    result: { providerId: string | undefined; payloadHash: string },
  ): Promise<void> {
    await this.#query(this.#sql.success, [customerId, provider, result.providerId ?? null, result.payloadHash]);
  }

  async recordFailure(
    customerId: string,
    provider: ProviderId,
    failure: FailureRecord,
    intent: 'keep' | 'unknown' | 'clear',
  ): Promise<void> {
    const json = JSON.stringify({ ...failure, message: maskPersonalData(failure.message) });
    if (intent !== 'unknown') {
      await this.#query(this.#sql.failure, [customerId, provider, json, intent, null]);
      return;
    }
    // `json` has no jsonb_set, and jsonb refuses `\u0000`: mark the intent here, the row locked meanwhile.
    await this.#transaction(async (client) => {
      const { rows } = await client.query<Pick<Row, 'intent'>>(this.#sql.lockIntent, [customerId, provider]);
      const current = rows[0]?.intent ?? null;
      const marked = current === null ? null : JSON.stringify({ ...current, status: 'unknown_outcome' });
      await client.query(this.#sql.failure, [customerId, provider, json, marked === null ? 'keep' : 'replace', marked]);
    });
  }

  async customersLinkedTo(provider: ProviderId, providerId: string): Promise<string[]> {
    const { rows } = await this.#query<{ customer_id: string }>(this.#sql.linkedTo, [provider, providerId]);
    return rows.map((row) => row.customer_id);
  }

  /**
   * The state of many links in one statement (one consistent snapshot), filed under `linkKey` (sqlite-store.ts);
   * links never recorded are absent. A few thousand keys per call is a good size.
   */
  async getMany(keys: readonly LinkKey[]): Promise<Map<string, LinkState>> {
    const found = new Map<string, LinkState>();
    if (keys.length === 0) return found;
    const ids = keys.map((key) => key.customerId);
    const providers = keys.map((key) => key.provider);
    const { rows } = await this.#query<Row>(this.#sql.getMany, [ids, providers]);
    for (const row of rows) found.set(`${row.provider}\u0000${row.customer_id}`, toLinkState(row));
    return found;
  }

  /** Every link with an intent (pending or `unknown_outcome`) or a last failure, by provider then customer. */
  async attention(): Promise<AttentionRecord[]> {
    const { rows } = await this.#query<Row>(this.#sql.attention, []);
    return rows.map((row) => {
      const { payloadHash: _hash, ...state } = toLinkState(row);
      return { customerId: row.customer_id, provider: row.provider as ProviderId, ...state, updatedAt: row.updated_at.toISOString() };
    });
  }

  /**
   * Settle a link by hand (see `Resolution`); the failure is cleared too. `attachProviderId` creates the link
   * when it does not exist. Returns whether there was an intent or a failure to settle.
   */
  async resolve(customerId: string, provider: ProviderId, action: Resolution): Promise<boolean> {
    return this.#transaction(async (client) => {
      const { rows } = await client.query<{ open: boolean }>(this.#sql.lockOpen, [customerId, provider]);
      if ('attachProviderId' in action) await client.query(this.#sql.attach, [customerId, provider, action.attachProviderId]);
      else await client.query(this.#sql.allowCreate, [customerId, provider]);
      return rows[0]?.open === true;
    });
  }

  /** The customer's links, by provider (code point order). */
  async linksOf(customerId: string): Promise<CustomerLink[]> {
    const { rows } = await this.#query<Row>(this.#customerSql.linksOf, [customerId]);
    return rows.map(toCustomerLink);
  }

  /**
   * Erase the customer's links, each under its link lock (`withLock`), so a worker delivering the customer at that
   * moment finishes first and its result is erased too. Its rows are gone for every reader once this resolves;
   * the server reclaims their space at its next vacuum. A PostgreSQL state remembers no input lines.
   */
  async forget(customerId: string): Promise<ForgottenCustomer> {
    const held = (await this.linksOf(customerId)).map((link) => link.provider);
    const erase = async (next: number): Promise<CustomerLink[]> => {
      const provider = held[next];
      if (provider === undefined) {
        const { rows } = await this.#query<Row>(this.#customerSql.forget, [customerId]);
        return rows.map(toCustomerLink).sort((a, b) => compareCodePoints(a.provider, b.provider));
      }
      return this.withLock(customerId, provider, () => erase(next + 1));
    };
    return { links: await erase(0), rawLine: false };
  }

  async getWatermark(key: WatermarkKey): Promise<StoredWatermark | undefined> {
    return this.#watermarks.get(key);
  }

  async setWatermark(key: WatermarkKey, watermark: StoredWatermark): Promise<void> {
    await this.#watermarks.set(key, watermark);
  }

  /** This store's invariants and the server's (see postgres-integrity.ts), on one snapshot; empty when all is well. */
  async integrityCheck(): Promise<string[]> {
    const s = quoteSchema(this.schema, this.where);
    return this.#transaction((client) => checkIntegrity(client, s), 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  /**
   * Run `fn` while holding this link's lock, so no other worker (process or machine) sharing the database runs
   * `fn` for the same customer and provider at the same time; other links are not held up. The queue worker
   * wraps one delivery in it. The lock is a session-level `pg_advisory_lock` on a 64-bit hash of schema, provider
   * and customer, held on a connection of its own pool (`lockPoolSize`) for as long as `fn` runs and released
   * whatever `fn` does; a worker that dies loses it with its connection. `options.timeoutMs` bounds the wait
   * (`LinkBusyError`); `lock.signal` aborts if the lock's connection is lost while `fn` runs.
   */
  async withLock<T>(
    customerId: string,
    provider: ProviderId,
    fn: (lock: LinkLock) => Promise<T>,
    options?: LockOptions,
  ): Promise<T> {
    this.#ensureOpen();
    const timeoutMs = lockTimeout(options);
    const key = advisoryKey('customer-sync link', this.schema, provider, customerId);
    const busy = (): Error => new LinkBusyError(customerId, provider, timeoutMs);
    return withAdvisoryLock(this.#lockPool, key, timeoutMs, busy, (error) => this.#wrap(error), fn);
  }

  /** End both pools, once in-flight queries and locks are done; later calls do nothing. */
  async close(): Promise<void> {
    this.#closed ??= Promise.all([this.#pool.end(), this.#lockPool.end()]).then(() => undefined);
    return this.#closed;
  }

  /** The insert-if-absent behind both intent writes: `undefined` when `intent` went in, else the intent that won. */
  async #insertIntent(sql: string, customerId: string, provider: ProviderId, intent: CreateIntent): Promise<CreateIntent | undefined> {
    const json = JSON.stringify(intent);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const inserted = await this.#query(sql, [customerId, provider, json, this.writerId]);
      if (inserted.rowCount === 1) return undefined;
      const { rows } = await this.#query<Pick<Row, 'intent'>>(this.#sql.getIntent, [customerId, provider]);
      const existing = rows[0]?.intent;
      if (existing) return existing;
    }
    throw new Error(`${provider}: the create intent of customer ${JSON.stringify(customerId)} keeps changing; try again`);
  }

  async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    this.#ensureOpen();
    try {
      return await this.#pool.query<R>(text, values);
    } catch (error) {
      throw this.#wrap(error);
    }
  }

  async #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    this.#ensureOpen();
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw this.#wrap(error);
    });
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => {
        broken = rollback instanceof Error ? rollback : new Error(String(rollback));
      });
      throw this.#wrap(error);
    } finally {
      client.release(broken);
    }
  }

  #wrap(error: unknown): unknown {
    return isConnectionError(error) ? connectionError(this.#target, error) : error;
  }

  #ensureOpen(): void {
    if (this.#closed) throw new Error(`state store ${this.where} (schema ${this.schema}) is closed`);
  }
}

function toCustomerLink(row: Row): CustomerLink {
  return { provider: row.provider, ...toLinkState(row) };
}

function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function toLinkState(row: Row): LinkState {
  const state: LinkState = {};
  if (row.provider_id !== null) state.providerId = row.provider_id;
  if (row.payload_hash !== null) state.payloadHash = row.payload_hash;
  if (row.last_failure !== null) state.lastFailure = row.last_failure;
  if (row.intent !== null) state.intent = row.intent;
  return state;
}
