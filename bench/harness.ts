/**
 * What the benchmark scenarios share: figures with targets, the load of the machine, interleaved rounds, the sandbox
 * host process, the built CLI as a child process, engines built from a config the way the CLI builds them, customer
 * records, percentiles, machine info and CPU profiles.
 *
 * `npm run bench` runs the bench compiled (bench/tsup.config.ts → bench/.build/, as dist/ is built); this module
 * then lives in bench/.build/ and finds the bench's folder, the processes it forks and dist/cli.js from there.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import { SourceMap } from 'node:module';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Profiler } from 'node:inspector';
import { MAX_PER_SECOND } from '../src/adapter/options.js';
import { parseConfig } from '../src/config/config.js';
import { validateCustomer } from '../src/model/customer.js';
import { BUILT_IN, type BuiltInProviderId, type ProviderId } from '../src/providers.js';
import { SyncEngine } from '../src/push/engine.js';
import type { Adapter } from '../src/adapter/adapter.js';
import type { ProviderDefinition, RequestSpec } from '../src/adapter/definition.js';
import type { Customer } from '../src/model/types.js';
import type { SourceRecord } from '../src/sources/index.js';
import type { StateStore } from '../src/state/store.js';
import { customerLine } from './customers.js';
import { rowsFor } from './state-rows.js';
import type { HostApi, HostCall, HostInfo, HostOptions, HostReply } from './sandbox-host.js';

/** This module's folder: bench/.build/ when compiled, bench/ when run from source (tsx). */
const HERE = import.meta.dirname;
const COMPILED = basename(HERE) === '.build';
export const BENCH_DIR = COMPILED ? dirname(HERE) : HERE;
export const ROOT_DIR = join(BENCH_DIR, '..');
/** The built CLI, as a user runs it (`npm run build` makes it; `npm run bench` builds first). */
export const CLI_PATH = join(ROOT_DIR, 'dist', 'cli.js');

/** A script the bench runs as a process of its own (an entry of bench/tsup.config.ts), compiled or from source. */
export function benchEntry(name: string): string {
  return join(HERE, COMPILED ? `${name}.js` : `${name}.ts`);
}

// ---------------------------------------------------------------------------------------------------------------
// Figures and scenarios

export interface Target {
  op: '>=' | '<=';
  value: number;
}

export interface Figure {
  /** What is measured, e.g. `<provider> achieved ÷ limit`. */
  label: string;
  value: number;
  unit: string;
  target: Target;
  pass: boolean;
  /** How the figure was obtained, or what else the reader needs to read it (shown under the table). */
  note?: string;
}

export interface ScenarioResult {
  figures: Figure[];
  /** Raw numbers behind the figures, written to results.json. */
  details: Record<string, unknown>;
}

export interface BenchContext {
  quick: boolean;
  /** Record a CPU profile of the measured phase(s), written under bench/profiles/. */
  profile: boolean;
  /** Rebuild the nightly scenarios' cached first night even when it is sound. */
  freshCache: boolean;
  /** Every nightly first night prefilled, whatever its size (`--prefill`). */
  prefill: boolean;
  /** A scratch directory for this run. */
  tmpDir: string;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

export function figure(label: string, value: number, unit: string, target: Target, note?: string): Figure {
  const pass = target.op === '>=' ? value >= target.value : value <= target.value;
  return { label, value, unit, target, pass, ...(note === undefined ? {} : { note }) };
}

export const atLeast = (value: number): Target => ({ op: '>=', value });
export const atMost = (value: number): Target => ({ op: '<=', value });

function formatNumber(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === 'ratio') return value.toFixed(3);
  if (Number.isInteger(value)) return `${value.toLocaleString('en-US')} ${unit}`.trim();
  if (Math.abs(value) >= 1000) return `${Math.round(value).toLocaleString('en-US')} ${unit}`.trim();
  if (Math.abs(value) >= 100) return `${value.toFixed(0)} ${unit}`.trim();
  return `${value.toFixed(2)} ${unit}`.trim();
}

