/**
 * The nightly scenarios (issue 13, point 1), one per size: `customer-sync sync` of an NDJSON file through the built
 * CLI (`node dist/cli.js sync --config … --input … --state … --json`), to one provider with no limit (the config's
 * maximum rate, 64 requests in flight), as a nightly job runs it.
 *
 * - First night: a real first full sync of the file, every customer created at the sandbox, up to 200,000 lines;
 *   above (and `--quick`), a prefilled state that the CLI completes (nightly-cache.ts, nightly-prefill.ts; cached
 *   between runs). Figure: the CLI run's peak RSS.
 * - No change: the same file again, on a copy of the first night's state. Figures: lines per second after start-up,
 *   that rate ÷ reading, splitting and hashing the same file (nightly-baseline.ts, in this process), and peak RSS.
 *   "After start-up" is the run as its report stamps it, `startedAt` → `finishedAt`: from the moment the run begins
 *   (config read, adapters and state opened, before the first line is read) to its end, so whatever grows with the
 *   state (loading what it remembers) counts as the scan's. Start-up alone is also measured, as the same CLI on an
 *   empty input (`--allow-empty`) and a fresh state, and wall − start-up is shown beside it; it is not the figure,
 *   because the difference of two processes' medians carries each one's start-up noise (half a second and more on a
 *   loaded 2-core machine) into a scan of well under a second at 200,000 lines.
 * - 1 % changed: tonight's file, where 1 % of the customers differ (`isChanged`), on a copy of the same state.
 *   Figure: (its wall time − the no-change night's) ÷ changed records, in ms; and peak RSS.
 *
 * The four (start-up, baseline, no change, 1 % changed) are measured in interleaved rounds and compared by their
 * medians. Each CLI run's peak RSS is its own process's (`nightly-peak-rss.ts`). Every run's report is checked: a
 * no-change night must find every line unchanged and send nothing; the changed night must update exactly the
 * changed customers, none failed.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyncReport } from '../src/job/report.js';
import { changedAmong } from './customers.js';
import {
  atLeast,
  atMost,
  childProfile,
  figure,
  interleave,
  median,
  round,
  runBuiltCli,
  type BenchContext,
  type Scenario,
  type ScenarioResult,
} from './harness.js';
import { readSplitHash } from './nightly-baseline.js';
import { copyState, NIGHTLY_PROVIDER, parseReport, REAL_FIRST_NIGHT_MAX, sizeName, tonight } from './nightly-cache.js';

/** `--only nightly` selects every nightly scenario of the run. */
export const NIGHTLY_GROUP = 'nightly';

const TARGET_LINES_PER_SECOND = 250_000;
const TARGET_SHARE_OF_BASELINE = 0.75;
const TARGET_MS_PER_CHANGED = 0.7;
const TARGET_RSS_MB = 300;
const ROUNDS = 3;

const count = (n: number): string => n.toLocaleString('en-US');

interface Expected {
  what: string;
  lines: number;
  updated: number;
}

/** The report must say exactly what the night was: every other line unchanged, the changed ones updated, no failure. */
function check(report: SyncReport, code: number | null, expected: Expected): void {
  const counts = report.providers[NIGHTLY_PROVIDER];
  const sound =
    code === 0 &&
    !report.interrupted &&
    report.records.read === expected.lines &&
    report.records.invalid === 0 &&
    counts?.updated === expected.updated &&
    counts.unchanged === expected.lines - expected.updated &&
    counts.created === 0 &&
    counts.failed === 0 &&
    (expected.updated > 0 || counts.requests === 0);
  if (!sound) {
    throw new Error(
      `nightly ${expected.what}: exit ${code}, ${report.records.read} read, ${JSON.stringify(counts)} ` +
        `(expected ${expected.updated} updated of ${expected.lines}); failures ${JSON.stringify(report.failures.slice(0, 3))}`,
    );
  }
}

export function nightlyScenario(lines: number): Scenario {
  return {
    name: `${NIGHTLY_GROUP}-${sizeName(lines)}`,
    title: `Nightly sync of ${count(lines)} lines, node dist/cli.js, one provider, no limit: first night, no change, 1 % changed`,
    run: (ctx) => runNights(ctx, lines),
  };
}

