import { validateCustomer } from '../model/customer.js';
import type { ProviderId } from '../providers.js';
import type { SyncEngine } from '../push/engine.js';
import type { SourceRecord } from '../sources/index.js';
import { ReportBuilder, type SyncReport } from './report.js';

export interface Progress {
  read: number;
  invalid: number;
  /** Records whose providers have all answered. */
  done: number;
  sent: number;
  failed: number;
  perProvider: Partial<Record<ProviderId, { sent: number; failed: number }>>;
}

export interface RunSyncOptions {
  engine: SyncEngine;
  records: AsyncIterable<SourceRecord>;
  only?: readonly ProviderId[] | undefined;
  dryRun?: boolean | undefined;
  full?: boolean | undefined;
  /** Aborting stops reading; records already started finish, and the report says the run was interrupted. */
  signal?: AbortSignal | undefined;
  /** Records in flight at once. @default from the providers' concurrency */
  maxInFlight?: number | undefined;
  onProgress?: ((progress: Readonly<Progress>) => void) | undefined;
}

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

  const deliver = async (record: SourceRecord): Promise<void> => {
    const checked = validateCustomer(record.value);
    if (!checked.ok) {
      builder.invalid({ line: record.line, customerId: checked.customerId, issues: checked.issues });
      progress.invalid += 1;
      return;
    }
    const { customer } = checked;
    const previous = byCustomer.get(customer.id);
    const work = (async () => {
      if (previous) await previous;
      const result = await engine.push(customer, pushOptions);
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
    })();
    byCustomer.set(customer.id, work);
    try {
      await work;
    } finally {
      if (byCustomer.get(customer.id) === work) byCustomer.delete(customer.id);
    }
  };

  for await (const record of options.records) {
    if (signal?.aborted) break;
    builder.read();
    progress.read += 1;
    if (record.error !== undefined) {
      builder.invalid({ line: record.line, issues: [{ path: '', message: record.error }] });
      progress.invalid += 1;
      continue;
    }
    const task = deliver(record).finally(() => {
      inFlight.delete(task);
      progress.done += 1;
      options.onProgress?.(progress);
    });
    inFlight.add(task);
    if (inFlight.size >= limit) await Promise.race(inFlight);
    if (signal?.aborted) break;
  }
  await Promise.all(inFlight);
  options.onProgress?.(progress);
  return builder.finish(signal?.aborted === true);
}