/**
 * How loaded the machine was while a scenario ran: `os.loadavg()` at its start and end, against the cores this
 * process may use. Noisy when the 1-minute average, at either end, exceeds the cores: then something else wanted the
 * CPU too, and the scenario's timings say less about the code than about the machine.
 */
export interface LoadRecord {
  cpus: number;
  /** 1, 5 and 15-minute load averages. */
  start: number[];
  end: number[];
  noisy: boolean;
}

export const loadNow = (): number[] => loadavg().map((n) => round(n, 2));

export function loadRecord(start: readonly number[], end: readonly number[]): LoadRecord {
  const cpus = availableParallelism();
  const noisy = (start[0] ?? 0) > cpus || (end[0] ?? 0) > cpus;
  return { cpus, start: [...start], end: [...end], noisy };
}

export interface ScenarioRow {
  scenario: Scenario;
  result: ScenarioResult | undefined;
  error?: string;
  load: LoadRecord;
}

/**
 * The table `npm run bench` prints (and BENCHMARKS.md shows): one row per figure, target and verdict beside it, the
 * scenario's 1-minute load average at its start and end, and `noisy` where it exceeded the cores.
 */
export function renderTable(results: readonly ScenarioRow[]): string {
  const rows: string[][] = [['#', 'scenario', 'figure', 'measured', 'target', '', `load (${availableParallelism()} cpus)`, '']];
  results.forEach(({ scenario, result, error, load }, index) => {
    const n = String(index + 1);
    const loadCell = `${(load.start[0] ?? 0).toFixed(2)} → ${(load.end[0] ?? 0).toFixed(2)}`;
    const noisy = load.noisy ? 'noisy' : '';
    if (result === undefined) {
      rows.push([n, scenario.name, 'ERROR', (error ?? 'failed').split('\n')[0] ?? '', '', 'MISS', loadCell, noisy]);
      return;
    }
    for (const f of result.figures) {
      const target = `${f.target.op} ${formatNumber(f.target.value, f.unit)}`;
      rows.push([n, scenario.name, f.label, formatNumber(f.value, f.unit), target, f.pass ? 'PASS' : 'MISS', loadCell, noisy]);
    }
  });
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  const line = (row: string[]): string => `| ${row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const [header, ...body] = rows;
  return [line(header ?? []), rule, ...body.map(line)].join('\n');
}

export function machineInfo(): Record<string, unknown> {
  const list = cpus();
  return {
    cpus: list.length,
    availableParallelism: availableParallelism(),
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    loadAverage: loadNow(),
  };
}

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/**
 * Watches this process's event-loop delay (ms), sampled every 5 ms: the values are the intervals between samples,
 * so about 5 means no delay. A stalled loop (GC, other processes on the same cores) delays timers and sockets
 * alike; results.json carries it so a noisy run can be told from a slow pipeline.
 */
export function watchLoop(): { stop(): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      return { p50: round(histogram.percentile(50) / 1e6, 1), p99: round(histogram.percentile(99) / 1e6, 1), max: round(histogram.max / 1e6, 1) };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small numeric helpers

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Requests per second between the first and the last of `times` (ms): `(n - 1) / span`. */
export function steadyRate(times: readonly number[]): number {
  if (times.length < 2) return 0;
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? 0;
  return last > first ? ((times.length - 1) * 1000) / (last - first) : Number.POSITIVE_INFINITY;
}

/** The most events in any sliding 1 s window `(t - 1000, t]`, as the sandbox counts them. */
export function maxPerSecond(times: readonly number[]): number {
  let max = 0;
  let head = 0;
  times.forEach((t, i) => {
    while ((times[head] ?? t) <= t - 1000) head += 1;
    max = Math.max(max, i - head + 1);
  });
  return max;
}

export const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;

export interface Side {
  /** What each round measured, in the order of the rounds. */
  samples: number[];
  median: number;
}

/**
 * Measures two or three sides (or more) in rounds: one of each per round, in the order given (A, B, A, B…), so
 * that every side meets the same drift of machine load, page cache and heat; compare sides by their medians. Each
 * side resolves with its own measure (seconds, a rate…), so work it must do first (copying a file) goes untimed
 * inside it. A failed side stops the whole measurement.
 *
 * ```ts
 * const { raw, pipeline } = await interleave(3, { raw: () => rawRound(), pipeline: () => pipelineRound() });
 * const ratio = pipeline.median / raw.median;
 * ```
 */
export async function interleave<K extends string>(rounds: number, sides: Record<K, () => Promise<number>>): Promise<Record<K, Side>> {
  const names = Object.keys(sides) as K[];
  const samples = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) samples.get(name)?.push(await sides[name]());
  }
  return Object.fromEntries(names.map((name) => {
    const list = samples.get(name) ?? [];
    return [name, { samples: list, median: median(list) }];
  })) as Record<K, Side>;
}

// ---------------------------------------------------------------------------------------------------------------
// The sandbox, in a process of its own

type HostMethods = { [K in keyof HostApi]: (...args: Parameters<HostApi[K]>) => Promise<Awaited<ReturnType<HostApi[K]>>> };

export interface SandboxHost extends HostMethods {
  /** Where the sandbox listens now (a `restart()` changes the port). */
  current: HostInfo;
  pid: number;
  /** Ends the child process (by its pid) without asking. */
  kill(): void;
}

/** Forks the sandbox host (compiled, or from source with this process's loader flags) and waits until it listens. */
export async function startHost(options: HostOptions = {}): Promise<SandboxHost> {
  const child: ChildProcess = fork(benchEntry('sandbox-host'), [JSON.stringify(options)], {
    execArgv: process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof') && !arg.startsWith('--prof')),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const ready = new Promise<HostInfo>((resolve, reject) => {
    pending.set(0, { resolve: (value) => resolve(value as HostInfo), reject });
  });
  child.on('message', (reply: HostReply) => {
    const waiter = pending.get(reply.id);
    if (waiter === undefined) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new Error(`sandbox host: ${reply.error}`));
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`sandbox host exited (${code})`));
    pending.clear();
  });
  const call = <K extends keyof HostApi>(op: K, ...args: Parameters<HostApi[K]>): Promise<Awaited<ReturnType<HostApi[K]>>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: (value) => resolve(value as Awaited<ReturnType<HostApi[K]>>), reject });
      child.send({ id, op, args } as HostCall);
    });
  const info = await ready;
  const host: SandboxHost = {
    current: info,
    pid: child.pid ?? -1,
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
    info: () => call('info'),
    setRateLimit: (provider, limit) => call('setRateLimit', provider, limit),
    setLatency: (provider, latencyMs) => call('setLatency', provider, latencyMs),
    setLog: (enabled) => call('setLog', enabled),
    stats: (provider) => call('stats', provider),
    arrivals: (provider) => call('arrivals', provider),
    refusals: (provider) => call('refusals', provider),
    customerCount: (provider) => call('customerCount', provider),
    loopDelay: () => call('loopDelay'),
    restart: async () => {
      host.current = await call('restart');
      return host.current;
    },
    reset: () => call('reset'),
    close: async () => {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      await call('close').catch(() => undefined);
      await exited;
    },
  };
  return host;
}

// ---------------------------------------------------------------------------------------------------------------
// The built CLI (dist/cli.js) in a child process, as a user runs it

export interface CliChild {
  readonly pid: number;
  /** When the process exited, and how; `seconds` from the spawn to the exit. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number }>;
  /** Everything it printed so far; whole once `exit` has resolved. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr contains `text`; rejects if the child exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

export interface CliOptions {
  cwd: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /**
   * Preload bench/nightly-peak-rss.ts, which writes the process's peak RSS to this file as it exits. The CLI is
   * otherwise untouched; the probe costs one small module at start-up.
   */
  peakRssFile?: string;
  /** Write a CPU profile of the whole process to bench/profiles/<name>.cpuprofile (node --cpu-prof). */
  cpuProfile?: string;
}

/** `node dist/cli.js <args>`. */
export function spawnBuiltCli(args: readonly string[], options: CliOptions): CliChild {
  if (!existsSync(CLI_PATH)) throw new Error(`${relative(process.cwd(), CLI_PATH)} does not exist: npm run build (npm run bench builds it first)`);
  const flags: string[] = [];
  if (options.peakRssFile !== undefined) flags.push('--import', pathToFileURL(benchEntry('nightly-peak-rss')).href);
  if (options.cpuProfile !== undefined) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    flags.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${options.cpuProfile}.cpuprofile`);
  }
  const env = { ...process.env, ...options.env, ...(options.peakRssFile === undefined ? {} : { [PEAK_RSS_ENV]: options.peakRssFile }) };
  const started = performance.now();
  const child = spawn(process.execPath, [...flags, CLI_PATH, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number }>((done, fail) => {
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      exited = true;
      const seconds = (performance.now() - started) / 1000;
      // Its output is whole once the pipes close, a moment after the exit.
      child.on('close', () => done({ code, signal, seconds }));
    });
  });
  return {
    pid: child.pid ?? -1,
    exit,
    stdout: () => out,
    stderr: () => err,
    async waitFor(text, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!err.includes(text)) {
        if (exited) throw new Error(`customer-sync ${args[0] ?? ''} exited before "${text}"; stderr:\n${err}`);
        if (Date.now() > deadline) throw new Error(`customer-sync ${args[0] ?? ''}: no "${text}" after ${timeoutMs} ms; stderr:\n${err}`);
        await sleep(50);
      }
    },
    kill: (signal) => void child.kill(signal),
  };
}

