import { rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Adapter } from '../adapter/adapter.js';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/config.js';
import { exitCodeFor, LIST_CAP, type PlannedRequest, type SyncReport } from '../job/report.js';
import { rawFingerprint } from '../job/raw-lines.js';
import { runSync } from '../job/run-sync.js';
import { isProviderId, type ProviderId } from '../providers.js';
import { openSource, SourceError } from '../sources/index.js';
import { DEFAULT_STATE, engineFor, openState } from '../config/runtime.js';
import { DEFAULT_NAMESPACE, NAMESPACE_ENV } from '../queue/settings.js';
import { makeDirectory } from '../state/make-directory.js';
import type { StateStore } from '../state/store.js';
import { UsageError, writeLine, type CliIo } from './io.js';
import { createLogger, logEngineEvents, type LogLevel } from './logger.js';
import { describePlanned, progressDrawer, summaryTable } from './render.js';

export { DEFAULT_STATE };

export interface SyncFlags {
  config: string;
  input: string;
  format?: 'ndjson' | 'csv' | 'json' | undefined;
  state?: string | undefined;
  report?: string | undefined;
  only?: string | undefined;
  dryRun?: boolean | undefined;
  full?: boolean | undefined;
  strict?: boolean | undefined;
  json?: boolean | undefined;
  logLevel?: LogLevel | undefined;
  /** Fan the run out to `customer-sync worker` processes through the config's Redis queue. */
  queue?: boolean | undefined;
}

/** `customer-sync sync`: exit 0 all delivered, unchanged or skipped; 1 something invalid or failed; 2 could not run. */
export async function syncCommand(flags: SyncFlags, io: CliIo): Promise<number> {
  if (flags.queue) {
    // Loaded only here: a plain sync never loads BullMQ.
    const { queuedSyncCommand } = await import('../queue/sync-command.js');
    return queuedSyncCommand(flags, io);
  }
  const loaded = await loadOrExplain(flags.config, io);
  const only = parseOnly(flags.only, loaded.adapters);
  const reportPath = flags.report === undefined ? undefined : resolve(io.cwd, flags.report);
  if (reportPath !== undefined) prepareReportDirectory(reportPath);
  const source = await openSource({ input: resolveInput(flags.input, io), format: flags.format, stdin: io.stdin }).catch(explainSource);
  let store: StateStore;
  try {
    // Opening a state file proves it can be written (see openStateDatabase): a state that cannot be stops the run
    // here, with exit 2, before any request leaves.
    store = await openState(flags.state ?? loaded.config.state ?? DEFAULT_STATE, { cwd: io.cwd, dryRun: flags.dryRun });
  } catch (error) {
    await source.close();
    throw new UsageError(`cannot open the state: ${(error as Error).message}`);
  }
  const engine = engineFor(loaded, store, io.env[NAMESPACE_ENV] || DEFAULT_NAMESPACE);
  const log = createLogger(flags.logLevel ?? 'warn', io.stderr);
  logEngineEvents(engine.events, log);

  const stop = new AbortController();
  const unsubscribe = io.onStop?.(() => {
    log.warn('stopping: finishing the records in flight, then writing the state and the report');
    stop.abort();
  });
  // A dry run prints each planned request as it is planned (the report keeps the first LIST_CAP): memory stays
  // bounded whatever the input's size, and a progress line would be drawn through them on a terminal.
  const printPlanned = flags.dryRun === true && flags.json !== true;
  const adapters = new Map<ProviderId, Adapter>(loaded.adapters.map((adapter) => [adapter.id, adapter]));
  let printed = 0;
  const onPlanned = printPlanned
    ? (planned: PlannedRequest): Promise<void> | undefined => {
        printed += 1;
        return writeLineWaiting(io.stdout, describePlanned(planned, adapters));
      }
    : undefined;
  const progress = progressDrawer(io.stderr, io.stderr.isTTY === true && flags.json !== true && !(printPlanned && io.stdout.isTTY === true));
  let report: SyncReport;
  try {
    report = await runSync({
      engine,
      batches: source.batches,
      only,
      dryRun: flags.dryRun,
      full: flags.full,
      rawFingerprint: rawFingerprint(loaded.adapters),
      signal: stop.signal,
      onProgress: progress.onProgress,
      onPlanned,
    });
  } finally {
    unsubscribe?.();
    await source.close();
    await engine.close();
  }
  progress.clear();
  log.flush();

  if (reportPath !== undefined) await writeReport(reportPath, report);
  if (flags.json) {
    writeLine(io.stdout, JSON.stringify(report, null, 2));
  } else {
    if (printed > 0) writeLine(io.stdout);
    writeLine(io.stdout, summaryTable(report));
    const leftOut = report.truncated.planned ?? 0;
    if (leftOut > 0) {
      writeLine(
        io.stdout,
        `${printed} requests planned, all printed above; the report's "planned" lists the first ${LIST_CAP} ` +
          `(truncated.planned: ${leftOut} left out).`,
      );
    }
  }
  return exitCodeFor(report, flags.strict === true);
}

/**
 * Write a line, and when the stream's buffer is full, a promise that settles once it drained (or closed, or
 * failed: the error is the stream's own to report): the caller waits instead of buffering without end.
 */
function writeLineWaiting(stream: Writable, text: string): Promise<void> | undefined {
  if (stream.write(`${text}\n`) || stream.destroyed) return undefined;
  return new Promise((done) => {
    const settle = (): void => {
      stream.off('drain', settle);
      stream.off('close', settle);
      stream.off('error', settle);
      done();
    };
    stream.on('drain', settle);
    stream.on('close', settle);
    stream.on('error', settle);
  });
}

/**
 * The report's directory, made before the run (one level at a time: Node's recursive mkdir never returns on a
 * path such as /proc/x), so a report that cannot be placed stops the run before anything is sent.
 */
export function prepareReportDirectory(path: string): void {
  try {
    makeDirectory(dirname(path));
  } catch (error) {
    throw new UsageError(`cannot create the directory of the report ${path}: ${(error as Error).message}`);
  }
}

async function loadOrExplain(path: string, io: CliIo): Promise<LoadedConfig> {
  try {
    return await loadConfig(resolve(io.cwd, path), io.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function explainSource(error: unknown): never {
  if (error instanceof SourceError) throw new UsageError(error.message);
  throw error;
}

function resolveInput(input: string, io: CliIo): string {
  return input === '-' ? '-' : resolve(io.cwd, input);
}

/** `--only yativo,fatora`: provider ids that the config configures. */
export function parseOnly(only: string | undefined, adapters: readonly Adapter[]): ProviderId[] | undefined {
  if (only === undefined) return undefined;
  const configured = new Set(adapters.map((adapter) => adapter.id));
  const ids = only.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (ids.length === 0) throw new UsageError('--only needs at least one provider id');
  for (const id of ids) {
    if (!isProviderId(id)) throw new UsageError(`--only: unknown provider "${id}" (yativo, fatora, bluetape, invisible-collector)`);
    if (!configured.has(id)) throw new UsageError(`--only: ${id} is not configured in the config file`);
  }
  return ids as ProviderId[];
}

/** Written to a temporary file and renamed, so a monitor never reads half a report. */
export async function writeReport(path: string, report: SyncReport): Promise<void> {
  makeDirectory(dirname(path));
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(temp, path);
}
