/**
 * `npm run bench [-- --quick] [-- --only <name>[,<name>]] [-- --profile] [-- --lines <n>] [-- --fresh-cache] [-- --prefill]`
 *
 * Runs each scenario against the sandbox providers over loopback, prints one table (every figure with its target
 * and PASS/MISS, and the load average at the scenario's start and end, `noisy` when it exceeded the cores) and writes
 * bench/results.json with the machine it ran on. Every figure is a ratio or a time measured in this run, side by side
 * with its baseline where it has one. Exit code 0 even when a target is missed: the table says so; 2 for bad flags;
 * 1 when a scenario could not run.
 *
 * `npm run bench` builds dist/ and this bench (bench/tsup.config.ts) first and runs the compiled bench: the
 * in-process scenarios measure built code, the nightly and shared-limit ones `node dist/cli.js`.
 *
 * - `--quick`: shorter runs, and the nightly scenario at 20,000 lines only (CI's smoke run).
 * - `--only a,b`: these scenarios; `nightly` stands for every nightly size of the run.
 * - `--profile`: CPU profiles of the measured phases → bench/profiles/, summarised on the console.
 * - `--lines n`: the nightly scenario at n lines instead of its usual sizes (e.g. `--only nightly --lines 5000000`).
 * - `--fresh-cache`: rebuild the nightly scenarios' cached first night (a real first sync) even when it is sound.
 * - `--prefill`: every nightly size's first night prefilled (minutes, not the half hour of 200,000 real creates); its
 *   peak RSS is then not a real first sync's. The cache remembers how it was made, so the next run without the flag
 *   builds a real one again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, loadNow, loadRecord, machineInfo, renderTable, type BenchContext, type Scenario, type ScenarioRow } from './harness.js';
import { cliStartupScenario } from './cli-startup.js';
import { latencyScenario } from './latency-concurrency.js';
import { nightlyScenario, NIGHTLY_GROUP } from './nightly.js';
import { pipelineCostScenario } from './pipeline-cost.js';
import { pushOverheadScenario } from './push-overhead.js';
import { rateLimitScenario } from './rate-limit.js';
import { sharedLimitScenario } from './shared-limit.js';
import { undisclosedLimitScenario } from './undisclosed-limit.js';

const USAGE = 'usage: npm run bench -- [--quick] [--only <names>] [--profile] [--lines <n>] [--fresh-cache] [--prefill]';

function usage(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let flags: { quick: boolean; only: string | undefined; profile: boolean; lines: number | undefined; freshCache: boolean; prefill: boolean };
try {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      lines: { type: 'string' },
      'fresh-cache': { type: 'boolean', default: false },
      prefill: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const lines = values.lines === undefined ? undefined : Number(values.lines.replaceAll('_', ''));
  if (lines !== undefined && (!Number.isSafeInteger(lines) || lines < 100)) usage(`--lines must be a whole number of at least 100, not "${values.lines}"`);
  flags = { quick: values.quick === true, only: values.only, profile: values.profile === true, lines, freshCache: values['fresh-cache'] === true, prefill: values.prefill === true };
} catch (error) {
  usage((error as Error).message);
}

const nightlySizes = flags.lines !== undefined ? [flags.lines] : flags.quick ? [20_000] : [200_000, 1_000_000];
const SCENARIOS: readonly Scenario[] = [
  rateLimitScenario,
  undisclosedLimitScenario,
  pipelineCostScenario,
  latencyScenario,
  ...nightlySizes.map(nightlyScenario),
  pushOverheadScenario,
  sharedLimitScenario,
  cliStartupScenario,
];

const isNightly = (scenario: Scenario): boolean => scenario.name.startsWith(`${NIGHTLY_GROUP}-`);
const names = flags.only?.split(',').map((name) => name.trim()).filter((name) => name !== '');
for (const name of names ?? []) {
  if (name !== NIGHTLY_GROUP && !SCENARIOS.some((s) => s.name === name)) {
    usage(`unknown scenario "${name}"; this run has ${SCENARIOS.map((s) => s.name).join(', ')} (and ${NIGHTLY_GROUP} for every nightly one)`);
  }
}
const selected = names === undefined ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name) || (names.includes(NIGHTLY_GROUP) && isNightly(s)));

const tmpDir = mkdtempSync(join(tmpdir(), 'customer-sync-bench-'));
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const ctx: BenchContext = {
  quick: flags.quick,
  profile: flags.profile,
  freshCache: flags.freshCache,
  prefill: flags.prefill,
  tmpDir,
  log: (message) => console.log(`  [${elapsed()}] ${message}`),
};

const results: Array<ScenarioRow & { seconds: number }> = [];
try {
  for (const scenario of selected) {
    const startLoad = loadNow();
    console.log(`[${elapsed()}] ${scenario.name}: ${scenario.title} (load ${startLoad.join(' ')})`);
    const t0 = performance.now();
    try {
      const result = await scenario.run(ctx);
      const load = loadRecord(startLoad, loadNow());
      results.push({ scenario, result, load, seconds: (performance.now() - t0) / 1000 });
      for (const f of result.figures) {
        console.log(`  ${f.pass ? 'PASS' : 'MISS'} ${f.label}: ${f.value}${f.note === undefined ? '' : `  (${f.note})`}`);
      }
      console.log(`  load ${load.start.join(' ')} → ${load.end.join(' ')} on ${load.cpus} cpus${load.noisy ? ': noisy' : ''}`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`  ${scenario.name} failed: ${message}`);
      const load = loadRecord(startLoad, loadNow());
      results.push({ scenario, result: undefined, load, error: error instanceof Error ? error.message : String(error), seconds: (performance.now() - t0) / 1000 });
    }
  }
} finally {
  rmSync(tmpDir, { recursive: true, force: true });
}

const machine = machineInfo();
console.log(`\ncustomer-sync benchmark${flags.quick ? ' (--quick)' : ''}: ${machine.cpus} × ${String(machine.cpuModel)}, node ${process.version}, ${elapsed()}\n`);
console.log(renderTable(results));
const notes = results.flatMap(({ scenario, result }) =>
  (result?.figures ?? []).filter((f) => f.note !== undefined).map((f) => `  ${scenario.name} / ${f.label}: ${f.note ?? ''}`),
);
if (notes.length > 0) console.log(`\n${notes.join('\n')}`);

const output = {
  machine,
  mode: flags.quick ? 'quick' : 'full',
  totalSeconds: Math.round((performance.now() - started) / 100) / 10,
  scenarios: results.map(({ scenario, result, error, seconds, load }) => ({
    name: scenario.name,
    title: scenario.title,
    seconds: Math.round(seconds * 10) / 10,
    loadAverage: { start: load.start, end: load.end },
    cpus: load.cpus,
    noisy: load.noisy,
    ...(result === undefined ? { error } : { figures: result.figures, details: result.details }),
  })),
};
writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(output, null, 2)}\n`);
console.log('\nwrote bench/results.json');
process.exitCode = results.some((r) => r.result === undefined) ? 1 : 0;