/** The variable bench/nightly-peak-rss.ts reads: where to write the peak RSS. */
export const PEAK_RSS_ENV = 'CUSTOMER_SYNC_BENCH_PEAK_RSS_FILE';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from the spawn to the exit. */
  seconds: number;
  /** `process.resourceUsage().maxRSS` at the exit, when `peakRssFile` was given. */
  peakRssMB: number | undefined;
}

/** Runs `node dist/cli.js <args>` to its end. */
export async function runBuiltCli(args: readonly string[], options: CliOptions): Promise<CliRun> {
  const child = spawnBuiltCli(args, options);
  const { code, signal, seconds } = await child.exit;
  let peakRssMB: number | undefined;
  if (options.peakRssFile !== undefined && existsSync(options.peakRssFile)) {
    peakRssMB = (JSON.parse(readFileSync(options.peakRssFile, 'utf8')) as { maxRssKB: number }).maxRssKB / 1024;
  }
  return { code, signal, stdout: child.stdout(), stderr: child.stderr(), seconds, peakRssMB };
}

// ---------------------------------------------------------------------------------------------------------------
// Engines as the CLI builds them: a config file's JSON through parseConfig, then a SyncEngine

export interface ProviderSettings {
  perSecond: number;
  concurrency: number;
  createMissing?: boolean;
}

