import { providerError } from '../errors/provider-errors.js';
import { ReportBuilder, type SyncReport } from '../job/report.js';
import type { Progress } from '../job/run-sync.js';
import { validateCustomer } from '../model/customer.js';
import type { Customer } from '../model/types.js';
import type { ProviderId } from '../providers.js';
import type { PushResult } from '../push/engine.js';
import type { SourceRecord } from '../sources/index.js';
import { deserializeResult } from './job.js';
import { JobTracker, type Finished } from './job-tracker.js';
import { requireId, type PushQueue } from './producer.js';

export interface RunQueuedSyncOptions {
  queue: PushQueue;
  /** The providers the report lists (the config's, narrowed by `only`). */
  providers: readonly ProviderId[];
  records: AsyncIterable<SourceRecord>;
  only?: readonly ProviderId[] | undefined;
  full?: boolean | undefined;
  /** Aborting stops reading; jobs already queued are still waited for, and the report says interrupted. */
  signal?: AbortSignal | undefined;
  /** Jobs per `addBulk`. @default 100 */
  batchSize?: number | undefined;
  /** Jobs queued and not yet finished, at most: reading waits beyond it, so memory stays bounded. @default 1000 */
  maxOutstanding?: number | undefined;
  onProgress?: ((progress: Readonly<Progress>) => void) | undefined;
}

/**
 * `sync --queue`: streams and validates the input like `runSync`, but instead of pushing, queues each valid record
 * as a job for the workers, then builds the same report from the jobs' results. A customer met twice waits for its
 * first job to finish before its second is queued, so workers apply them in input order.
 */
export async function runQueuedSync(options: RunQueuedSyncOptions): Promise<SyncReport> {
  const { queue, signal } = options;
  const batchSize = options.batchSize ?? 100;
  const maxOutstanding = Math.max(options.maxOutstanding ?? 1_000, batchSize);
  const builder = new ReportBuilder(options.providers, false);
  const progress: Progress = { read: 0, invalid: 0, done: 0, sent: 0, failed: 0, perProvider: {} };
  for (const id of options.providers) progress.perProvider[id] = { sent: 0, failed: 0 };
  const pushOptions = { only: options.only, full: options.full };

  const tracker = new JobTracker(queue);
  await tracker.start();
  /** customer id → the promise of its job's result being counted. */
  const outstanding = new Map<string, Promise<void>>();
  let batch: Customer[] = [];

  const count = (result: PushResult): void => {
    builder.result(result);
    for (const [provider, outcome] of Object.entries(result.providers) as Array<[ProviderId, { status: string; requests: number }]>) {
      const counters = (progress.perProvider[provider] ??= { sent: 0, failed: 0 });
      if (outcome.requests > 0) {
        progress.sent += 1;
        counters.sent += 1;
      }
      if (outcome.status === 'failed') {
        progress.failed += 1;
        counters.failed += 1;
      }
    }
    progress.done += 1;
    options.onProgress?.(progress);
  };

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const customers = batch;
    batch = [];
    const jobs = await queue.enqueueBatch(customers.map((customer) => ({ customer, options: pushOptions })));
    jobs.forEach((job, index) => {
      const customer = customers[index] as Customer;
      const done = tracker.wait(requireId(job)).then((finished) => count(resultOf(finished, customer.id, options.providers)));
      outstanding.set(customer.id, done);
      void done.then(() => {
        if (outstanding.get(customer.id) === done) outstanding.delete(customer.id);
      });
    });
  };

  try {
    for await (const record of options.records) {
      if (signal?.aborted) break;
      builder.read();
      progress.read += 1;
      if (record.error !== undefined) {
        builder.invalid({ line: record.line, issues: [{ path: '', message: record.error }] });
        progress.invalid += 1;
        continue;
      }
      const checked = validateCustomer(record.value);
      if (!checked.ok) {
        builder.invalid({ line: record.line, customerId: checked.customerId, issues: checked.issues });
        progress.invalid += 1;
        continue;
      }
      const { customer } = checked;
      const previous = outstanding.get(customer.id);
      if (previous !== undefined || batch.some((queued) => queued.id === customer.id)) {
        // The same customer again: its earlier record must be applied first.
        await flush();
        await outstanding.get(customer.id);
      }
      batch.push(customer);
      if (batch.length >= batchSize) await flush();
      while (outstanding.size + batch.length >= maxOutstanding) await Promise.race(outstanding.values());
    }
    await flush();
    await Promise.all(outstanding.values());
  } finally {
    await tracker.close();
  }
  options.onProgress?.(progress);
  return builder.finish(signal?.aborted === true);
}

/** A job's result as a `PushResult`; a job that failed for good fails every provider it was for. */
function resultOf(finished: Finished, customerId: string, providers: readonly ProviderId[]): PushResult {
  let reason: string;
  if (finished.ok) {
    try {
      return deserializeResult(finished.value);
    } catch {
      reason = 'the job returned something that is not a push result (a worker of another version?)';
    }
  } else {
    reason = `the queue job failed: ${finished.reason}`;
  }
  const result: PushResult = { customerId, providers: {} };
  for (const provider of providers) {
    const error = providerError('transient', reason, { provider, customerId });
    result.providers[provider] = { status: 'failed', error, warnings: [], requests: 0, retries: 0 };
  }
  return result;
}
