import type { SyncEvents } from '../events.js';
import { validateCustomer, type CustomerValidation } from '../model/customer.js';
import type { Customer } from '../model/types.js';
import type { ProviderId } from '../provider-id.js';
import { planPush, type PushResult, type SyncEngine } from '../push/engine.js';
import type { PlanTarget } from '../push/plan.js';
import { isUnparsed, singles, type SourceItem, type SourceRecord, type UnparsedLine } from '../sources/index.js';
import { RawLineIndex, rawKeyBytes, rawKeyOf, type RawLineKey } from '../state/raw-line-index.js';
import { isRawLineStore, type RawLineStore, type StateStore } from '../state/store.js';
import { FormatProbe, UnusableInputError } from './input-check.js';
import { rawLineHasher } from './raw-lines.js';
import { SeenCustomers } from './seen-customers.js';
import { ReportBuilder, type PlannedRequest, type ReportInvalid, type SyncReport } from './report.js';
import type { RunWatermark } from './watermark-run.js';

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

/**
 * The one step that differs between a run in this process, a run fanned out to workers and a dry run: a validated
 * customer in, its result out. Everything around it (reading, validation, the raw-line skip, the order of one
 * customer's records, the bound on records in flight, progress, the report) is `runSync`'s.
 */
export interface Delivery {
  /** The providers every result covers: the report's. */
  readonly providers: readonly ProviderId[];
  /** Results are plans carrying `planned`; nothing is sent or written, and the report is a dry run's. */
  readonly dryRun: boolean;
  /**
   * Where a line every provider confirmed is remembered, when this delivery's results can confirm one: never with
   * `only`, `full` or a dry run, nor when the state cannot (see `rawLineStore`).
   */
  readonly rawLines: RawLineStore | undefined;
  /** Records it hands on together: the loop leaves room for that many before it reads on. @default 1 */
  readonly batchSize?: number | undefined;
  /** Records in flight at once, unless the run says otherwise. @default 64 */
  readonly maxInFlight?: number | undefined;
  /**
   * Takes one customer; resolves with its result, never rejects for a provider's failure (a rejection stops the
   * run). It may hold the customer until `flush`.
   */
  deliver(customer: Customer): Promise<PushResult>;
  /** Hands on whatever it holds: the loop calls it before it waits for results. */
  flush?(): Promise<void>;
  /** Releases what the delivery opened; the caller that made it closes it. */
  close?(): Promise<void>;
}

/** What a run delivers: a subset of the providers, and whether unchanged records are sent all the same. */
export interface Selection {
  only?: readonly ProviderId[] | undefined;
  full?: boolean | undefined;
}

/**
 * The store a delivery may remember confirmed lines in: a line confirmed by `only` some providers, or sent by
 * `full` whatever the state said, says nothing of the next run.
 */
export function rawLineStore(store: StateStore, selection: Selection): RawLineStore | undefined {
  return selection.only || selection.full || !isRawLineStore(store) ? undefined : store;
}

/** The providers a run reports on: the configured ones, in their order, narrowed by `only`. */
export const selectProviders = (providers: readonly ProviderId[], only: readonly ProviderId[] | undefined): ProviderId[] =>
  only ? providers.filter((id) => only.includes(id)) : [...providers];

/** Pushes through an engine in this process. */
export function engineDelivery(engine: SyncEngine, selection: Selection = {}): Delivery {
  const options = { only: selection.only, full: selection.full };
  return {
    providers: selectProviders(engine.providers, selection.only),
    dryRun: false,
    rawLines: rawLineStore(engine.store, selection),
    deliver: (customer) => engine.push(customer, options),
  };
}

/** A dry run: each link read from `store` and planned (`planPush`); nothing locked, sent or written. */
export function planDelivery(options: Selection & { targets: readonly PlanTarget[]; store: StateStore; events?: SyncEvents | undefined }): Delivery {
  const { targets, store, events } = options;
  const selection = { only: options.only, full: options.full };
  return {
    providers: selectProviders(targets.map((target) => target.definition.id), options.only),
    dryRun: true,
    rawLines: undefined,
    deliver: (customer) => planPush(customer, targets, store, selection, events),
  };
}

