import { rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Adapter } from '../adapter/adapter.js';
import type { LoadedConfig } from '../config/config.js';
import { loadConfigFile } from './config-file.js';
import { SyncEvents } from '../events.js';
import { exitCodeFor, LIST_CAP, type PlannedRequest, type SyncReport } from '../job/report.js';
import { describeLikely, UnusableInputError, WRONG_FORMAT_RECORDS } from '../job/input-check.js';
import { rawFingerprint } from '../job/raw-lines.js';
import { engineDelivery, planDelivery, runSync, type Delivery, type RunSyncReport, type Selection } from '../job/run-sync.js';
import { startSinceLastRun, type RunWatermark } from '../job/watermark-run.js';
import type { ProviderId } from '../provider-id.js';
import { planTarget } from '../push/plan.js';
import { isPostgresInput, openSource, SOURCE_FORMATS, SourceError, type SourceKind } from '../sources/index.js';
import { redactUrl } from '../errors/redact.js';
import { parsePushUrl } from '../metrics/push-url.js';
import { engineFor } from '../config/runtime.js';
import { DEFAULT_STATE, openState } from '../config/state-open.js';
import { DEFAULT_NAMESPACE, NAMESPACE_ENV, type QueueLocation } from '../queue/settings.js';
import { makeDirectory } from '../state/make-directory.js';
import type { StateStore } from '../state/store.js';
import { UsageError, writeLine, type CliIo } from './io.js';
import { createLogger, createTerminalLogger, logEngineEvents, type LogLevel } from './logger.js';
import { ProgressBar } from './progress.js';
import { loadQueueConfig } from './queue-config.js';
import { credentialKeys, describePlanned, summaryTable } from './render.js';

export { DEFAULT_STATE };

export interface SyncFlags {
  config: string;
  input: string;
  format?: 'ndjson' | 'csv' | 'json' | undefined;
  /** With a `postgresql://` input: the SQL whose rows are the records. */
  query?: string | undefined;
  /** With a `postgresql://` input: the table whose rows are the records. */
  table?: string | undefined;
  /** With a `postgresql://` input: only the rows whose COLUMN is at or above the last run's watermark. */
  sinceLastRun?: string | undefined;
  state?: string | undefined;
  report?: string | undefined;
  only?: string | undefined;
  /** Only these customers of the input, comma-separated ids. */
  customers?: string | undefined;
  dryRun?: boolean | undefined;
  full?: boolean | undefined;
  strict?: boolean | undefined;
  json?: boolean | undefined;
  logLevel?: LogLevel | undefined;
  /** Fan the run out to `customer-sync worker` processes through the config's Redis queue. */
  queue?: boolean | undefined;
  /** An input with no record is a run of nothing (exit 0) instead of exit 2. */
  allowEmpty?: boolean | undefined;
  /** Push the run's metrics to this Pushgateway at its end. */
  metricsPush?: string | undefined;
}

/**
 * `customer-sync sync`: exit 0 all delivered, unchanged or skipped; 1 something invalid or failed; 2 could not run.
 * Reading, validation and the report are `runSync`'s; only the delivery differs: pushed from this process, queued
 * for `customer-sync worker` processes (`--queue`), or planned (`--dry-run`, with or without `--queue`).
 */
