/**
 * The nightly scenario's first night, prepared once and cached: `customer-sync sync` of last night's file through
 * the built CLI, to one unlimited sandbox provider. Up to `REAL_FIRST_NIGHT_MAX` lines (and not `--quick`) it is a
 * real first full sync, every customer created at the sandbox; above, or quick, the state is prefilled and the CLI
 * run completes it (nightly-prefill.ts says why and how). What it leaves (last night's input, tonight's with 1 %
 * changed, and the state the CLI wrote) lives in the system temp directory, keyed by everything that decides whether
 * tonight's run may trust it: the generator's version (the records), the state's
 * schema version, the line count, the provider, how the first night was made, and the raw-line fingerprint of the
 * config's adapters (src/job/raw-lines.ts: what the mappings make of a record). A cache made by older code or for
 * another mapping is rebuilt, never used. The sandbox's port is kept and reused when free; it is not part of the key,
 * because the fingerprint does not depend on it (a port that did would change the fingerprint, and so the key).
 *
 * The sandbox's customers are not cached. Its data file is rewritten whole, as JSON, half a second after any change:
 * at 200,000 customers (45 MB) that kept the sandbox busy through the changed night (8 ms per changed record, most of
 * it waiting for answers), and a million would be 225 MB a save. The provider is one addressed by our own id, so a
 * night reaches only the customers it changes: tonight's sandbox holds just those, created as last night left them
 * (`createChanged`), and the first night's sandbox keeps its customers in memory only.
 *
 * The first night's peak RSS and time are figures too; they are measured when the cache is built and carried with
 * it (with the load the machine had then), and `--fresh-cache` measures them again. A first night built under
 * `--profile` is profiled too, its time then including the profiler's cost.
 */
import { once } from 'node:events';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/config.js';
import type { ProviderCounts, SyncReport } from '../src/job/report.js';
import { rawFingerprint } from '../src/job/raw-lines.js';
import { SCHEMA_VERSION } from '../src/state/sqlite-store.js';
import { changedAmong, customerLine, GENERATOR_VERSION } from './customers.js';
import {
  childProfile,
  loadNow,
  loadRecord,
  providerWhere,
  round,
  runBuiltCli,
  sandboxConfig,
  startHost,
  UNLIMITED,
  type BenchContext,
  type LoadRecord,
  type SandboxHost,
} from './harness.js';
import { createChanged, prefillState } from './nightly-prefill.js';
import type { HostInfo } from './sandbox-host.js';

/** Addressed by our own id with header credentials: no token exchange, and an update is one request. */
export const NIGHTLY_PROVIDER = providerWhere('addressed by our id with header credentials', (d) => d.defaultId !== undefined && !('token' in d.optionsShape));
/** Requests in flight at once: "high", so the provider's round trip does not set the pace. */
const CONCURRENCY = 64;
/** The largest first night that is a real first sync (about 6 ms a line here: 200,000 take 15-30 minutes). */
export const REAL_FIRST_NIGHT_MAX = 200_000;

export type FirstNightKind = 'real' | 'prefilled';

/** 20k, 200k, 1m, 5m…: how scenarios and profiles name a size. */
export function sizeName(lines: number): string {
  if (lines % 1_000_000 === 0) return `${lines / 1_000_000}m`;
  if (lines % 1_000 === 0) return `${lines / 1_000}k`;
  return String(lines);
}

/** The config of every night: one provider, no limit (the schema's maximum), creates allowed. */
export function nightlyConfig(info: HostInfo): Record<string, unknown> {
  return sandboxConfig(info, { [NIGHTLY_PROVIDER]: { perSecond: UNLIMITED, concurrency: CONCURRENCY, createMissing: true } });
}

export interface CacheKey {
  generator: number;
  schema: number;
  lines: number;
  provider: string;
  firstNight: FirstNightKind;
  fingerprint: string;
}

export interface FirstNight {
  kind: FirstNightKind;
  /** The CLI run's wall time (a prefilled night: the run that completed it; the prefill itself is not counted). */
  seconds: number;
  peakRssMB: number;
  load: LoadRecord;
  at: string;
  counts: ProviderCounts | undefined;
}

interface ReadyFile {
  key: CacheKey;
  port: number;
  firstNight: FirstNight;
}

