/**
 * Scenario 5, nightly diff at scale: an NDJSON file of 1,000,000 customers (quick: 100,000) of which 1 % changed
 * since last night, a state that holds last night's sync, and a sync run over the file in a fresh process.
 * Figures: records per second scanned, hashed and checked; the time for the whole file; peak RSS.
 *
 * The state is pre-filled, not made by a real sync of last night's file: a real sync runs every record through the
 * network (and the sandbox) at the pipeline's pace, far too slow for a million records and four providers. Instead:
 * - the 99 % unchanged records get their rows computed exactly as a real run computes them (the NDJSON line
 *   through validateCustomer, each provider's updateBody, payloadHash of body and target id: state-rows.ts),
 *   with invented provider ids (a run never sends them anything, so no provider needs to know them), in worker
 *   processes that also write tonight's file;
 * - the 1 % changed records are really created at the sandbox from last night's version (the adapters' own create
 *   requests, sent by a raw client) and get their rows from the ids the sandbox answered, so tonight's run sends
 *   them real updates that succeed.
 * The run then checks the prefill: every unchanged record must come out `unchanged` and every changed one
 * `updated` at every provider, or the scenario fails.
 *
 * "Last night" is then completed by the runner itself when it keeps more than the links: a real sync of the first
 * 1,000 records of last night's file probes it, and when that run wrote rows to any table besides `links` (a
 * runner that remembers raw-line hashes to skip byte-identical lines), a real sync of the whole of last night's
 * file (sending nothing: every record is unchanged) fills that table as a real night would. Both nights use the
 * same config, down to the sandbox's port.
 *
 * Computing a row costs what the run itself costs per record (validation dominates), so only the first 250,000
 * records are pre-filled (quick: 20,000; `--prefill-all`: all of them, a few minutes the first time) and the run
 * reads no further than the pre-filled prefix: the current runner gets nowhere near it within its time box. The file,
 * the state and the sandbox's customers are cached in the system temp directory (keyed by size, generator version
 * and state schema; a sample of rows is recomputed and compared before use); each run works on a copy of the state.
 * The run is time-boxed (45 s; quick 5 s) the way SIGINT stops a sync. When it does not read the whole file, the
 * total time is projected from its rate.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { PROVIDER_IDS, type ProviderId } from '../src/providers.js';
import { linkKey, SCHEMA_VERSION, SqliteStateStore } from '../src/state/sqlite-store.js';
import { customerId, customerLine, GENERATOR_VERSION, isChanged } from './customers.js';
import {
  adaptersFor,
  atLeast,
  atMost,
  BENCH_DIR,
  eachLimit,
  figure,
  RawClient,
  rawCreate,
  round,
  sandboxConfig,
  startHost,
  UNLIMITED,
  type BenchContext,
  type ProviderSettings,
  type Scenario,
  type ScenarioResult,
} from './harness.js';
import type { NightlyRunOptions, NightlyRunResult } from './nightly-run.js';
import type { PrefillJob, PrefillMessage } from './nightly-prefill-worker.js';
import type { HostInfo } from './sandbox-host.js';
import { prefillRows, rowsFor, validated, type Row } from './state-rows.js';

const TARGET_RATE = 150_000;
/** Records pre-filled unless `--prefill-all` (full mode; quick mode). */
const DEFAULT_PREFILL = 250_000;
const QUICK_PREFILL = 20_000;
const TARGET_RSS_MB = 300;

interface Cache {
  dir: string;
  input: string;
  state: string;
  sandboxFile: string;
  /** The sandbox's port last night: tonight's config must be last night's. */
  port: number;
  /** Records whose state is last night's: the first `prefilled` of the file. */
  prefilled: number;
  /** Seconds spent building it in this run; 0 when it was reused. */
  builtSeconds: number;
  /** How last night was completed: `links only` or the seconds the real run over last night's file took. */
  night1: string;
}

interface ReadyFile {
  n: number;
  prefilled: number;
  generator: number;
  schema: number;
  port: number;
  night1: string;
  rows: number;
  builtAt: string;
}

type CachePaths = Pick<Cache, 'dir' | 'input' | 'state' | 'sandboxFile'>;

