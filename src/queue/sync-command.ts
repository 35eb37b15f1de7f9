import { resolve } from 'node:path';
import { UsageError, writeLine, type CliIo } from '../cli/io.js';
import { createLogger } from '../cli/logger.js';
import { progressDrawer, summaryTable } from '../cli/render.js';
import { parseOnly, prepareReportDirectory, writeReport, type SyncFlags } from '../cli/sync-command.js';
import { exitCodeFor, type SyncReport } from '../job/report.js';
import { openSource, SourceError } from '../sources/index.js';
import { PushQueue } from './producer.js';
import { loadQueueConfig } from './cli-support.js';
import { runQueuedSync } from './run-queued-sync.js';

/**
 * `customer-sync sync --queue`: the coordinator of a run fanned out to `customer-sync worker` processes. Reads and
 * validates like `sync`, queues the valid records, waits for their jobs and reports; exit codes as for `sync`.
 */
export async function queuedSyncCommand(flags: SyncFlags, io: CliIo): Promise<number> {
  if (flags.dryRun) throw new UsageError('--dry-run cannot be combined with --queue: a dry run sends nothing, run it without --queue');
  if (flags.state !== undefined) throw new UsageError('--state does not apply with --queue: the workers use the state of their config');
  const { loaded, location } = await loadQueueConfig(flags.config, io, 'sync --queue');
  const only = parseOnly(flags.only, loaded.adapters);
  const reportPath = flags.report === undefined ? undefined : resolve(io.cwd, flags.report);
  if (reportPath !== undefined) prepareReportDirectory(reportPath);
  const queue = new PushQueue(location);
  const source = await openSource({ input: flags.input === '-' ? '-' : resolve(io.cwd, flags.input), format: flags.format, stdin: io.stdin }).catch(
    (error: unknown) => {
      throw error instanceof SourceError ? new UsageError(error.message) : error;
    },
  );
  const log = createLogger(flags.logLevel ?? 'warn', io.stderr);
  const stop = new AbortController();
  const unsubscribe = io.onStop?.(() => {
    log.warn('stopping: no more records are queued; waiting for the jobs already queued, then writing the report');
    stop.abort();
  });
  const progress = progressDrawer(io.stderr, io.stderr.isTTY === true && flags.json !== true);
  let report: SyncReport;
  try {
    const workers = await queue.queue.getWorkersCount().catch(() => undefined);
    if (workers === 0) log.warn('no worker is connected to the queue: the jobs wait until one starts (customer-sync worker)');
    report = await runQueuedSync({
      queue,
      providers: only ?? loaded.adapters.map((adapter) => adapter.id),
      records: source.records,
      only,
      full: flags.full,
      signal: stop.signal,
      onProgress: progress.onProgress,
    });
  } finally {
    unsubscribe?.();
    await source.close();
    await queue.close();
  }
  progress.clear();
  log.flush();
  if (reportPath !== undefined) await writeReport(reportPath, report);
  writeLine(io.stdout, flags.json ? JSON.stringify(report, null, 2) : summaryTable(report));
  return exitCodeFor(report, flags.strict === true);
}