export type RunSyncOptions = RunSyncInput &
  (
    | { delivery: Delivery; engine?: never; only?: never; full?: never; dryRun?: never }
    | {
        /** Shorthand for `engineDelivery(engine, { only, full })`, or with `dryRun` a `planDelivery` of its providers. */
        engine: SyncEngine;
        delivery?: never;
        only?: readonly ProviderId[] | undefined;
        full?: boolean | undefined;
        dryRun?: boolean | undefined;
      }
  ) & {
    /** How a record becomes a customer. @default validateCustomer */
    validate?: ((value: unknown) => CustomerValidation) | undefined;
    /**
     * Skip input lines byte-identical to the last line every provider confirmed for that customer, without parsing
     * them (`rawFingerprint` of the adapters). Only where the delivery has `rawLines`.
     */
    rawFingerprint?: string | undefined;
    /** Aborting stops reading; records already started finish, and the report says the run was interrupted. */
    signal?: AbortSignal | undefined;
    /**
     * Only these customers (by id): a record of another is passed over, counted nowhere (not read, not invalid), as
     * is a line that does not parse (whose it is cannot be told). The report's `customers` says which ids the input
     * held no record of. The raw-line skip neither skips (a known line's customer is unknown until it is parsed)
     * nor remembers lines in such a run; it still forgets the line of each customer it sends.
     */
    customers?: ReadonlySet<string> | undefined;
    /** Records in flight at once. @default the delivery's, else 64 */
    maxInFlight?: number | undefined;
    /**
     * An input with no record at all (empty, blank lines only, a CSV header alone) throws an `UnusableInputError`
     * (`empty`) instead of reporting nothing: the sync job's default, unless `--allow-empty`. @default false
     */
    refuseEmpty?: boolean | undefined;
    onProgress?: ((progress: Readonly<Progress>) => void) | undefined;
    /**
     * In a dry run: every request the run would send, as soon as it is planned (the report keeps only the first
     * `LIST_CAP` of them). A promise it returns holds the record's place among those in flight until it settles, so
     * a slow reader of the output slows the run down instead of filling memory.
     */
    onPlanned?: ((planned: PlannedRequest) => void | Promise<void>) | undefined;
    /**
     * `--since-last-run`: told each item read and whether its record ended confirmed at every provider
     * (`confirmedEverywhere`, or skipped as unchanged) or not (invalid, failed, skipped, or never settled: in flight
     * when the run was interrupted); finished once every record settled, its result the report's `watermark`.
     */
    watermark?: RunWatermark | undefined;
  };

/** What a run limited to some `customers` found of them. */
export interface CustomersFound {
  /** How many ids the run was given. */
  requested: number;
  /** Those the input held no record of, valid or not; empty after an interrupted run, which did not read it all. */
  notFound: string[];
}

/** The report of `runSync`; `customers` only when the run was limited to some. */
export type RunSyncReport = SyncReport & { customers?: CustomersFound };

/** A known line of a batch, met after one of the batch's pushes: skipped only if the batch's forgetting leaves it known. */
interface Held {
  /** How many of the batch's pushes come before it. */
  before: number;
  item: UnparsedLine;
  key: RawLineKey;
  ticket: Ticket;
}

/** An item's place in the watermark's tracking (`RunWatermark.read`); undefined without one. */
type Ticket = number | undefined;

/** A customer to deliver, the key of its raw line, and its watermark ticket. */
type Push = readonly [customer: Customer, key: RawLineKey | undefined, ticket: Ticket];

/** Every provider of the run holds what the record says: created, updated or unchanged there. */
export function confirmedEverywhere(result: PushResult, providers: readonly ProviderId[]): boolean {
  return providers.every((id) => {
    const status = result.providers[id]?.status;
    return status === 'created' || status === 'updated' || status === 'unchanged';
  });
}

/** Confirmed lines written together: one transaction per batch instead of one per line. */
const RAW_BATCH = 512;

/**
 * Streams records through validation and the delivery with bounded concurrency: reading waits while `maxInFlight`
 * records are in flight, so memory stays bounded whatever the input's size. Never throws for a record; throws what
 * a delivery threw, once the records in flight have settled. An input whose first `WRONG_FORMAT_RECORDS` records
 * all fail to parse (another format than it was read as) throws an `UnusableInputError` before anything is
 * delivered; so does an input with no record, with `refuseEmpty`.
 */
