import { validateCustomer } from '../model/customer.js';
import type { Customer } from '../model/types.js';
import type { ProviderId } from '../providers.js';
import type { SyncEngine } from '../push/engine.js';
import type { PushResult } from '../push/engine.js';
import { isUnparsed, singles, type SourceItem, type SourceRecord } from '../sources/index.js';
import { isRawLineStore, type RawLineStore } from '../state/store.js';
import { rawLineHasher } from './raw-lines.js';
import { ReportBuilder, type PlannedRequest, type ReportInvalid, type SyncReport } from './report.js';

export interface Progress {
  read: number;
  invalid: number;
  /** Records whose providers have all answered. */
  done: number;
  sent: number;
  failed: number;
  perProvider: Partial<Record<ProviderId, { sent: number; failed: number }>>;
}

/** The input: a source's `batches` (NDJSON lines then go unparsed when the raw-line skip applies), or its `records`. */
export type RunSyncInput =
  | { batches: AsyncIterable<readonly SourceItem[]>; records?: never }
  | { records: AsyncIterable<SourceRecord>; batches?: never };

export type RunSyncOptions = RunSyncInput & {
  engine: SyncEngine;
  only?: readonly ProviderId[] | undefined;
  dryRun?: boolean | undefined;
  full?: boolean | undefined;
  /**
   * Skip input lines byte-identical to the last line every provider confirmed for that customer, without parsing
   * them (`rawFingerprint` of the adapters). Off with `only`, `full` or `dryRun`, and when the store cannot.
   */
  rawFingerprint?: string | undefined;
  /** Aborting stops reading; records already started finish, and the report says the run was interrupted. */
  signal?: AbortSignal | undefined;
  /** Records in flight at once. @default 64 */
  maxInFlight?: number | undefined;
  onProgress?: ((progress: Readonly<Progress>) => void) | undefined;
  /**
   * With `dryRun`: every request the run would send, as soon as it is planned (the report keeps only the first
   * `LIST_CAP` of them). A promise it returns holds the record's place among those in flight until it settles, so
   * a slow reader of the output slows the run down instead of filling memory.
   */
  onPlanned?: ((planned: PlannedRequest) => void | Promise<void>) | undefined;
};

/** Confirmed lines written together: one transaction per batch instead of one per line. */
const RAW_BATCH = 512;

/**
 * Streams records through validation and the engine with bounded concurrency: reading waits while `maxInFlight`
 * records are being delivered, so memory stays bounded whatever the input's size. Never throws for a record.
 */
export async function runSync(options: RunSyncOptions): Promise<SyncReport> {
  const { engine, signal } = options;
  const providers = options.only ? engine.providers.filter((id) => options.only?.includes(id)) : engine.providers;
  const builder = new ReportBuilder(providers, options.dryRun === true);
  const progress: Progress = { read: 0, invalid: 0, done: 0, sent: 0, failed: 0, perProvider: {} };
  for (const id of providers) progress.perProvider[id] = { sent: 0, failed: 0 };
  const limit = options.maxInFlight ?? 64;
  const inFlight = new Set<Promise<void>>();
  // The same customer twice in one input: the second waits for the first, so they never race on the state.
  const byCustomer = new Map<string, Promise<void>>();
  const pushOptions = { only: options.only, full: options.full, dryRun: options.dryRun };
  const raw = rawSkipping(options);

  const account = (result: PushResult): void => {
    builder.result(result);
    for (const [provider, outcome] of Object.entries(result.providers) as Array<[ProviderId, { status: string; requests: number }]>) {
      const counters = progress.perProvider[provider];
      if (outcome.requests > 0) progress.sent += 1;
      if (counters && outcome.requests > 0) counters.sent += 1;
      if (outcome.status === 'failed') {
        progress.failed += 1;
        if (counters) counters.failed += 1;
      }
    }
  };

  const read = (): void => {
    builder.read();
    progress.read += 1;
  };

  const invalid = (entry: ReportInvalid): undefined => {
    read();
    builder.invalid(entry);
    progress.invalid += 1;
    return undefined;
  };

  /**
   * A parsed record's customer, or undefined once it is reported invalid. A valid record counts as read when its
   * push starts: a run stopped in between did not read it.
   */
  const check = (record: SourceRecord): Customer | undefined => {
    if (record.error !== undefined) return invalid({ line: record.line, issues: [{ path: '', message: record.error }] });
    const checked = validateCustomer(record.value);
    if (checked.ok) return checked.customer;
    return invalid({ line: record.line, customerId: checked.customerId, issues: checked.issues });
  };

  const deliver = async (customer: Customer, hash: string | undefined): Promise<void> => {
    const previous = byCustomer.get(customer.id);
    const work = (async () => {
      if (previous) await previous;
      const result = await engine.push(customer, pushOptions);
      account(result);
      raw?.settle(customer.id, hash, result);
      if (options.dryRun && options.onPlanned) await emitPlanned(result, options.onPlanned);
    })();
    byCustomer.set(customer.id, work);
    try {
      await work;
    } finally {
      if (byCustomer.get(customer.id) === work) byCustomer.delete(customer.id);
    }
  };

  /** Starts a push; a promise to await only when `maxInFlight` records are in flight. */
  const take = (customer: Customer, hash: string | undefined): Promise<void> | undefined => {
    read();
    const task = deliver(customer, hash).finally(() => {
      inFlight.delete(task);
      progress.done += 1;
      options.onProgress?.(progress);
    });
    inFlight.add(task);
    return inFlight.size >= limit ? Promise.race(inFlight) : undefined;
  };

  // A line every provider confirmed last time, byte for byte, is counted and left: no parse, no validation, no
  // state read per record. Everything else is checked, then pushed.
  const unchanged = (): void => {
    read();
    builder.unchangedEverywhere();
    progress.done += 1;
  };

  for await (const batch of options.batches ?? singles(options.records)) {
    if (signal?.aborted) break;
    const hashes = raw?.hashes(batch);
    const known = raw && hashes ? raw.known(hashes) : EMPTY;
    const pushes: Array<readonly [Customer, string | undefined]> = [];
    for (const [i, item] of batch.entries()) {
      if (signal?.aborted) break;
      const hash = hashes?.[i];
      if (hash !== undefined && known.has(hash)) {
        unchanged();
        continue;
      }
      const record = isUnparsed(item) ? item.parse() : item;
      const customer = record && check(record);
      if (customer) pushes.push([customer, hash]);
    }
    // Before anything is sent: the line each of these customers had confirmed no longer stands. Were it only
    // replaced after the push, a process dying in between would keep it, and that old line, met again, would be
    // skipped while the provider holds the newer one.
    raw?.forget(pushes);
    for (const [customer, hash] of pushes) {
      if (signal?.aborted) break;
      const full = take(customer, hash);
      if (full) await full;
    }
    options.onProgress?.(progress);
  }
  await Promise.all(inFlight);
  raw?.flush();
  options.onProgress?.(progress);
  return builder.finish(signal?.aborted === true);
}