async function runNights(ctx: BenchContext, lines: number): Promise<ScenarioResult> {
  const { cache, host, config } = await tonight(ctx, lines);
  const configFile = join(ctx.tmpDir, `nightly-${lines}-config.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const empty = join(ctx.tmpDir, 'empty.ndjson');
  writeFileSync(empty, '');
  const state = join(ctx.tmpDir, `nightly-${lines}-state.db`);
  const peakRssFile = join(ctx.tmpDir, `nightly-${lines}-rss.json`);
  const changed = changedAmong(lines);
  const peaks = { unchanged: [] as number[], changed: [] as number[] };
  /** Each run's own time, as its report stamps it: `startedAt` (the run begins, before its first read) → `finishedAt`. */
  const runs = { unchanged: [] as number[], changed: [] as number[] };

  /** One night on a fresh copy of the first night's state; resolves with its wall time. */
  const night = async (input: string, what: 'unchanged' | 'changed', cpuProfile?: string): Promise<number> => {
    copyState(cache.state, state);
    rmSync(peakRssFile, { force: true });
    const run = await runBuiltCli(['sync', '--config', configFile, '--input', input, '--state', state, '--json'], {
      cwd: ctx.tmpDir,
      peakRssFile,
      ...(cpuProfile === undefined ? {} : { cpuProfile }),
    });
    const report = parseReport(run.stdout, run.stderr, what);
    check(report, run.code, { what, lines, updated: what === 'changed' ? changed : 0 });
    if (cpuProfile === undefined) {
      peaks[what].push(run.peakRssMB ?? Number.NaN);
      runs[what].push((Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000);
    }
    return run.seconds;
  };
  let startUps = 0;
  const startUp = async (): Promise<number> => {
    const fresh = join(ctx.tmpDir, `nightly-start-up-${startUps++}.db`);
    const run = await runBuiltCli(['sync', '--config', configFile, '--input', empty, '--state', fresh, '--allow-empty', '--json'], { cwd: ctx.tmpDir, peakRssFile });
    if (run.code !== 0) throw new Error(`nightly start-up: exit ${run.code}; stderr:\n${run.stderr.slice(-2000)}`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${fresh}${suffix}`, { force: true });
    return run.seconds;
  };

  let sides;
  try {
    ctx.log(`nightly ${count(lines)}: ${ROUNDS} rounds of start-up, read+split+sha256, no change, 1 % changed (${count(changed)} customers)`);
    sides = await interleave(ROUNDS, {
      startUp,
      baseline: async () => {
        const baseline = await readSplitHash(cache.lastNight);
        if (baseline.lines !== lines) throw new Error(`nightly baseline: ${baseline.lines} lines in ${cache.lastNight}, expected ${lines}`);
        return baseline.seconds;
      },
      unchanged: () => night(cache.lastNight, 'unchanged'),
      changed: () => night(cache.tonight, 'changed'),
    });
    if (ctx.profile) {
      // Profiled once more each, outside the rounds: the profiler's cost stays out of the figures.
      for (const [input, what] of [[cache.lastNight, 'unchanged'], [cache.tonight, 'changed']] as const) {
        const name = `nightly-${sizeName(lines)}-${what === 'unchanged' ? 'no-change' : 'changed'}`;
        await night(input, what, name);
        childProfile(ctx, name);
      }
    }
  } finally {
    await host.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${state}${suffix}`, { force: true });
  }

  const scanSeconds = median(runs.unchanged);
  const rate = lines / scanSeconds;
  const share = sides.baseline.median / scanSeconds;
  const byStartUp = lines / (sides.unchanged.median - sides.startUp.median);
  const msPerChanged = ((sides.changed.median - sides.unchanged.median) * 1000) / changed;
  const peak = (list: number[]): number => Math.max(...list);
  const first = cache.firstNight;
  const firstLoad = `load ${first.load.start[0]} → ${first.load.end[0]} on ${first.load.cpus} cpus${first.load.noisy ? ', noisy' : ''}`;
  const medians = `medians of ${ROUNDS}`;
  return {
    figures: [
      figure(
        first.kind === 'real' ? 'first night, a real first sync: peak RSS' : 'first night, prefilled: peak RSS',
        Math.round(first.peakRssMB),
        'MB',
        atMost(TARGET_RSS_MB),
        `${cache.built ? 'this run' : `cached, measured ${first.at}`}: ` +
          (first.kind === 'real'
            ? `${count(lines)} lines created in ${first.seconds} s (${count(Math.round(lines / first.seconds))} lines/s)`
            : `state prefilled (${ctx.quick ? '--quick' : ctx.prefill ? '--prefill' : `more than ${count(REAL_FIRST_NIGHT_MAX)} lines`}), then the CLI over last night's file ` +
              `in ${first.seconds} s, nothing sent`) +
          `; ${firstLoad}`,
      ),
      figure(
        'no change: lines/s after start-up',
        Math.round(rate),
        'lines/s',
        atLeast(TARGET_LINES_PER_SECOND),
        `${medians}: the run ${scanSeconds.toFixed(2)} s as its report stamps it (startedAt → finishedAt) of ${sides.unchanged.median.toFixed(2)} s ` +
          `wall; start-up alone (an empty input) ${sides.startUp.median.toFixed(2)} s, and wall − start-up gives ${count(Math.round(byStartUp))} lines/s`,
      ),
      figure(
        'no change ÷ read+split+sha256',
        round(share),
        'ratio',
        atLeast(TARGET_SHARE_OF_BASELINE),
        `the same file read, split and hashed in ${sides.baseline.median.toFixed(2)} s = ${count(Math.round(lines / sides.baseline.median))} lines/s`,
      ),
      figure('no change: peak RSS', Math.round(peak(peaks.unchanged)), 'MB', atMost(TARGET_RSS_MB)),
      figure(
        '1 % changed: ms per changed record',
        round(msPerChanged, 3),
        'ms',
        atMost(TARGET_MS_PER_CHANGED),
        `${medians}: ${sides.changed.median.toFixed(2)} s − ${sides.unchanged.median.toFixed(2)} s (no change), ${count(changed)} records updated`,
      ),
      figure('1 % changed: peak RSS', Math.round(peak(peaks.changed)), 'MB', atMost(TARGET_RSS_MB)),
    ],
    details: {
      lines,
      changed,
      provider: NIGHTLY_PROVIDER,
      rounds: ROUNDS,
      seconds: Object.fromEntries(Object.entries(sides).map(([name, side]) => [name, { median: round(side.median), samples: side.samples.map((s) => round(s)) }])),
      reportedRunSeconds: { unchanged: runs.unchanged, changed: runs.changed },
      linesPerSecondByStartUp: Math.round(byStartUp),
      peakRssMB: { firstNight: first.peakRssMB, unchanged: peaks.unchanged.map((mb) => round(mb, 1)), changed: peaks.changed.map((mb) => round(mb, 1)) },
      firstNight: first,
      cache: { dir: cache.dir, builtInThisRun: cache.built, key: cache.key },
    },
  };
}