export async function runSync(options: RunSyncOptions): Promise<RunSyncReport> {
  const delivery = options.delivery ?? deliveryOf(options.engine, options);
  const { signal } = options;
  const validate = options.validate ?? validateCustomer;
  const builder = new ReportBuilder(delivery.providers, delivery.dryRun);
  const progress: Progress = { read: 0, invalid: 0, done: 0, sent: 0, failed: 0, perProvider: {} };
  for (const id of delivery.providers) progress.perProvider[id] = { sent: 0, failed: 0 };
  const limit = Math.max(1, options.maxInFlight ?? delivery.maxInFlight ?? 64);
  // A delivery that hands records on in batches gets a batch's worth of room, not one record at a time.
  const room = Math.min(limit, Math.max(1, delivery.batchSize ?? 1));
  const inFlight = new Set<Promise<void>>();
  // The same customer twice in one input: the second waits for the first, so they never race on the state.
  const byCustomer = new Map<string, Promise<void>>();
  const fingerprint = options.rawFingerprint;
  const wanted = options.customers;
  /** Of `wanted`, the customers met in the input. */
  const met = new Set<string>();
  /** Records of other customers (or of no telling whose): an input of only those is not an empty one. */
  let passedOver = 0;
  const raw =
    fingerprint === undefined || delivery.rawLines === undefined
      ? undefined
      : new RawLines(fingerprint, delivery.rawLines, delivery.providers, wanted === undefined);
  /** What a delivery threw: nothing more is read, and the run throws it once the records in flight settled. */
  let broken: { error: unknown } | undefined;
  const watermark = options.watermark;

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
   * delivery starts: a run stopped in between did not read it.
   */
  const check = (record: SourceRecord): Customer | undefined => {
    if (wanted !== undefined) {
      // Ids are text, trimmed (the model's `id`): a record whose id is anything else is no listed customer's.
      const given = record.error === undefined ? (record.value as { id?: unknown } | null)?.id : undefined;
      const id = typeof given === 'string' ? given.trim() : undefined;
      if (id === undefined || !wanted.has(id)) {
        passedOver += 1;
        return undefined;
      }
      met.add(id);
    }
    if (record.error !== undefined) return invalid({ line: record.line, issues: [{ path: '', message: record.error }] });
    const checked = validate(record.value);
    if (checked.ok) return checked.customer;
    return invalid({ line: record.line, customerId: checked.customerId, issues: checked.issues });
  };

  const handOver = async (customer: Customer, key: RawLineKey | undefined, ticket: Ticket, previous: Promise<void> | undefined): Promise<void> => {
    let result: PushResult;
    if (previous) {
      await previous;
      const pending = delivery.deliver(customer);
      // Handed on while the loop may be waiting already: nothing else would flush it.
      await delivery.flush?.();
      result = await pending;
    } else {
      result = await delivery.deliver(customer);
    }
    account(result);
    raw?.settle(customer.id, key, result);
    watermark?.settle(ticket, confirmedEverywhere(result, delivery.providers));
    if (delivery.dryRun && options.onPlanned) await emitPlanned(result, options.onPlanned);
  };

  /** Starts a delivery; true when `maxInFlight` records are in flight. */
  const take = (customer: Customer, key: RawLineKey | undefined, ticket: Ticket): boolean => {
    read();
    const task: Promise<void> = handOver(customer, key, ticket, byCustomer.get(customer.id))
      .catch((error: unknown) => {
        broken ??= { error };
      })
      .finally(() => {
        inFlight.delete(task);
        if (byCustomer.get(customer.id) === task) byCustomer.delete(customer.id);
        progress.done += 1;
        options.onProgress?.(progress);
      });
    byCustomer.set(customer.id, task);
    inFlight.add(task);
    return inFlight.size >= limit;
  };

  const makeRoom = async (): Promise<void> => {
    await delivery.flush?.();
    while (inFlight.size > limit - room) await Promise.race(inFlight);
  };

  // A line every provider confirmed last time, byte for byte, is counted and left: no parse, no validation, no
  // state read per record. Everything else is checked, then delivered.
  const unchanged = (): void => {
    read();
    builder.unchangedEverywhere();
    progress.done += 1;
  };

  const stopped = (): boolean => signal?.aborted === true || broken !== undefined;
  // Until a record parses, none is delivered (an unparsable one never is): when the first records all fail to parse,
  // the probe throws with nothing sent.
  const probe = new FormatProbe();

  /**
   * The batch's pushes, in input order, with the held lines (known lines met after one of the batch's pushes) that
   * the batch's forgetting took out of the index: such a line is the old line of a customer this batch sends, mostly
   * one whose newer line came above it, so the provider no longer holds it and it is sent in its place, not skipped
   * (when the newer line comes below it, that costs one request more, and the newer line still goes last). The
   * others count as unchanged.
   */
  const withHeld = (pushes: readonly Push[], held: readonly Held[]): readonly Push[] => {
    if (held.length === 0) return pushes;
    const ordered: Push[] = [];
    let next = 0;
    for (const { before, item, key, ticket } of held) {
      if (raw?.known(key) !== false) {
        unchanged();
        watermark?.settle(ticket, true);
        continue;
      }
      while (next < before) ordered.push(pushes[next++]!);
      const record = item.parse();
      const customer = record === undefined ? undefined : check(record);
      if (customer) ordered.push([customer, key, ticket]);
      else watermark?.settle(ticket, false);
    }
    while (next < pushes.length) ordered.push(pushes[next++]!);
    return ordered;
  };

  for await (const batch of options.batches ?? singles(options.records)) {
    if (stopped()) break;
    const pushes: Push[] = [];
    const held: Held[] = [];
    for (const item of batch) {
      if (signal?.aborted) break;
      const key = raw?.key(item);
      // Every item read gets its ticket and, one way or another, its outcome: an unsettled one holds the watermark.
      const ticket = watermark?.read(item);
      if (key !== undefined && raw?.known(key) === true) {
        probe.parsed();
        if (pushes.length > 0 && isUnparsed(item)) held.push({ before: pushes.length, item, key, ticket });
        else {
          unchanged();
          watermark?.settle(ticket, true);
        }
        continue;
      }
      const record = isUnparsed(item) ? item.parse() : item;
      if (record === undefined) {
        watermark?.settle(ticket, true);
        continue;
      }
      probe.see(record, isUnparsed(item) ? item.bytes : record.raw);
      const customer = check(record);
      if (customer) pushes.push([customer, key, ticket]);
      else watermark?.settle(ticket, false);
    }
    // Before anything is sent: the line each of these customers had confirmed no longer stands. Were it only
    // replaced after the push, a process dying in between would keep it, and that old line, met again, would be
    // skipped while the provider holds the newer one. Forgetting takes the old lines out of the run's index too.
    raw?.forget(pushes);
    const ordered = withHeld(pushes, held);
    raw?.handingOn(ordered);
    for (const [customer, key, ticket] of ordered) {
      if (stopped()) break;
      if (take(customer, key, ticket)) await makeRoom();
    }
    options.onProgress?.(progress);
  }
  await delivery.flush?.();
  await Promise.all(inFlight);
  if (broken) throw broken.error;
  if (signal?.aborted !== true) probe.end();
  raw?.flush();
  options.onProgress?.(progress);
  if (options.refuseEmpty === true && builder.report.records.read + passedOver === 0 && signal?.aborted !== true) {
    throw new UnusableInputError('empty', 'input is empty: nothing to sync');
  }
  const report: RunSyncReport = builder.finish(signal?.aborted === true);
  // After the last confirmation (every record settled, the raw lines flushed): a watermark written earlier could pass
  // over a row whose confirmation was then lost.
  if (watermark) report.watermark = await watermark.finish();
  if (wanted !== undefined) {
    const notFound = report.interrupted ? [] : [...wanted].filter((id) => !met.has(id));
    report.customers = { requested: wanted.size, notFound };
  }
  return report;
}