/**
 * The first built-in provider (registry order) with the trait a scenario needs: scenarios name a trait, not a
 * provider, so bench/ knows no provider by name (DESIGN §1).
 */
export function providerWhere(trait: string, test: (definition: ProviderDefinition) => boolean): BuiltInProviderId {
  const found = [...BUILT_IN.values()].find(test);
  if (found === undefined) throw new Error(`no built-in provider ${trait}`);
  return found.id as BuiltInProviderId;
}

/** The config file a user would write for the sandbox: these providers, these limits, the retry policy. */
export function sandboxConfig(
  info: HostInfo,
  providers: Partial<Record<ProviderId, ProviderSettings>>,
  retry: Record<string, number> = {},
): Record<string, unknown> {
  const section: Record<string, unknown> = {};
  for (const [id, settings] of Object.entries(providers) as Array<[ProviderId, ProviderSettings]>) {
    // Only a provider that has the option takes it (one that creates whenever no id is known has none).
    const takesIt = BUILT_IN.get(id)?.createMissing !== undefined;
    const createMissing = !takesIt || settings.createMissing === undefined ? {} : { createMissing: settings.createMissing };
    section[id] = {
      ...info.providers[id as keyof typeof info.providers],
      rateLimit: { perSecond: settings.perSecond, concurrency: settings.concurrency },
      ...createMissing,
    };
  }
  return { providers: section, retry };
}