export async function syncCommand(flags: SyncFlags, io: CliIo): Promise<number> {
  const pushTo = flags.metricsPush === undefined ? undefined : parsePushUrl(flags.metricsPush, io.env);
  if (pushTo && flags.dryRun) throw new UsageError('--metrics-push does not apply with --dry-run: a plan sends nothing to measure');
  // The workers deliver with the state of their config: a coordinator reading another one would skip lines, or plan
  // a dry run, against links the workers never see.
  if (flags.queue && flags.state !== undefined) throw new UsageError('--state does not apply with --queue: the workers use the state of their config');
  const { loaded, location } = flags.queue
    ? await loadQueueConfig(flags.config, io, 'sync --queue')
    : { loaded: await loadConfigFile(flags.config, io), location: undefined };
  const only = parseOnly(flags.only, loaded.adapters);
  const customers = parseCustomers(flags.customers);
  const reportPath = flags.report === undefined ? undefined : resolve(io.cwd, flags.report);
  if (reportPath !== undefined) prepareReportDirectory(reportPath);
  // The config's model: providerIds (and CSV columns) of its providers of the user's own are known fields.
  const since = flags.sinceLastRun === undefined ? undefined : await openSinceLastRunSource(flags, io, loaded.model);
  const source = since?.source ?? await openSource({
    input: resolveInput(flags.input, io),
    format: flags.format,
    query: flags.query,
    table: flags.table,
    env: io.env,
    stdin: io.stdin,
    model: loaded.model,
  }).catch(explainSource);
  const fromDatabase = source.format === 'postgresql';
  let store: StateStore;
  try {
    // Opening a state file proves it can be written (see openStateDatabase): a state that cannot be stops the run
    // here, with exit 2, before any request leaves.
    store = await openState(flags.state ?? loaded.config.state ?? DEFAULT_STATE, { cwd: io.cwd, dryRun: flags.dryRun });
  } catch (error) {
    await source.close();
    throw new UsageError(`cannot open the state: ${(error as Error).message}`);
  }
  // On a terminal, unless --json: human log lines, written above the progress line (drawn once the run starts);
  // elsewhere pino's JSON lines and no progress.
  const bar = io.stderr.isTTY === true && flags.json !== true ? new ProgressBar(io.stderr, source) : undefined;
  const log = bar
    ? await createTerminalLogger(flags.logLevel ?? 'warn', (text) => bar.log(text), { colorize: !io.env.NO_COLOR })
    : createLogger(flags.logLevel ?? 'warn', io.stderr);
  let opened: Opened;
  let watermark: RunWatermark | undefined;
  try {
    // Rows of --only or --customers are not confirmed at every provider, and a dry run confirms nothing: they read
    // from the stored watermark and leave it.
    const save = flags.dryRun !== true && only === undefined && customers === undefined;
    if (since) watermark = await startSinceLastRun({ ...since, store, full: flags.full === true, save, warn: (message) => log.warn(message) });
    opened = await openDelivery(flags, { loaded, store, location, selection: { only, full: flags.full }, log, env: io.env });
  } catch (error) {
    await source.close();
    await store.close();
    throw error;
  }
  const { delivery } = opened;
  // prom-client loads only for a run that pushes.
  const metrics = pushTo && new (await import('../metrics/run.js')).SyncRunMetrics(opened.events);

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
  if (!(printPlanned && io.stdout.isTTY === true)) bar?.start();
  let report: RunSyncReport;
  try {
    report = await runSync({
      customers,
      delivery,
      batches: bar ? bar.track(source.batches) : source.batches,
      validate: loaded.model.validate,
      // Only a delivery that remembers lines reads it (not a dry run, --only or --full): computing it is the first
      // use of the model, the phone library and every mapping, ~0.1 s of CPU before the first record.
      rawFingerprint: delivery.rawLines === undefined ? undefined : rawFingerprint(loaded.adapters),
      signal: stop.signal,
      onProgress: bar?.update,
      onPlanned,
      // A night with no row at or above the watermark has nothing to sync: not an input that cannot be meant.
      refuseEmpty: flags.allowEmpty !== true && watermark?.from === undefined,
      watermark,
    });
  } catch (error) {
    bar?.erase();
    throw explainInput(error, fromDatabase ? redactUrl(flags.input) : flags.input, source.format);
  } finally {
    bar?.finish(!stop.signal.aborted);
    unsubscribe?.();
    await source.close();
    await opened.close();
  }
  log.flush();

  // A database's records are rows: the report numbers them as such.
  const shown = fromDatabase ? withRows(report) : report;
  if (reportPath !== undefined) await writeReport(reportPath, shown);
  if (flags.json) {
    writeLine(io.stdout, JSON.stringify(shown, null, 2));
  } else {
    if (printed > 0) writeLine(io.stdout);
    const credentials = Object.fromEntries(loaded.adapters.map((adapter) => [adapter.id, credentialKeys(adapter)]));
    writeLine(io.stdout, summaryTable(report, { reportPath: flags.report, credentials, recordUnit: fromDatabase ? 'row' : 'line' }));
    const leftOut = report.truncated.planned ?? 0;
    if (leftOut > 0) {
      writeLine(
        io.stdout,
        `${printed} requests planned, all printed above; the report's "planned" lists the first ${LIST_CAP} ` +
          `(truncated.planned: ${leftOut} left out).`,
      );
    }
  }
  const notFound = report.customers?.notFound ?? [];
  if (notFound.length > 0) {
    const shown = notFound.slice(0, 20).join(', ');
    const more = notFound.length > 20 ? ` and ${notFound.length - 20} more` : '';
    writeLine(io.stderr, `customer-sync: warning: --customers: the input holds no record of ${shown}${more}`);
  }
  const code = Math.max(exitCodeFor(report, flags.strict === true), notFound.length > 0 ? 1 : 0);
  const warning = pushTo && (await metrics?.push(pushTo, report, code));
  if (warning) writeLine(io.stderr, `customer-sync: warning: ${warning}`);
  return code;
}