function deliveryOf(engine: SyncEngine, options: Selection & { dryRun?: boolean | undefined }): Delivery {
  const selection = { only: options.only, full: options.full };
  if (options.dryRun) return planDelivery({ ...selection, targets: engine.targets, store: engine.store, events: engine.events });
  return engineDelivery(engine, selection);
}

async function emitPlanned(result: PushResult, onPlanned: (planned: PlannedRequest) => void | Promise<void>): Promise<void> {
  for (const [provider, outcome] of Object.entries(result.providers) as Array<[ProviderId, PushResult['providers'][ProviderId]]>) {
    for (const request of outcome?.planned ?? []) await onPlanned({ customerId: result.customerId, provider, request });
  }
}

/**
 * The raw-line skip of one run. Whether a line was confirmed last time is asked of a `RawLineIndex` of every key
 * the state remembers, loaded once, at the first line hashed (a run of CSV or JSON records loads nothing): no query
 * per line or batch. The index is the state as the run found it, less the lines the run forgets: a line forgotten
 * before its customer was sent (below) leaves the index too, so that customer's old line met again later in the
 * same input is not skipped. Lines confirmed during the run stay out of it (a customer twice in one input remembers
 * nothing anyway). What another process changes in the state meanwhile is seen by the next run.
 */
class RawLines {
  readonly #pending: Array<readonly [string, RawLineKey | null]> = [];
  /** Customers met twice in one input: which line is "the" line is unclear, so none is remembered. */
  readonly #seen = new SeenCustomers();
  /** Customers with records handed on (or about to be) whose results are not in, and how many: a few, not a run's. */
  readonly #open = new Map<string, number>();
  readonly #hash: (bytes: Uint8Array) => RawLineKey;
  #index: RawLineIndex | undefined;

