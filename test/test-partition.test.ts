// Every test file runs in CI exactly once: `bash .ci/run` runs `npm test` and the `npm run test:*` scripts that
// split the suite (the Redis/PostgreSQL tests, the packed build, the chaos and crash runs), each a vitest config
// of its own. A file no config includes would never run; one that two include would run twice (and make CI
// slower for nothing). `npm run test:chaos` (manual) may run files of CI's again, at full size.
//
// The configs' include and exclude are resolved by vitest itself (the files `vitest run --config X` would run),
// so what is checked is what runs, not a second reading of the globs.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVitest } from 'vitest/node';

const root = resolve(import.meta.dirname, '..');

/** test/**\/*.test.ts and examples/**\/*.test.ts, relative to the root. */
function testFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path);
    }
  };
  walk('test');
  walk('examples');
  return found.sort();
}

const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The vitest config an npm script runs, or undefined when it runs no vitest. */
function configOf(script: string): string | undefined {
  const command = scripts[script];
  if (command === undefined) throw new Error(`.ci/run runs npm script "${script}", which package.json does not have`);
  if (!/^vitest run\b/.test(command)) return undefined;
  return /(?:--config|-c)[ =](\S+)/.exec(command)?.[1] ?? 'vitest.config.ts';
}

/** The vitest configs `bash .ci/run` runs, from its `npm test` and `npm run <script>` lines. */
function ciConfigs(): string[] {
  const configs: string[] = [];
  for (const line of readFileSync(join(root, '.ci/run'), 'utf8').split('\n')) {
    const script = /^\s*npm test\b/.test(line) ? 'test' : /^\s*npm run ([\w:-]+)/.exec(line)?.[1];
    const config = script === undefined ? undefined : configOf(script);
    if (config !== undefined) configs.push(config);
  }
  return configs;
}

/** The files `vitest run --config <config>` runs, relative to the root. */
async function filesOf(config: string): Promise<string[]> {
  const vitest = await createVitest('test', { config: join(root, config), root, watch: false, run: true, reporters: [] });
  try {
    return (await vitest.globTestSpecifications()).map((spec) => relative(root, spec.moduleId)).sort();
  } finally {
    await vitest.close();
  }
}

describe('the test configs', () => {
  it('run every test file in CI exactly once; test:chaos only files CI runs too', async () => {
    const configs = ciConfigs();
    expect(configs).toEqual(
      expect.arrayContaining(['vitest.config.ts', 'vitest.scale.config.ts', 'vitest.pack.config.ts', 'vitest.reliability.config.ts']),
    );
    const runs = new Map<string, string[]>();
    for (const config of configs) for (const file of await filesOf(config)) runs.set(file, [...(runs.get(file) ?? []), config]);

    const all = testFiles();
    const notOnce = all.filter((file) => runs.get(file)?.length !== 1).map((file) => ({ file, configs: runs.get(file) ?? [] }));
    expect(notOnce, 'test files run by no CI config, or by more than one').toEqual([]);
    // Nothing run that the globs above do not see (a test file elsewhere would escape this check).
    expect([...runs.keys()].filter((file) => !all.includes(file))).toEqual([]);

    const chaos = configOf('test:chaos');
    expect(chaos).toBeDefined();
    const chaosFiles = await filesOf(chaos ?? '');
    expect(chaosFiles.length).toBeGreaterThan(0);
    expect(chaosFiles.filter((file) => !runs.has(file)), 'test:chaos files that CI never runs').toEqual([]);
  });
});