interface Opened {
  delivery: Delivery;
  /** What the log says when the run is asked to stop. */
  stopping: string;
  /** Closes the delivery and the state. */
  close(): Promise<void>;
  /** The engine's, when this process sends. */
  events?: SyncEvents | undefined;
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
    events: engine.events,
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

function explainSource(error: unknown): never {
  if (error instanceof SourceError) throw new UsageError(error.message);
  throw error;
}

const FORMAT_NAMES: Readonly<Record<SourceKind, string>> = { ndjson: 'NDJSON', csv: 'CSV', json: 'a JSON array', postgresql: 'PostgreSQL rows' };

/** The report of a PostgreSQL input: each invalid record's `line` is its row number (DESIGN §6), also given as `row`. */
function withRows(report: RunSyncReport): Omit<RunSyncReport, 'invalid'> & { invalid: Array<RunSyncReport['invalid'][number] & { row: number }> } {
  return { ...report, invalid: report.invalid.map(({ line, ...rest }) => ({ line, row: line, ...rest })) };
}

/** `--since-last-run`: a PostgreSQL input read in the column's order; pg loads only here. */
async function openSinceLastRunSource(flags: SyncFlags, io: CliIo, model: LoadedConfig['model']) {
  const { openSinceLastRun } = await import('../sources/postgres-since.js');
  return openSinceLastRun({
    input: resolveInput(flags.input, io),
    format: flags.format,
    query: flags.query,
    table: flags.table,
    env: io.env,
    model,
    column: flags.sinceLastRun ?? '',
  }).catch(explainSource);
}

/** An input the run cannot use at all (exit 2), said with what to do about it; any other error as it is. */
function explainInput(error: unknown, input: string, format: SourceKind): unknown {
  if (!(error instanceof UnusableInputError)) return error;
  const label = input === '-' ? 'standard input' : JSON.stringify(input);
  if (error.reason === 'empty') {
    return new UsageError(`input is empty: nothing to sync (${label} holds no record); --allow-empty makes an empty input a success`);
  }
  const likely = error.likelyFormat;
  const hint =
    likely === 'binary'
      ? `its first line looks like ${describeLikely(likely)}: check that --input names the customer file`
      : likely === undefined || likely === format
        ? `check the input, or name its format with --format ${SOURCE_FORMATS.join('|')}`
        : `its first line looks like ${describeLikely(likely)}: rerun with --format ${likely}`;
  const which = error.wholeInput ? `none of its ${error.records} records could be parsed` : `its first ${WRONG_FORMAT_RECORDS} records could not be parsed`;
  return new UsageError(`${label} does not look like ${FORMAT_NAMES[format]}: ${which} (${error.problems.join('; ')}); ${hint}. Nothing was sent.`);
}

function resolveInput(input: string, io: CliIo): string {
  return input === '-' || isPostgresInput(input, io.env) ? input : resolve(io.cwd, input);
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

/**
 * `--customers a,b`: the ids of the customers to sync (ids as the model reads them: trimmed). Records of others are
 * passed over; an id the input holds no record of is a warning, and exit code 1.
 */
export function parseCustomers(customers: string | undefined): ReadonlySet<string> | undefined {
  if (customers === undefined) return undefined;
  const ids = customers.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (ids.length === 0) throw new UsageError('--customers needs at least one customer id');
  return new Set(ids);
}

/** Written to a temporary file and renamed, so a monitor never reads half a report. */
export async function writeReport(path: string, report: SyncReport | ReturnType<typeof withRows>): Promise<void> {
  makeDirectory(dirname(path));
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(temp, path);
}