export interface NightlyCache {
  dir: string;
  /** Last night's input: the first night synced it; a night with no change reads it again. */
  lastNight: string;
  /** Tonight's input: last night's with 1 % of the customers changed (`isChanged`). */
  tonight: string;
  /** The state the first night left. Runs work on copies (`copyState`). */
  state: string;
  port: number;
  firstNight: FirstNight;
  /** Whether this run built it (and so measured the first night now). */
  built: boolean;
  key: CacheKey;
}

/** Tonight's sandbox, holding the customers tonight changes, and the config that points at it. */
export interface Tonight {
  cache: NightlyCache;
  host: SandboxHost;
  config: Record<string, unknown>;
}

export function cacheKey(lines: number, firstNight: FirstNightKind, config: Record<string, unknown>): CacheKey {
  const fingerprint = rawFingerprint(parseConfig(config, {}).adapters);
  return { generator: GENERATOR_VERSION, schema: SCHEMA_VERSION, lines, provider: NIGHTLY_PROVIDER, firstNight, fingerprint };
}

function firstNightKind(ctx: BenchContext, lines: number): FirstNightKind {
  return lines <= REAL_FIRST_NIGHT_MAX && !ctx.quick && !ctx.prefill ? 'real' : 'prefilled';
}

function cachePaths(lines: number): Pick<NightlyCache, 'dir' | 'lastNight' | 'tonight' | 'state'> {
  const dir = join(tmpdir(), 'customer-sync-bench', `nightly-${NIGHTLY_PROVIDER}-n${lines}`);
  return { dir, lastNight: join(dir, 'last-night.ndjson'), tonight: join(dir, 'tonight.ndjson'), state: join(dir, 'state.db') };
}

function readCache(lines: number): NightlyCache | undefined {
  const paths = cachePaths(lines);
  let ready: ReadyFile;
  try {
    ready = JSON.parse(readFileSync(join(paths.dir, 'ready.json'), 'utf8')) as ReadyFile;
  } catch {
    return undefined;
  }
  if (![paths.lastNight, paths.tonight, paths.state].every((path) => existsSync(path))) return undefined;
  return { ...paths, port: ready.port, firstNight: ready.firstNight, built: false, key: ready.key };
}

/** Which parts of the key differ, or none. */
function keyChanges(cached: CacheKey, now: CacheKey): string[] {
  return (Object.keys(now) as Array<keyof CacheKey>).filter((part) => cached[part] !== now[part]);
}

/** Copies a SQLite state (and its WAL, if the writer left one) so that a run can change it. */
export function copyState(from: string, to: string): void {
  for (const suffix of ['-wal', '-shm']) rmSync(`${to}${suffix}`, { force: true });
  copyFileSync(from, to);
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
}