const EMPTY: ReadonlySet<string> = new Set();

async function emitPlanned(result: PushResult, onPlanned: (planned: PlannedRequest) => void | Promise<void>): Promise<void> {
  for (const [provider, outcome] of Object.entries(result.providers) as Array<[ProviderId, PushResult['providers'][ProviderId]]>) {
    for (const request of outcome?.planned ?? []) await onPlanned({ customerId: result.customerId, provider, request });
  }
}

/** The raw-line bookkeeping of one run, when it applies. */
function rawSkipping(options: RunSyncOptions) {
  const fingerprint = options.rawFingerprint;
  const store = options.engine.store;
  if (fingerprint === undefined || options.only || options.full || options.dryRun || !isRawLineStore(store)) return undefined;
  return new RawLines(fingerprint, store);
}

class RawLines {
  readonly #pending: Array<readonly [string, string | null]> = [];
  /** Customers met twice in one input: which line is "the" line is unclear, so none is remembered. */
  readonly #seen = new Set<string>();

  readonly #hash: (bytes: Buffer) => string;

  constructor(
    fingerprint: string,
    readonly store: RawLineStore,
  ) {
    this.#hash = rawLineHasher(fingerprint);
  }

  /** Per item, the hash of its raw line; `undefined` for a record that has none (CSV, JSON, an error). */
  hashes(batch: readonly SourceItem[]): Array<string | undefined> {
    return batch.map((item) => (isUnparsed(item) ? this.#hash(item.bytes) : undefined));
  }

  known(hashes: ReadonlyArray<string | undefined>): ReadonlySet<string> {
    const present = hashes.filter((hash) => hash !== undefined);
    return present.length === 0 ? EMPTY : this.store.knownRawLines(present);
  }

  /** Remember the line only when every provider holds what it says; otherwise make sure it is looked at again. */
  settle(customerId: string, hash: string | undefined, result: PushResult): void {
    if (hash === undefined) return;
    const confirmed = Object.values(result.providers).every((o) => o?.status === 'created' || o?.status === 'updated' || o?.status === 'unchanged');
    const twice = this.#seen.has(customerId);
    this.#seen.add(customerId);
    this.#pending.push([customerId, confirmed && !twice ? hash : null]);
    if (this.#pending.length >= RAW_BATCH) this.flush();
  }

  /**
   * Durably, at once: one transaction for the batch's customers whose line was hashed (their pending confirmations
   * go with it). A record with no raw line (CSV, JSON) is never remembered by `settle` either.
   */
  forget(pushes: ReadonlyArray<readonly [Customer, string | undefined]>): void {
    const before = this.#pending.length;
    for (const [customer, hash] of pushes) if (hash !== undefined) this.#pending.push([customer.id, null]);
    if (this.#pending.length > before) this.flush();
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    this.store.recordRawLines(this.#pending.splice(0));
  }
}