/** The config of both nights: every provider, no limit to speak of, creates allowed (as a nightly config would). */
export function nightlyConfig(info: HostInfo): Record<string, unknown> {
  return sandboxConfig(info, allProviders({ perSecond: UNLIMITED, concurrency: 16, createMissing: true }));
}

const allProviders = (settings: ProviderSettings): Record<ProviderId, ProviderSettings> =>
  Object.fromEntries(PROVIDER_IDS.map((id) => [id, settings])) as Record<ProviderId, ProviderSettings>;

/** The indices whose record changed since last night, among the first `n`. */
function changedIndices(n: number): number[] {
  const list: number[] = [];
  for (let i = 0; i < n; i++) if (isChanged(i)) list.push(i);
  return list;
}

function cacheDir(n: number): string {
  return join(tmpdir(), 'customer-sync-bench', `nightly-g${GENERATOR_VERSION}-n${n}`);
}

function readReady(cache: CachePaths): ReadyFile | undefined {
  try {
    return JSON.parse(readFileSync(join(cache.dir, 'ready.json'), 'utf8')) as ReadyFile;
  } catch {
    return undefined;
  }
}

/** Recomputes the rows of a sample of records and compares them with the cached state (same schema version too). */
function cacheIsSound(cache: CachePaths, n: number, wanted: number): boolean {
  const ready = readReady(cache);
  if (ready?.n !== n || ready.generator !== GENERATOR_VERSION || ready.schema !== SCHEMA_VERSION || ready.prefilled < wanted) return false;
  const p = ready.prefilled;
  if (![cache.input, cache.state, cache.sandboxFile].every((path) => existsSync(path))) return false;
  const store = SqliteStateStore.open(cache.state);
  try {
    const sample = new Set<number>();
    for (let k = 0; k < 64; k++) sample.add(Math.floor((k * (p - 1)) / 63));
    for (const i of changedIndices(Math.min(p, 1000)).slice(0, 8)) sample.add(i);
    const keys = [...sample].flatMap((i) => PROVIDER_IDS.map((provider) => ({ customerId: customerId(i), provider })));
    const found = store.getMany(keys);
    for (const i of sample) {
      const stored = (provider: ProviderId) => found.get(linkKey(customerId(i), provider));
      const expected = isChanged(i)
        ? rowsFor(validated(customerLine(i, 0)), (provider) => stored(provider)?.providerId ?? '')
        : prefillRows(i);
      for (const [id, provider, providerId, hash] of expected) {
        const link = found.get(linkKey(id, provider));
        if (link?.payloadHash !== hash || link.providerId !== providerId) return false;
      }
    }
    return true;
  } finally {
    void store.close();
  }
}

