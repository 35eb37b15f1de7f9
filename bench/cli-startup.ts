/**
 * Scenario `cli-startup`, issue 13 point 3 ("Instant CLI"): how long `customer-sync --help`, `--version` and
 * `sync --help` take as a user runs them, `node dist/cli.js …`, one process each, from the spawn to the exit.
 * Rounds interleave the commands (order rotating each round) with `node -e 0`, node's own start-up on this machine
 * at this moment, so that a busy spell weighs on every side alike. Figures: median and p90 wall; target ≤ 0.35 s for
 * --help and --version. Each command's modules are counted once (ESM through the loader, CommonJS from require's
 * cache) and reported beside them: test/light-imports.test.ts and its test:pack twin bound the same counts.
 *
 * It measures dist/ as it is: dist/cli.js must exist (`npm run build`; `npm run bench` builds it first).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { atMost, figure, percentile, ROOT_DIR, round, type BenchContext, type Figure, type Scenario, type ScenarioResult } from './harness.js';

const CLI = join(ROOT_DIR, 'dist', 'cli.js');
/** The target for `--help` and `--version`, wall seconds. */
const TARGET_SECONDS = 0.35;

interface Command {
  label: string;
  args: string[];
  /** Whether the issue sets the target for it; `sync --help` is measured against the same bar, for information. */
  target: boolean;
}

const COMMANDS: readonly Command[] = [
  { label: '--help', args: ['--help'], target: true },
  { label: '--version', args: ['--version'], target: true },
  { label: 'sync --help', args: ['sync', '--help'], target: false },
];

/** Wall seconds of `node <args>` from the spawn to the exit; rejects unless it exits 0. */
function timed(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<{ seconds: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT_DIR, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      child.on('close', () => (code === 0 ? resolve({ seconds, stdout }) : reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim()}`))));
    });
  });
}

/**
 * A preload that logs each module a process loads: through the ESM loader with its format (a hook, in the loader's
 * thread), and, at exit, require's cache (CommonJS required by CommonJS never passes the hooks). Written to the
 * scratch folder, so the bench needs nothing of test/.
 */
function writeModuleLogger(dir: string): string {
  const hooks = join(dir, 'module-log-hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  appendFileSync(file, result.format + ' ' + url + '\\n');
  return result;
}
`,
  );
  const preload = join(dir, 'module-log.mjs');
  writeFileSync(
    preload,
    `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
const file = process.env.CUSTOMER_SYNC_BENCH_MODULE_LOG;
register(${JSON.stringify(pathToFileURL(hooks).href)}, import.meta.url, { data: { file } });
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(file, Object.keys(cache).map((path) => 'require ' + pathToFileURL(path).href + '\\n').join('')));
`,
  );
  return preload;
}

interface ModuleCount {
  /** ES modules (format `module`) through the loader. */
  esm: number;
  /** CommonJS files: require's cache, and CommonJS or JSON the loader saw that the cache does not hold. */
  cjs: number;
  /** Distinct files: the two together. */
  files: number;
}

async function countModules(preload: string, dir: string, command: Command): Promise<ModuleCount> {
  const log = join(dir, `modules-${command.label.replace(/\W+/g, '_')}.txt`);
  writeFileSync(log, '');
  await timed(['--import', pathToFileURL(preload).href, CLI, ...command.args], { ...process.env, CUSTOMER_SYNC_BENCH_MODULE_LOG: log });
  const esm = new Set<string>();
  const cjs = new Set<string>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const [kind, url] = line.split(' ');
    if (url === undefined || !url.startsWith('file:')) continue;
    (kind === 'module' ? esm : cjs).add(url);
  }
  for (const url of esm) cjs.delete(url);
  return { esm: esm.size, cjs: cjs.size, files: esm.size + cjs.size };
}

function spread(values: readonly number[]): { median: number; p90: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p90: percentile(sorted, 90), min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN };
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run bench builds it)`);
  const rounds = ctx.quick ? 7 : 21;

  // What each prints, once, so that a broken build is not timed as a fast one.
  const help = await timed([CLI, '--help']);
  if (!help.stdout.startsWith('Usage: customer-sync')) throw new Error(`dist/cli.js --help printed: ${help.stdout.slice(0, 200)}`);
  const version = await timed([CLI, '--version']);
  if (!/^\d+\.\d+\.\d+\S*\n$/.test(version.stdout)) throw new Error(`dist/cli.js --version printed: ${version.stdout.slice(0, 200)}`);

  const sides: Array<{ label: string; args: string[] }> = [{ label: 'node -e 0', args: ['-e', '0'] }, ...COMMANDS.map((c) => ({ label: c.label, args: [CLI, ...c.args] }))];
  const walls = new Map<string, number[]>(sides.map((side) => [side.label, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(r + i) % sides.length] as (typeof sides)[number];
      walls.get(side.label)?.push((await timed(side.args)).seconds);
    }
  }
  ctx.log(`${rounds} rounds of ${sides.map((s) => s.label).join(', ')}, interleaved`);

  const preload = writeModuleLogger(ctx.tmpDir);
  const modules = new Map<string, ModuleCount>();
  for (const command of COMMANDS) modules.set(command.label, await countModules(preload, ctx.tmpDir, command));

  const node = spread(walls.get('node -e 0') ?? []);
  const figures: Figure[] = [];
  const details: Record<string, unknown> = { rounds, nodeAlone: roundAll(node) };
  for (const command of COMMANDS) {
    const wall = spread(walls.get(command.label) ?? []);
    const count = modules.get(command.label);
    const counted = count === undefined ? '' : `${count.files} module files (${count.esm} ESM, ${count.cjs} CommonJS)`;
    const why = command.target ? 'issue 13 target' : 'not an issue target: the same bar, for a command\'s own help';
    const note = `${rounds} runs interleaved; ${counted}; node -e 0 alone: median ${node.median.toFixed(3)} s; ${why}`;
    figures.push(figure(`${command.label} median wall`, round(wall.median), 's', atMost(TARGET_SECONDS), note));
    figures.push(figure(`${command.label} p90 wall`, round(wall.p90), 's', atMost(TARGET_SECONDS)));
    details[command.label] = { wall: roundAll(wall), modules: count };
  }
  return { figures, details };
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, round(value)]));
}

export const cliStartupScenario: Scenario = {
  name: 'cli-startup',
  title: 'customer-sync --help, --version and sync --help from dist/: wall per process, modules loaded',
  run,
};
