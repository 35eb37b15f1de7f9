import { rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Adapter } from '../adapter/adapter.js';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/config.js';
import { SyncEvents } from '../events.js';
import { exitCodeFor, LIST_CAP, type PlannedRequest, type SyncReport } from '../job/report.js';
import { rawFingerprint } from '../job/raw-lines.js';
import { engineDelivery, planDelivery, runSync, type Delivery, type Selection } from '../job/run-sync.js';
import type { ProviderId } from '../provider-id.js';
import { planTarget } from '../push/plan.js';
import { openSource, SourceError } from '../sources/index.js';
import { DEFAULT_STATE, engineFor, openState } from '../config/runtime.js';
import { DEFAULT_NAMESPACE, NAMESPACE_ENV, type QueueLocation } from '../queue/settings.js';
import { makeDirectory } from '../state/make-directory.js';
import type { StateStore } from '../state/store.js';
import { UsageError, writeLine, type CliIo } from './io.js';
import { createLogger, logEngineEvents, type LogLevel } from './logger.js';
import { loadQueueConfig } from './queue-config.js';
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

/**
 * `customer-sync sync`: exit 0 all delivered, unchanged or skipped; 1 something invalid or failed; 2 could not run.
 * Reading, validation and the report are `runSync`'s; only the delivery differs: pushed from this process, queued
 * for `customer-sync worker` processes (`--queue`), or planned (`--dry-run`, with or without `--queue`).
 */
export async function syncCommand(flags: SyncFlags, io: CliIo): Promise<number> {
  // The workers deliver with the state of their config: a coordinator reading another one would skip lines, or plan
  // a dry run, against links the workers never see.
  if (flags.queue && flags.state !== undefined) throw new UsageError('--state does not apply with --queue: the workers use the state of their config');
  const { loaded, location } = flags.queue
    ? await loadQueueConfig(flags.config, io, 'sync --queue')
    : { loaded: await loadOrExplain(flags.config, io), location: undefined };
  const only = parseOnly(flags.only, loaded.adapters);
  const reportPath = flags.report === undefined ? undefined : resolve(io.cwd, flags.report);
  if (reportPath !== undefined) prepareReportDirectory(reportPath);
  // The config's model: providerIds (and CSV columns) of its providers of the user's own are known fields.
  const source = await openSource({ input: resolveInput(flags.input, io), format: flags.format, stdin: io.stdin, model: loaded.model }).catch(explainSource);
  let store: StateStore;
  try {
    // Opening a state file proves it can be written (see openStateDatabase): a state that cannot be stops the run
    // here, with exit 2, before any request leaves.
    store = await openState(flags.state ?? loaded.config.state ?? DEFAULT_STATE, { cwd: io.cwd, dryRun: flags.dryRun });
  } catch (error) {
    await source.close();
    throw new UsageError(`cannot open the state: ${(error as Error).message}`);
  }
  const log = createLogger(flags.logLevel ?? 'warn', io.stderr);
  let opened: Opened;
  try {
    opened = await openDelivery(flags, { loaded, store, location, selection: { only, full: flags.full }, log, env: io.env });
  } catch (error) {
    await source.close();
    await store.close();
    throw error;
  }
  const { delivery } = opened;

  const stop = new AbortController();
  const unsubscribe = io.onStop?.(() => {
    log.warn(opened.stopping);
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
      delivery,
      batches: source.batches,
      validate: loaded.model.validate,
      rawFingerprint: rawFingerprint(loaded.adapters),
      signal: stop.signal,
      onProgress: progress.onProgress,
      onPlanned,
    });
  } finally {
    unsubscribe?.();
    await source.close();
    await opened.close();
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

interface Opened {
  delivery: Delivery;
  /** What the log says when the run is asked to stop. */
  stopping: string;
  /** Closes the delivery and the state. */
  close(): Promise<void>;
}

async function openDelivery(
  flags: SyncFlags,
  run: { loaded: LoadedConfig; store: StateStore; location: QueueLocation | undefined; selection: Selection; log: Logger; env: NodeJS.ProcessEnv },
): Promise<Opened> {
  const { loaded, store, location, selection, log } = run;
  if (flags.dryRun) {
    // A plan needs no pipeline and no queue: nothing leaves.
    const events = new SyncEvents();
    logEngineEvents(events, log);
    return {
      delivery: planDelivery({ ...selection, targets: loaded.adapters.map(planTarget), store, events }),
      stopping: 'stopping: finishing the records in flight, then writing the report',
      close: () => store.close(),
    };
  }
  if (location !== undefined) {
    // Loaded only here: a plain sync never loads BullMQ.
    const { QueueDelivery } = await import('../queue/queue-delivery.js');
    const delivery = await QueueDelivery.open({ ...selection, location, providers: loaded.adapters.map((adapter) => adapter.id), store });
    if ((await delivery.workers()) === 0) log.warn('no worker is connected to the queue: the jobs wait until one starts (customer-sync worker)');
    return {
      delivery,
      stopping: 'stopping: no more records are queued; waiting for the jobs already queued, then writing the report',
      close: async () => {
        await delivery.close();
        await store.close();
      },
    };
  }
  const engine = engineFor(loaded, store, run.env[NAMESPACE_ENV] || DEFAULT_NAMESPACE);
  logEngineEvents(engine.events, log);
  return {
    delivery: engineDelivery(engine, selection),
    stopping: 'stopping: finishing the records in flight, then writing the state and the report',
    // The engine closes the state too.
    close: () => engine.close(),
  };
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

/**
 * `--only a,b`: ids of providers the config configures, built-in or of the user's own (ids are not a
 * closed list, so a provider the config does not name is unknown to this run, whatever its id).
 */
export function parseOnly(only: string | undefined, adapters: readonly Adapter[]): ProviderId[] | undefined {
  if (only === undefined) return undefined;
  const configured = adapters.map((adapter) => adapter.id);
  const ids = only.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (ids.length === 0) throw new UsageError('--only needs at least one provider id');
  for (const id of ids) {
    if (!configured.includes(id)) throw new UsageError(`--only: unknown provider "${id}" (configured: ${configured.join(', ')})`);
  }
  return ids;
}

/** Written to a temporary file and renamed, so a monitor never reads half a report. */
export async function writeReport(path: string, report: SyncReport): Promise<void> {
  makeDirectory(dirname(path));
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(temp, path);
}