export function engineFor(config: Record<string, unknown>, store: StateStore): SyncEngine {
  const { config: parsed, adapters } = parseConfig(config, {});
  return new SyncEngine(adapters, store, parsed.retry);
}

/** The adapters a config makes, by provider. */
export function adaptersFor(config: Record<string, unknown>): Map<ProviderId, Adapter> {
  return new Map(parseConfig(config, {}).adapters.map((adapter) => [adapter.id, adapter]));
}

/** Customers `0 .. count - 1`, validated as the sync job validates them. */
export function validCustomers(count: number, version: 0 | 1 = 0): Customer[] {
  return Array.from({ length: count }, (_, i) => {
    const checked = validateCustomer(JSON.parse(customerLine(i, version)));
    if (!checked.ok) throw new Error(`bench customer ${i} is invalid: ${JSON.stringify(checked.issues)}`);
    return checked.customer;
  });
}

/**
 * "No limit" as far as the config allows (`MAX_PER_SECOND`, a million a second): at the 10,000 the schema capped it at
 * before, the 0.1 ms spacing held a saturated event loop to one departure a turn, and pipeline-cost measured that.
 */
export const UNLIMITED = MAX_PER_SECOND;

/** Customers `from .. from + count - 1` as the sync job's source yields them (parsed, not validated). */
export async function* records(count: number, version: 0 | 1 = 0, from = 0): AsyncGenerator<SourceRecord> {
  for (let i = from; i < from + count; i++) {
    const raw = customerLine(i, version);
    yield { line: i + 1, value: JSON.parse(raw) as unknown, raw };
  }
}

