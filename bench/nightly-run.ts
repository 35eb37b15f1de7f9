/**
 * The measured run of scenario 5, in a fresh process so its peak RSS is its own: what `customer-sync sync` does
 * (config through parseConfig, the NDJSON source streamed from the file, the SQLite state, runSync), stopped after
 * a time box the way SIGINT stops it (the records in flight finish). Reports over IPC: records, time, RSS samples
 * against records read, the process's max RSS, and the report's counts.
 */
import { parseConfig } from '../src/config/config.js';
import { rawFingerprint } from '../src/job/raw-lines.js';
import { runSync, type Progress } from '../src/job/run-sync.js';
import { SyncEngine } from '../src/push/engine.js';
import { openSource, type SourceItem } from '../src/sources/index.js';
import { SqliteStateStore } from '../src/state/sqlite-store.js';
import { profiled } from './harness.js';

export interface NightlyRunOptions {
  input: string;
  state: string;
  config: Record<string, unknown>;
  /** Read no further than this many records (the state holds last night only for these). */
  maxRecords?: number | undefined;
  /** Stop reading after this long (as SIGINT would); none: the whole file. */
  timeBoxMs?: number | undefined;
  profile: boolean;
}

export interface RssSample {
  seconds: number;
  read: number;
  rssMB: number;
  /** V8 heap in use: growth here is retained objects; growth of RSS alone is the heap (or SQLite) sizing up. */
  heapMB: number;
}

export interface NightlyRunResult {
  seconds: number;
  read: number;
  /** When the time box stopped the run: the records fully done by then, and when. */
  atStop: { seconds: number; done: number } | undefined;
  interrupted: boolean;
  /** RSS once everything is imported and opened, before the first record. */
  startRssMB: number;
  /** `process.resourceUsage().maxRSS`: the highest RSS of the whole process. */
  maxRssMB: number;
  samples: RssSample[];
  providers: Record<string, unknown>;
  invalid: number;
  failures: unknown[];
}

const options = JSON.parse(process.argv[2] ?? '{}') as NightlyRunOptions;
const MB = 1024 * 1024;

const { config, adapters } = parseConfig(options.config, {});
const store = SqliteStateStore.open(options.state);
const engine = new SyncEngine(adapters, store, config.retry);
const source = await openSource({ input: options.input });
const startRssMB = process.memoryUsage().rss / MB;

/** The source's first `max` lines (the reader itself is the real one; the generated file has no blank line). */
async function* take(batches: AsyncIterable<readonly SourceItem[]>, max: number | undefined): AsyncGenerator<readonly SourceItem[]> {
  let count = 0;
  for await (const batch of batches) {
    if (max !== undefined && count + batch.length >= max) {
      yield batch.slice(0, max - count);
      return;
    }
    yield batch;
    count += batch.length;
  }
}

let progress: Readonly<Progress> | undefined;
const samples: RssSample[] = [];
const started = performance.now();
const sample = (): void => {
  const memory = process.memoryUsage();
  samples.push({ seconds: (performance.now() - started) / 1000, read: progress?.read ?? 0, rssMB: memory.rss / MB, heapMB: memory.heapUsed / MB });
};
const sampler = setInterval(sample, 250);
const stop = new AbortController();
/** Where the run stood when the time box ran out (the records in flight then still finish, untimed). */
let atStop: { seconds: number; done: number } | undefined;
const box =
  options.timeBoxMs === undefined
    ? undefined
    : setTimeout(() => {
        atStop = { seconds: (performance.now() - started) / 1000, done: progress?.done ?? 0 };
        stop.abort();
      }, options.timeBoxMs);

const log = (message: string): void => console.log(`  [nightly run] ${message}`);
const { value: report } = await profiled({ profile: options.profile, log }, 'nightly-diff', () =>
  runSync({
    engine,
    batches: take(source.batches, options.maxRecords),
    // As the CLI does: lines byte-identical to last night's confirmed ones are skipped unparsed.
    rawFingerprint: rawFingerprint(adapters),
    signal: stop.signal,
    onProgress: (p) => {
      progress = p;
    },
  }),
);
const seconds = (performance.now() - started) / 1000;
clearTimeout(box);
clearInterval(sampler);
sample();
await source.close();
await engine.close();

const result: NightlyRunResult = {
  seconds,
  read: report.records.read,
  atStop,
  interrupted: report.interrupted,
  startRssMB,
  maxRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
  samples,
  providers: report.providers,
  invalid: report.records.invalid,
  failures: report.failures.slice(0, 5),
};
process.send?.(result, () => process.exit(0));
