/**
 * `npm run bench [-- --quick] [-- --only <name>[,<name>]] [-- --profile] [-- --prefill-all]`
 *
 * Runs each scenario against the sandbox providers over loopback, prints one table (every figure with its target
 * and PASS/MISS) and writes bench/results.json with the machine it ran on. Every figure is a ratio or a time
 * measured in this run, side by side with its baseline where it has one. Exit code 0 even when a target is missed:
 * the table says so; 2 for bad flags; 1 when a scenario could not run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, machineInfo, renderTable, type BenchContext, type Scenario, type ScenarioResult } from './harness.js';
import { latencyScenario } from './latency-concurrency.js';
import { nightlyScenario } from './nightly-diff.js';
import { pipelineCostScenario } from './pipeline-cost.js';
import { pushOverheadScenario } from './push-overhead.js';
import { rateLimitScenario } from './rate-limit.js';
import { sharedLimitScenario } from './shared-limit.js';
import { undisclosedLimitScenario } from './undisclosed-limit.js';

const SCENARIOS: readonly Scenario[] = [
  rateLimitScenario,
  undisclosedLimitScenario,
  pipelineCostScenario,
  latencyScenario,
  nightlyScenario,
  pushOverheadScenario,
  sharedLimitScenario,
];

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench -- [--quick] [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--profile] [--prefill-all]`);
  process.exit(2);
}

let flags: { quick: boolean; only: string | undefined; profile: boolean; prefillAll: boolean };
try {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'prefill-all': { type: 'boolean', default: false },
    },
    strict: true,
  });
  flags = { quick: values.quick === true, only: values.only, profile: values.profile === true, prefillAll: values['prefill-all'] === true };
} catch (error) {
  usage((error as Error).message);
}

const names = flags.only?.split(',').map((name) => name.trim()).filter((name) => name !== '');
for (const name of names ?? []) {
  if (!SCENARIOS.some((s) => s.name === name)) usage(`unknown scenario "${name}"`);
}
const selected = names === undefined ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));

const tmpDir = mkdtempSync(join(tmpdir(), 'customer-sync-bench-'));
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const ctx: BenchContext = {
  quick: flags.quick,
  profile: flags.profile,
  prefillAll: flags.prefillAll,
  tmpDir,
  log: (message) => console.log(`  [${elapsed()}] ${message}`),
};

const results: Array<{ scenario: Scenario; result: ScenarioResult | undefined; error?: string; seconds: number }> = [];
try {
  for (const scenario of selected) {
    console.log(`[${elapsed()}] ${scenario.name}: ${scenario.title}`);
    const t0 = performance.now();
    try {
      const result = await scenario.run(ctx);
      results.push({ scenario, result, seconds: (performance.now() - t0) / 1000 });
      for (const f of result.figures) {
        console.log(`  ${f.pass ? 'PASS' : 'MISS'} ${f.label}: ${f.value}${f.note === undefined ? '' : `  (${f.note})`}`);
      }
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`  ${scenario.name} failed: ${message}`);
      results.push({ scenario, result: undefined, error: error instanceof Error ? error.message : String(error), seconds: (performance.now() - t0) / 1000 });
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
  scenarios: results.map(({ scenario, result, error, seconds }) => ({
    name: scenario.name,
    title: scenario.title,
    seconds: Math.round(seconds * 10) / 10,
    ...(result === undefined ? { error } : { figures: result.figures, details: result.details }),
  })),
};
writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(output, null, 2)}\n`);
console.log('\nwrote bench/results.json');
process.exitCode = results.some((r) => r.result === undefined) ? 1 : 0;
