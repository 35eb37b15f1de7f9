import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { build, type Options } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../tsup.config.js';
import { PROVIDER_IDS } from '../../src/providers.js';
import {
  DEPENDENCIES,
  HEAVY_PACKAGES,
  HELP_HEAVY_PACKAGES,
  HELP_MODULE_BOUND,
  HELPERS,
  LINKED_CUSTOMER,
  listedCommands,
  loadedPackages,
  runLogged,
  startProviders,
} from '../helpers/light-imports.js';

// test/light-imports.test.ts against the package as installed from its tarball: the adapter subpaths and the
// command, as bundled (with splitting, a chunk shared with the main entry or a command could bring SQLite or
// BullMQ in). The package is built here with the project's tsup config into a folder of its own (not dist/, which
// test/pack/pack.test.ts rebuilds through `npm pack` meanwhile), without declarations, then packed and installed.

const root = resolve(import.meta.dirname, '../..');
let dir: string;
let consumer: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The loaded files of the installed package, and those of them that hold code of a store or of the queue. */
function ownCode(modules: readonly string[]): { files: string[]; heavy: string[] } {
  const files = modules.filter((path) => path.includes('/node_modules/customer-sync/'));
  const heavy = files.filter((path) => /class (SqliteStateStore|PostgresStateStore|PushWorker|PushQueue)\b/.test(readFileSync(path, 'utf8')));
  return { files, heavy };
}

describe('the installed package loads light', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'customer-sync-light-'));
    const pkg = join(dir, 'package');
    const options = (Array.isArray(config) ? config[0] : config) as Options;
    await build({ ...options, config: false, outDir: join(pkg, 'dist'), dts: false, sourcemap: false, silent: true });
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    copyFileSync(join(root, 'README.md'), join(pkg, 'README.md'));
    // --ignore-scripts: the build is above (prepack would build into the project's dist/).
    run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], pkg);
    const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    consumer = join(dir, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // --ignore-scripts: better-sqlite3 is not compiled, and nothing here may need it.
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', join(dir, tarball)], consumer);
    // The child resolves `customer-sync/adapters/<id>` from where it is.
    cpSync(join(HELPERS, 'push-child.mjs'), join(consumer, 'push-child.mjs'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(PROVIDER_IDS)('customer-sync/adapters/%s, imported and pushing one customer: no SQLite, BullMQ, Redis or PostgreSQL code', async (id) => {
    const providers = await startProviders();
    try {
      const result = await runLogged(['push-child.mjs', `customer-sync/adapters/${id}`, id], {
        cwd: consumer,
        env: { CUSTOMER_SYNC_ADAPTER_OPTIONS: JSON.stringify(providers.optionsFor(id)), CUSTOMER_SYNC_CUSTOMER: JSON.stringify(LINKED_CUSTOMER) },
      });
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({ status: 'updated' });
      expect(result.code).toBe(0);
      const own = ownCode(result.modules);
      expect(own.files).toContain(join(consumer, 'node_modules/customer-sync/dist/adapters', `${id}.js`));
      expect(loadedPackages(result.modules, ['axios', 'zod'])).toEqual(['axios', 'zod']);

      expect(loadedPackages(result.modules, HEAVY_PACKAGES)).toEqual([]);
      expect(own.heavy).toEqual([]);
    } finally {
      await providers.close();
    }
  });

  it.each([['--help'], ['--version']])('customer-sync %s: commander alone of the dependencies, no command, at most HELP_MODULE_BOUND.dist modules', async (flag) => {
    const result = await runLogged([join(consumer, 'node_modules/customer-sync/dist/cli.js'), flag], { cwd: consumer });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    if (flag === '--version') expect(result.stdout).toBe(`${(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version}\n`);
    else expect(result.stdout).toContain('Usage: customer-sync');

    expect(loadedPackages(result.modules, DEPENDENCIES)).toEqual(['commander']);
    expect(loadedPackages(result.modules, HELP_HEAVY_PACKAGES)).toEqual([]);
    expect(ownCode(result.modules).heavy).toEqual([]);
    // dist/cli.js and the chunks it imports; a command's own chunk is named after it (sync-command-<hash>.js, …).
    expect(ownCode(result.modules).files.map((path) => basename(path)).filter((name) => name !== 'cli.js' && !name.startsWith('chunk-'))).toEqual([]);
    expect(result.modules.length, result.modules.join('\n')).toBeLessThanOrEqual(HELP_MODULE_BOUND.dist);
  });

  it("each command's own --help loads no command and no dependency but commander; state resolve's, the registry for the ids", async () => {
    const cli = join(consumer, 'node_modules/customer-sync/dist/cli.js');
    const seen: string[] = [];
    const queue: string[][] = [[]];
    for (let command = queue.shift(); command !== undefined; command = queue.shift()) {
      const name = command.join(' ');
      const result = await runLogged([cli, ...command, '--help'], { cwd: consumer });
      expect({ name, code: result.code, stderr: result.stderr }).toEqual({ name, code: 0, stderr: '' });
      expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: ${['customer-sync', ...command].join(' ')} \\[`));
      seen.push(name);
      queue.push(...listedCommands(result.stdout).map((sub) => [...command, sub]));

      const registry = name === 'state resolve';
      // The ids state resolve lists come from the registry, whose definitions bring zod; nothing heavier.
      expect({ name, packages: loadedPackages(result.modules, [...DEPENDENCIES, ...HELP_HEAVY_PACKAGES]) }).toEqual({
        name,
        packages: registry ? ['commander', 'zod'] : ['commander'],
      });
      expect({ name, heavy: ownCode(result.modules).heavy }).toEqual({ name, heavy: [] });
      const own = ownCode(result.modules).files.map((path) => basename(path));
      const allowed = (file: string): boolean => file === 'cli.js' || file.startsWith('chunk-') || (registry && file.startsWith('providers-'));
      expect({ name, files: own.filter((file) => !allowed(file)) }).toEqual({ name, files: [] });
    }
    expect(seen).toEqual(expect.arrayContaining(['', 'sync', 'worker', 'sandbox', 'check', 'state', 'state list', 'state resolve', 'state forget']));
  });

  it('the main entry may load SQLite (it exports SqliteStateStore), and still no BullMQ, Redis or PostgreSQL', async () => {
    writeFileSync(join(consumer, 'main.mjs'), "import { createCustomerSync } from 'customer-sync';\nconsole.log(typeof createCustomerSync);\n");
    const result = await runLogged(['main.mjs'], { cwd: consumer });
    expect(result.stdout.trim()).toBe('function');
    expect(loadedPackages(result.modules, HEAVY_PACKAGES.filter((name) => name !== 'better-sqlite3' && name !== 'bindings'))).toEqual([]);
  });
});