/** Builds tonight's file, last night's state and the sandbox's customers; see the module comment. */
async function buildCache(ctx: BenchContext, cache: CachePaths, n: number, p: number): Promise<Pick<ReadyFile, 'port' | 'night1' | 'rows'>> {
  rmSync(cache.dir, { recursive: true, force: true });
  mkdirSync(cache.dir, { recursive: true });
  await SqliteStateStore.open(cache.state).close();
  const db = new Database(cache.state);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const now = new Date().toISOString();
  const insert = db.prepare<[string, string, string, string, string]>(
    'INSERT INTO links (customer_id, provider, provider_id, payload_hash, updated_at) VALUES (?, ?, ?, ?, ?)',
  );
  const insertAll = db.transaction((rows: readonly Row[]) => {
    for (const [id, provider, providerId, hash] of rows) insert.run(id, provider, providerId, hash, now);
  });

  // Worker processes: tonight's lines (one part file each) and the unchanged records' rows.
  const workers = Math.max(1, Math.min(4, cpus().length));
  const parts: string[] = [];
  let prefilled = 0;
  let lastLog = performance.now();
  const running = Array.from({ length: workers }, async (_, w) => {
    const job: PrefillJob = {
      from: Math.floor((w * n) / workers),
      to: Math.floor(((w + 1) * n) / workers),
      part: join(cache.dir, `part-${w}.ndjson`),
      rowsFrom: Math.floor((w * p) / workers),
      rowsTo: Math.floor(((w + 1) * p) / workers),
    };
    parts.push(job.part);
    const worker = fork(join(BENCH_DIR, 'nightly-prefill-worker.ts'), [JSON.stringify(job)], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (message: PrefillMessage) => {
        if ('done' in message) return;
        insertAll(message.rows);
        prefilled += message.records;
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          ctx.log(`nightly cache: ${prefilled.toLocaleString('en-US')} of ${p.toLocaleString('en-US')} records pre-filled`);
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`prefill worker exited with ${code}`))));
    });
  });

  const host = await startHost({ dataFile: cache.sandboxFile });
  const port = Number(new URL(host.current.origin).port);
  try {
    // Meanwhile: the changed records, created for real at the sandbox from last night's version.
    const raw = new RawClient(32);
    const adapters = adaptersFor(nightlyConfig(host.current));
    let pending: Row[] = [];
    try {
      await eachLimit(changedIndices(p), 32, async (i) => {
        const customer = validated(customerLine(i, 0));
        const ids = await Promise.all(
          PROVIDER_IDS.map(async (id) => {
            const adapter = adapters.get(id);
            if (adapter === undefined) throw new Error(`no ${id} adapter`);
            return [id, await rawCreate(raw, adapter, customer)] as const;
          }),
        );
        const learned = new Map<ProviderId, string>(ids);
        pending.push(...rowsFor(customer, (provider) => learned.get(provider) ?? ''));
        if (pending.length >= 4000) {
          insertAll(pending);
          pending = [];
        }
      });
      insertAll(pending);
      ctx.log(`nightly cache: ${changedIndices(p).length.toLocaleString('en-US')} changed customers created at the sandbox`);
      await Promise.all(running);
      ctx.log('nightly cache: rows and lines done');
    } finally {
      raw.close();
    }

    const rows = (db.prepare('SELECT count(*) AS n FROM links').get() as { n: number }).n;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    if (rows !== p * PROVIDER_IDS.length) throw new Error(`nightly cache: ${rows} state rows, expected ${p * PROVIDER_IDS.length}`);

    const out = createWriteStream(cache.input);
    for (const part of parts.sort()) {
      await pipeline(createReadStream(part), out, { end: false });
      rmSync(part);
    }
    out.end();
    await once(out, 'finish');
    ctx.log('nightly cache: tonight.ndjson written');

    const night1 = await completeLastNight(ctx, cache, p, nightlyConfig(host.current));
    return { port, night1, rows };
  } finally {
    await host.close();
  }
}

/** Tables besides `links` that hold rows. */
function otherTablesWithRows(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'links'`).pluck().all() as string[];
    return tables.filter((table) => db.prepare(`SELECT 1 FROM "${table.replaceAll('"', '""')}" LIMIT 1`).get() !== undefined);
  } finally {
    db.close();
  }
}

/** Writes last night's version of the first `count` records as NDJSON. */
async function writeLastNight(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  for (let from = 0; from < count; from += 10_000) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(count, from + 10_000); i++) lines.push(customerLine(i, 0));
    if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A real run over last night's file must find every record unchanged: the prefill is last night's state. */
function checkNight1(result: NightlyRunResult): void {
  for (const id of PROVIDER_IDS) {
    const counts = result.providers[id] as Record<string, number> | undefined;
    if (counts?.unchanged !== result.read) throw new Error(`nightly cache: last night's run found ${id} ${JSON.stringify(counts)}`);
  }
}

/** Records of last night's file the runner is probed with. */
const PROBE = 1000;

/**
 * See the module comment: probe the runner on 1,000 records, and let it run the whole of last night (the `p`
 * pre-filled records) if it keeps more than links.
 */