/**
 * Runs `task` from `concurrency` loops until `durationMs` has passed (each loop finishes the task it started).
 * Returns how many completed and over how long: a closed-loop throughput.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  task: (n: number) => Promise<unknown>,
): Promise<{ completed: number; seconds: number; perSecond: number }> {
  let next = 0;
  let completed = 0;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await task(next++);
        completed += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { completed, seconds, perSecond: completed / seconds };
}

// ---------------------------------------------------------------------------------------------------------------
// A raw keep-alive node:http client: the baseline, and a fast way to create customers at the sandbox

export interface RawResponse {
  status: number;
  body: unknown;
}

export class RawClient {
  readonly #agent: http.Agent;

  constructor(maxSockets: number) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** One request; the body (a JSON string) as given; the answer read whole and parsed. */
  request(url: string, method: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const all: Record<string, string> = { accept: 'application/json', ...headers };
      if (body !== undefined) {
        all['content-type'] = 'application/json';
        all['content-length'] = String(Buffer.byteLength(body));
      }
      const req = http.request(url, { method, headers: all, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** `spec` as the adapter built it, against its base URL, with the adapter's static auth headers. */
  send(adapter: Adapter, spec: RequestSpec, extraHeaders: Record<string, string> = {}): Promise<RawResponse> {
    const query = spec.query === undefined ? '' : `?${new URLSearchParams(spec.query).toString()}`;
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    return this.request(`${adapter.options.baseUrl}${spec.path}${query}`, spec.method, { ...authHeaders(adapter), ...spec.headers, ...extraHeaders }, body);
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The headers every request of `adapter` carries (static credentials only: tokens by exchange are not needed here). */
export function authHeaders(adapter: Adapter): Record<string, string> {
  const auth = adapter.definition.auth(adapter.options);
  return auth.headers(auth.token);
}

/**
 * Creates `customer` at the adapter's provider the way a create would (the definition's create body and request),
 * without the pipeline; resolves with the provider id the answer carries.
 */
export async function rawCreate(client: RawClient, adapter: Adapter, customer: Customer): Promise<string> {
  const def = adapter.definition;
  const create = def.create;
  if (create === undefined) throw new Error(`${def.id} has no create`);
  const built = create.body(customer);
  if (!built.ok) throw new Error(`${def.id} cannot create ${customer.id}: ${built.message}`);
  const key = def.idempotencyHeader === undefined ? {} : { [def.idempotencyHeader]: `bench-${def.id}-${customer.id}` };
  const res = await client.send(adapter, create.request(built.body), key);
  if (res.status < 200 || res.status >= 300) throw new Error(`${def.id} create ${customer.id}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  const id = def.parseSuccess('create', res.body).providerId;
  if (id === undefined) throw new Error(`${def.id} create ${customer.id}: no id in the answer`);
  return id;
}

/**
 * Creates `customers` at every adapter's provider with raw requests (fast: no limiter) and records in `store` what a
 * sync that created them would have recorded: the provider ids and payload hashes. Later syncs then update them.
 */
export async function seedEverywhere(
  raw: RawClient,
  adapters: ReadonlyMap<ProviderId, Adapter>,
  customers: readonly Customer[],
  store: StateStore,
  concurrency = 32,
): Promise<void> {
  const definitions = [...adapters.values()].map((adapter) => adapter.definition);
  await eachLimit(customers, concurrency, async (customer) => {
    const learned = new Map(
      await Promise.all([...adapters].map(async ([id, adapter]) => [id, await rawCreate(raw, adapter, customer)] as const)),
    );
    for (const [customerId, provider, providerId, payloadHash] of rowsFor(customer, (p) => learned.get(p) ?? '', definitions)) {
      await store.recordSuccess(customerId, provider, { providerId, payloadHash });
    }
  });
}

/** Runs `task` over `items` with at most `concurrency` at once. */
export async function eachLimit<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index] as T, index);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// CPU profiles (node:inspector, in-process) and their summary

export const PROFILE_DIR = join(BENCH_DIR, 'profiles');

/** Runs `fn`, profiling it when `ctx.profile`; the profile goes to bench/profiles/<name>.cpuprofile. */
export async function profiled<T>(
  ctx: Pick<BenchContext, 'profile' | 'log'>,
  name: string,
  fn: () => Promise<T>,
): Promise<{ value: T; summary?: ProfileSummary }> {
  if (!ctx.profile) return { value: await fn() };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  let profile: Profiler.Profile | undefined;
  let value: T;
  try {
    value = await fn();
  } finally {
    profile = (await session.post('Profiler.stop')).profile;
    session.disconnect();
    mkdirSync(PROFILE_DIR, { recursive: true });
    writeFileSync(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
  }
  const summary = summarizeProfile(profile);
  ctx.log(`profile ${name}: bench/profiles/${name}.cpuprofile\n${formatProfile(summary)}`);
  return { value, summary };
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by area: a package, a project file, node internals, GC, idle. */
  byArea: Array<{ name: string; ms: number; share: number }>;
  /** Self time by function. */
  bySelf: Array<{ name: string; ms: number; share: number }>;
  /** Time with the function on the stack (project code only). */
  byTotal: Array<{ name: string; ms: number; share: number }>;
}

function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return (rest[0] ?? '').startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return relative(ROOT_DIR, path);
}

/** Source maps of the built files a profile ran (dist/, bench/.build/), by URL; `null` where there is none. */
const sourceMaps = new Map<string, { map: SourceMap; dir: string } | null>();

function sourceMapOf(url: string): { map: SourceMap; dir: string } | null {
  let found = sourceMaps.get(url);
  if (found !== undefined) return found;
  found = null;
  if (url.startsWith('file://') && !url.includes('/node_modules/')) {
    const path = `${fileURLToPath(url)}.map`;
    if (existsSync(path)) {
      try {
        found = { map: new SourceMap(JSON.parse(readFileSync(path, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]), dir: dirname(path) };
      } catch {
        found = null;
      }
    }
  }
  sourceMaps.set(url, found);
  return found;
}

/** Where a profiled frame of built code came from: its source file and line (0-based), through the source map. */
function originalFrame(frame: Profiler.ProfileNode['callFrame']): { url: string; lineNumber: number; functionName: string } {
  const { url, lineNumber, columnNumber, functionName } = frame;
  const mapped = sourceMapOf(url);
  if (mapped === null) return { url, lineNumber, functionName };
  const entry = mapped.map.findEntry(lineNumber, columnNumber);
  if (!('originalSource' in entry)) return { url, lineNumber, functionName };
  const source = entry.originalSource;
  const path = source.startsWith('file://') ? fileURLToPath(source) : isAbsolute(source) ? source : resolve(mapped.dir, source);
  return { url: pathToFileURL(path).href, lineNumber: entry.originalLine, functionName };
}

/** Self and inclusive time per function and per area, from a `.cpuprofile`. */
export function summarizeProfile(profile: Profiler.Profile | undefined, top = 12): ProfileSummary {
  if (profile === undefined) return { totalMs: 0, byArea: [], bySelf: [], byTotal: [] };
  const parent = new Map<number, number>();
  const byId = new Map<number, Profiler.ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const area = new Map<string, number>();
  const total = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let totalUs = 0;
  const frames = new Map<number, { url: string; lineNumber: number; functionName: string }>();
  const frameOf = (node: Profiler.ProfileNode) => {
    let frame = frames.get(node.id);
    if (frame === undefined) {
      frame = originalFrame(node.callFrame);
      frames.set(node.id, frame);
    }
    return frame;
  };
  const keyOf = (node: Profiler.ProfileNode): string => {
    const { functionName, url, lineNumber } = frameOf(node);
    const where = url === '' ? '' : ` ${areaOf(url, functionName)}:${lineNumber + 1}`;
    return `${functionName || '(anonymous)'}${where}`;
  };
  samples.forEach((id, index) => {
    const us = Math.max(0, deltas[index + 1] ?? deltas[index] ?? 0);
    totalUs += us;
    const node = byId.get(id);
    if (node === undefined) return;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + us);
    const a = areaOf(frameOf(node).url, node.callFrame.functionName);
    area.set(a, (area.get(a) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame === undefined) break;
      const { url } = frameOf(frame);
      if (url === '' || url.includes('/node_modules/') || url.startsWith('node:')) continue;
      const k = keyOf(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + us);
    }
  });
  const list = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: round(us / Math.max(1, totalUs), 3) }));
  return { totalMs: Math.round(totalUs / 1000), byArea: list(area), bySelf: list(self), byTotal: list(total) };
}

/** The summary of a profile a child process wrote (`CliOptions.cpuProfile`), logged as `profiled` logs its own. */
export function childProfile(ctx: Pick<BenchContext, 'log'>, name: string): ProfileSummary | undefined {
  const path = join(PROFILE_DIR, `${name}.cpuprofile`);
  if (!existsSync(path)) return undefined;
  const summary = summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as Profiler.Profile);
  ctx.log(`profile ${name}: bench/profiles/${name}.cpuprofile\n${formatProfile(summary)}`);
  return summary;
}

export function formatProfile(summary: ProfileSummary): string {
  const block = (title: string, rows: ProfileSummary['byArea']) =>
    [`  ${title}:`, ...rows.map((r) => `    ${(r.share * 100).toFixed(1).padStart(5)} %  ${String(r.ms).padStart(6)} ms  ${r.name}`)].join('\n');
  return [
    `  sampled ${summary.totalMs} ms`,
    block('self time by area', summary.byArea),
    block('self time by function', summary.bySelf),
    block('inclusive time, project functions', summary.byTotal),
  ].join('\n');
}