/** Writes the NDJSON lines of customers `0 .. lines - 1`, in last night's (0) or tonight's (1) version. */
async function writeInput(path: string, lines: number, version: 0 | 1): Promise<void> {
  const out = createWriteStream(path);
  for (let from = 0; from < lines; from += 10_000) {
    const batch: string[] = [];
    for (let i = from; i < Math.min(lines, from + 10_000); i++) batch.push(customerLine(i, version));
    if (!out.write(`${batch.join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A sandbox in memory, on `port` when it is free. */
async function hostOn(port: number | undefined, ctx: BenchContext): Promise<SandboxHost> {
  if (port === undefined) return startHost();
  return startHost({ port }).catch(() => {
    ctx.log(`nightly: port ${port} is taken; the sandbox listens elsewhere tonight`);
    return startHost();
  });
}

/** Builds the cache: both inputs, then the first night, ending with `customer-sync sync` of last night's file. */
async function buildCache(ctx: BenchContext, lines: number, kind: FirstNightKind): Promise<NightlyCache> {
  const paths = cachePaths(lines);
  rmSync(paths.dir, { recursive: true, force: true });
  mkdirSync(paths.dir, { recursive: true });
  const t0 = performance.now();
  await writeInput(paths.lastNight, lines, 0);
  await writeInput(paths.tonight, lines, 1);
  ctx.log(`nightly cache: ${lines.toLocaleString('en-US')} lines written twice in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const host = await hostOn(undefined, ctx);
  try {
    const config = nightlyConfig(host.current);
    const configFile = join(paths.dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    if (kind === 'prefilled') {
      const t1 = performance.now();
      await prefillState(ctx, paths.state, lines, NIGHTLY_PROVIDER, config);
      ctx.log(`nightly cache: state prefilled in ${((performance.now() - t1) / 1000).toFixed(1)} s; the CLI completes last night`);
    } else {
      ctx.log(`nightly cache: first night, a real first sync of ${lines.toLocaleString('en-US')} lines to ${NIGHTLY_PROVIDER} (node dist/cli.js sync)`);
    }
    const peakRssFile = join(ctx.tmpDir, 'first-night-rss.json');
    const profile = `nightly-${sizeName(lines)}-first-night`;
    const startLoad = loadNow();
    const run = await runBuiltCli(['sync', '--config', configFile, '--input', paths.lastNight, '--state', paths.state, '--json'], {
      cwd: ctx.tmpDir,
      peakRssFile,
      ...(ctx.profile ? { cpuProfile: profile } : {}),
    });
    const load = loadRecord(startLoad, loadNow());
    if (ctx.profile) childProfile(ctx, profile);
    const report = parseReport(run.stdout, run.stderr, 'first night');
    const counts = report.providers[NIGHTLY_PROVIDER];
    const stored = await host.customerCount(NIGHTLY_PROVIDER);
    const sound =
      kind === 'real'
        ? (counts?.created ?? 0) + (counts?.updated ?? 0) === lines && stored === lines
        : counts?.unchanged === lines && counts.requests === 0 && stored === changedAmong(lines);
    if (run.code !== 0 || report.records.read !== lines || !sound) {
      throw new Error(
        `nightly cache: the first night (${kind}) exited ${run.code} after ${report.records.read} records: ${JSON.stringify(counts)}, ` +
          `${stored} customers at the sandbox; failures ${JSON.stringify(report.failures.slice(0, 3))}`,
      );
    }
    const firstNight: FirstNight = {
      kind,
      seconds: round(run.seconds, 2),
      peakRssMB: round(run.peakRssMB ?? Number.NaN, 1),
      load,
      at: new Date().toISOString(),
      counts,
    };
    ctx.log(`nightly cache: first night's CLI run done in ${run.seconds.toFixed(1)} s (${Math.round(lines / run.seconds).toLocaleString('en-US')} lines/s), peak RSS ${firstNight.peakRssMB} MB`);
    const key = cacheKey(lines, kind, config);
    const port = Number(new URL(host.current.origin).port);
    await host.close();
    const ready: ReadyFile = { key, port, firstNight };
    writeFileSync(join(paths.dir, 'ready.json'), `${JSON.stringify(ready, null, 2)}\n`);
    return { ...paths, port, firstNight, built: true, key };
  } finally {
    host.kill();
  }
}

/** The JSON report a `sync --json` printed, or an error with what it said instead. */
export function parseReport(stdout: string, stderr: string, what: string): SyncReport {
  try {
    return JSON.parse(stdout) as SyncReport;
  } catch {
    throw new Error(`nightly: ${what} printed no JSON report; stderr:\n${stderr.slice(-2000)}`);
  }
}

/**
 * Tonight's setting: the cache (reused when its key matches, built otherwise) and a sandbox on the cached port (so
 * tonight's config is last night's) holding the customers that changed, as last night left them.
 */
export async function tonight(ctx: BenchContext, lines: number): Promise<Tonight> {
  const kind = firstNightKind(ctx, lines);
  let cache = ctx.freshCache ? undefined : readCache(lines);
  let host = await hostOn(cache?.port, ctx);
  try {
    const config = nightlyConfig(host.current);
    const changes = cache === undefined ? [] : keyChanges(cache.key, cacheKey(lines, kind, config));
    if (cache !== undefined && changes.length === 0) {
      ctx.log(`nightly cache: reusing ${cache.dir} (first night measured ${cache.firstNight.at})`);
    } else {
      if (cache !== undefined) ctx.log(`nightly cache: ${cache.dir} was made for another ${changes.join(', ')}: rebuilding`);
      await host.close();
      cache = await buildCache(ctx, lines, kind);
      host = await hostOn(cache.port, ctx);
    }
    const tonightConfig = nightlyConfig(host.current);
    await createChanged(tonightConfig, lines, NIGHTLY_PROVIDER);
    return { cache, host, config: tonightConfig };
  } catch (error) {
    host.kill();
    throw error;
  }
}