async function completeLastNight(ctx: BenchContext, cache: CachePaths, p: number, config: Record<string, unknown>): Promise<string> {
  const probe = join(cache.dir, 'last-night-probe.ndjson');
  await writeLastNight(probe, Math.min(p, PROBE));
  checkNight1(await runChild({ input: probe, state: cache.state, config, profile: false }));
  rmSync(probe);
  const others = otherTablesWithRows(cache.state);
  if (others.length === 0) return 'links only (the runner keeps nothing else)';
  ctx.log(`nightly cache: the runner also keeps ${others.join(', ')}: running last night's whole file`);
  const lastNight = join(cache.dir, 'last-night.ndjson');
  await writeLastNight(lastNight, p);
  const started = performance.now();
  const result = await runChild({ input: lastNight, state: cache.state, config, profile: false });
  checkNight1(result);
  rmSync(lastNight);
  const seconds = (performance.now() - started) / 1000;
  return `links, then a real run over last night's file (${others.join(', ')}): ${seconds.toFixed(1)} s`;
}

export async function ensureCache(ctx: BenchContext, n: number, wanted: number): Promise<Cache> {
  const dir = cacheDir(n);
  const paths: CachePaths = { dir, input: join(dir, 'tonight.ndjson'), state: join(dir, 'state.db'), sandboxFile: join(dir, 'sandbox.json') };
  const ready = cacheIsSound(paths, n, wanted) ? readReady(paths) : undefined;
  if (ready !== undefined) {
    ctx.log(`nightly cache: reusing ${dir} (${ready.prefilled.toLocaleString('en-US')} records pre-filled)`);
    return { ...paths, port: ready.port, prefilled: ready.prefilled, night1: ready.night1, builtSeconds: 0 };
  }
  ctx.log(`nightly cache: building ${dir} (${n.toLocaleString('en-US')} lines, ${wanted.toLocaleString('en-US')} pre-filled)`);
  const started = performance.now();
  const built = await buildCache(ctx, paths, n, wanted);
  const builtSeconds = (performance.now() - started) / 1000;
  const file: ReadyFile = { n, prefilled: wanted, generator: GENERATOR_VERSION, schema: SCHEMA_VERSION, ...built, builtAt: new Date().toISOString() };
  writeFileSync(join(dir, 'ready.json'), `${JSON.stringify(file)}\n`);
  ctx.log(`nightly cache: built in ${builtSeconds.toFixed(1)} s; last night: ${built.night1}`);
  return { ...paths, port: built.port, prefilled: wanted, night1: built.night1, builtSeconds };
}

export function runChild(options: NightlyRunOptions): Promise<NightlyRunResult> {
  const child = fork(join(BENCH_DIR, 'nightly-run.ts'), [JSON.stringify(options)], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: NightlyRunResult | undefined;
    child.on('message', (message: NightlyRunResult) => {
      result = message;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result === undefined ? reject(new Error(`nightly run exited with ${code} and no result`)) : resolve(result)));
  });
}

/**
 * Whether RSS had levelled off: the highest RSS of the last third of the samples against that of the middle third.
 * V8 lets the heap grow to a few times what is live before a full GC, so a short run sees RSS climb before it
 * settles; a run that stops before it settles under-reports the peak.
 */
function rssTrend(samples: NightlyRunResult['samples']): { settled: boolean; middleMB: number; lastMB: number } {
  const third = Math.floor(samples.length / 3);
  const max = (list: NightlyRunResult['samples']) => Math.max(0, ...list.map((s) => s.rssMB));
  const middleMB = max(samples.slice(third, 2 * third));
  const lastMB = max(samples.slice(2 * third));
  return { settled: samples.length >= 9 && lastMB <= middleMB * 1.05, middleMB, lastMB };
}