  constructor(
    fingerprint: string,
    readonly store: RawLineStore,
    /** Every provider a line must be confirmed by: a result that leaves one out (a worker of another config) does not confirm it. */
    readonly providers: readonly ProviderId[],
    /**
     * Skip known lines and remember confirmed ones. Off in a run of some customers only: no line is hashed, and
     * the line of every customer sent is forgotten.
     */
    readonly remember = true,
  ) {
    this.#hash = rawLineHasher(fingerprint);
  }

  /** The key of an item's raw line; `undefined` for a record that has none (CSV, JSON, an error). */
  key(item: SourceItem): RawLineKey | undefined {
    return this.remember && isUnparsed(item) ? this.#hash(item.bytes) : undefined;
  }

  /** Whether the line is some customer's last confirmed line, and not forgotten since the run began. */
  known(key: RawLineKey): boolean {
    this.#index ??= new RawLineIndex(this.store.loadRawLineKeys());
    return this.#index.has(key);
  }

  /** Before the pushes start (their customers' lines forgotten): they are on their way until `settle`. */
  handingOn(pushes: readonly Push[]): void {
    for (const [customer, key] of pushes) if (key !== undefined) this.#open.set(customer.id, (this.#open.get(customer.id) ?? 0) + 1);
  }

  /**
   * Remember the line only when every provider holds what it says; otherwise make sure it is looked at again. Nor
   * while another record of the customer is on its way: its line was forgotten before it left, and remembering this
   * one now would put an older line back in the state for as long as the newer one is in flight (a process killed
   * then would skip this line next time while the provider holds the newer one). It would be undone at that
   * record's result anyway: a customer met twice is remembered with no line.
   */
  settle(customerId: string, key: RawLineKey | undefined, result: PushResult): void {
    if (key === undefined) return;
    const open = this.#open.get(customerId) ?? 1;
    if (open > 1) this.#open.set(customerId, open - 1);
    else this.#open.delete(customerId);
    const confirmed = confirmedEverywhere(result, this.providers);
    const twice = this.#seen.add(customerId);
    this.#pending.push([customerId, confirmed && !twice && open === 1 ? key : null]);
    if (this.#pending.length >= RAW_BATCH) this.flush();
  }

  /**
   * Durably, at once: one transaction for the batch's customers whose line was hashed (their pending confirmations
   * go with it). A record with no raw line (CSV, JSON) is never remembered by `settle` either.
   */
  forget(pushes: readonly Push[]): void {
    const before = this.#pending.length;
    for (const [customer, key] of pushes) if (key !== undefined || !this.remember) this.#pending.push([customer.id, null]);
    if (this.#pending.length > before) this.flush();
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    const entries = this.#pending.splice(0).map(([customerId, key]) => [customerId, key === null ? null : rawKeyBytes(key)] as const);
    const removed = this.store.recordRawLines(entries);
    if (this.#index !== undefined) for (const key of removed) this.#index.delete(rawKeyOf(key));
  }
}