export const nightlyScenario: Scenario = {
  name: 'nightly-diff',
  title: 'Nightly diff at scale: NDJSON with 1 % changed, state pre-filled, 4 providers',
  async run(ctx): Promise<ScenarioResult> {
    const n = ctx.quick ? 100_000 : 1_000_000;
    const timeBoxMs = ctx.quick ? 5_000 : 45_000;
    const cache = await ensureCache(ctx, n, ctx.prefillAll ? n : Math.min(n, ctx.quick ? QUICK_PREFILL : DEFAULT_PREFILL));
    const state = join(ctx.tmpDir, 'nightly-state.db');
    copyFileSync(cache.state, state);
    // Last night's port, so that tonight's config is last night's (a runner may key what it remembers on it).
    const host = await startHost({ dataFile: cache.sandboxFile, port: cache.port }).catch(async () => {
      ctx.log(`nightly run: port ${cache.port} is taken; tonight's config differs from last night's`);
      return startHost({ dataFile: cache.sandboxFile });
    });
    let result: NightlyRunResult;
    try {
      const config = nightlyConfig(host.current);
      ctx.log(`nightly run: ${n.toLocaleString('en-US')} records, time box ${timeBoxMs / 1000} s`);
      result = await runChild({ input: cache.input, state, config, timeBoxMs, maxRecords: cache.prefilled, profile: ctx.profile });
    } finally {
      await host.close();
      rmSync(state, { force: true });
      rmSync(`${state}-wal`, { force: true });
      rmSync(`${state}-shm`, { force: true });
    }

    // The prefill must be exact: every record read comes out unchanged, or updated when it changed.
    const changed = changedIndices(result.read).length;
    for (const id of PROVIDER_IDS) {
      const counts = result.providers[id] as Record<string, number> | undefined;
      if (counts?.updated !== changed || counts.unchanged !== result.read - changed || counts.failed !== 0 || counts.created !== 0) {
        throw new Error(
          `nightly run: ${id} counts ${JSON.stringify(counts)} for ${result.read} records (${changed} changed); failures ${JSON.stringify(result.failures)}`,
        );
      }
    }

    const complete = result.read === n && !result.interrupted;
    // Stopped by the time box: the records fully done when it ran out (the drain of those in flight is not timed).
    // Otherwise every record read is done: the whole file, or the whole pre-filled prefix.
    const rate = result.atStop === undefined ? result.read / result.seconds : result.atStop.done / result.atStop.seconds;
    const totalSeconds = complete ? result.seconds : n / rate;
    const trend = rssTrend(result.samples);
    const heapPeak = Math.max(0, ...result.samples.map((s) => s.heapMB));
    const done = complete
      ? `all ${n.toLocaleString('en-US')} records in ${round(result.seconds, 1)} s`
      : result.atStop === undefined
        ? `the ${result.read.toLocaleString('en-US')} pre-filled records in ${round(result.seconds, 1)} s (--prefill-all for the whole file)`
        : `stopped after ${round(result.atStop.seconds, 1)} s with ${result.atStop.done.toLocaleString('en-US')} records done`;
    const fileMB = statSync(cache.input).size / 1024 / 1024;
    return {
      figures: [
        figure('records/s scanned, hashed, checked', Math.round(rate), 'rec/s', atLeast(TARGET_RATE), `${done}; ${changed} updated per provider`),
        figure(
          `time for ${n.toLocaleString('en-US')} records${complete ? '' : ' (projected)'}`,
          round(totalSeconds, 1),
          's',
          atMost(round(n / TARGET_RATE, 1)),
        ),
        figure(
          'peak RSS',
          Math.round(result.maxRssMB),
          'MB',
          atMost(TARGET_RSS_MB),
          `${Math.round(result.startRssMB)} MB before the first record (tsx's loader included); V8 heap in use peaked at ` +
            `${Math.round(heapPeak)} MB; RSS ${trend.settled ? 'had levelled off' : 'was still rising when the run stopped: the peak of a whole run is higher'}`,
        ),
      ],
      details: {
        records: n,
        fileMB: round(fileMB, 1),
        changedPercent: 1,
        timeBoxSeconds: timeBoxMs / 1000,
        prefilled: cache.prefilled,
        cacheBuiltSeconds: round(cache.builtSeconds, 1),
        lastNight: cache.night1,
        read: result.read,
        seconds: round(result.seconds, 2),
        complete,
        recordsPerSecond: Math.round(rate),
        maxRssMB: round(result.maxRssMB, 1),
        startRssMB: round(result.startRssMB, 1),
        rssSettled: trend.settled,
        heapPeakMB: round(heapPeak, 1),
        memorySamples: result.samples
          .filter((_, k) => k % 4 === 0)
          .map((s) => ({ seconds: round(s.seconds, 1), read: s.read, rssMB: round(s.rssMB, 1), heapMB: round(s.heapMB, 1) })),
        providers: result.providers,
      },
    };
  },
};
