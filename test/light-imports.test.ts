import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yativo, type YativoOptions } from '../adapters/yativo/index.js';
import { packageVersion } from '../src/cli/version.js';
import { PROVIDER_IDS } from '../src/providers.js';
import { BUILT_IN_DEFINITIONS } from '../src/registry.js';
import { createCustomerSync } from '../src/sync.js';
import {
  DEPENDENCIES,
  HEAVY_PACKAGES,
  HELP_CHILD,
  HELP_HEAVY_PACKAGES,
  HELP_MODULE_BOUND,
  heavySourceFile,
  LINKED_CUSTOMER,
  loadedPackages,
  PUSH_CHILD,
  PUSH_PACKAGES,
  runLogged,
  startProviders,
} from './helpers/light-imports.js';

// Issue 11, "light imports": `customer-sync/adapters/<id>` loads what pushing to that provider needs, and the CLI's
// help loads no command. Each case runs in a child process that logs every module it loads (test/helpers). The
// built package is checked the same way by test/pack/light-imports.test.ts.

const root = resolve(import.meta.dirname, '..');
const TSX = ['--import', 'tsx'];
/** A child takes about a second on an idle machine; far longer on a loaded one. */
const CHILD_TIMEOUT_MS = 60_000;

// Concurrent: each child spends most of its time loading modules, one core each.
describe('what is loaded', () => {
  let providers: Awaited<ReturnType<typeof startProviders>>;
  beforeAll(async () => {
    providers = await startProviders();
  });
  afterAll(async () => {
    await providers?.close();
  });

  it.concurrent.each(PROVIDER_IDS)('customer-sync/adapters/%s, imported and pushing one customer: no SQLite, BullMQ, Redis or PostgreSQL code', async (id) => {
    const entry = pathToFileURL(join(root, 'adapters', id, 'index.ts')).href;
    const run = await runLogged([PUSH_CHILD, entry, id], {
      cwd: root,
      nodeOptions: TSX,
      env: { CUSTOMER_SYNC_ADAPTER_OPTIONS: JSON.stringify(providers.optionsFor(id)), CUSTOMER_SYNC_CUSTOMER: JSON.stringify(LINKED_CUSTOMER) },
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ status: 'updated' });
    expect(run.code).toBe(0);
    // The log works: it holds the adapter and what the push used.
    expect(run.modules).toContain(join(root, 'adapters', id, 'index.ts'));
    expect(loadedPackages(run.modules, ['axios', 'zod'])).toEqual(['axios', 'zod']);

    expect(loadedPackages(run.modules, HEAVY_PACKAGES)).toEqual([]);
    expect(run.modules.filter(heavySourceFile).map((path) => path.slice(root.length + 1))).toEqual([]);
  }, CHILD_TIMEOUT_MS);

  it.concurrent.each([['--help'], ['--version']])(
    'customer-sync %s: commander alone of the dependencies, no command, and at most HELP_MODULE_BOUND.source modules',
    async (flag) => {
      const run = await runLogged([join(root, 'src/cli/main.ts'), flag], { cwd: root, nodeOptions: TSX });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      if (flag === '--version') expect(run.stdout).toBe(`${packageVersion()}\n`);
      else {
        expect(run.stdout).toContain('Usage: customer-sync');
        // The providers' names come from package.json's description, not from their definitions: it must name each.
        const text = run.stdout.replace(/\s+/g, ' ');
        const at = BUILT_IN_DEFINITIONS.map((definition) => text.indexOf(` ${definition.name}`));
        expect(at.every((index, i) => index > 0 && index > (at[i - 1] ?? 0)), `--help names ${BUILT_IN_DEFINITIONS.map((d) => d.name).join(', ')} in that order`).toBe(true);
      }

      expect(loadedPackages(run.modules, DEPENDENCIES)).toEqual(['commander']);
      expect(loadedPackages(run.modules, HELP_HEAVY_PACKAGES)).toEqual([]);
      const commands = run.modules.filter((path) => /\/src\/cli\/[^/]*-command\.ts$/.test(path) || heavySourceFile(path));
      expect(commands.map((path) => path.slice(root.length + 1))).toEqual([]);
      // Nor the sandbox: help needs its behaviours' names, not its server or the emulations; nor the registry.
      const sandbox = run.modules.filter((path) => /\/src\/sandbox\/(index|server|cli)\.ts$|\/adapters\/|\/src\/registry\.ts$/.test(path));
      expect(sandbox.map((path) => path.slice(root.length + 1))).toEqual([]);
      expect(run.modules.length, run.modules.join('\n')).toBeLessThanOrEqual(HELP_MODULE_BOUND.source);
    },
    CHILD_TIMEOUT_MS,
  );

  it.concurrent.each([
    ['state list', ['state', 'list', '--state', 'no-such-dir/state.db'], 2],
    ['init', ['init', join(tmpdir(), `cs-light-init-${process.pid}.json`), '--force'], 0],
  ] as const)('customer-sync %s pushes nothing: no HTTP client, phone library, logger, input parser or queue', async (_name, args, code) => {
    const run = await runLogged([join(root, 'src/cli/main.ts'), ...args], { cwd: root, nodeOptions: TSX });
    if (args[0] === 'init') rmSync(args[1], { force: true });
    expect(run.code, run.stderr).toBe(code);
    // The log works: it holds the command.
    expect(run.modules).toContain(join(root, `src/cli/${args[0]}-command.ts`));
    expect(loadedPackages(run.modules, PUSH_PACKAGES)).toEqual([]);
  }, CHILD_TIMEOUT_MS);

  it.concurrent('customer-sync sync of an NDJSON file: no CSV or JSON-array parser, no queue, Redis or PostgreSQL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-light-sync-'));
    try {
      const options = (id: string): Record<string, unknown> => {
        const { retry: _retry, ...rest } = providers.optionsFor(id);
        return rest;
      };
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ providers: Object.fromEntries(PROVIDER_IDS.map((id) => [id, options(id)])) }));
      const input = join(dir, 'customers.ndjson');
      writeFileSync(input, `${JSON.stringify(LINKED_CUSTOMER)}\n`);
      const run = await runLogged([join(root, 'src/cli/main.ts'), 'sync', '--config', config, '--input', input, '--state', join(dir, 'state.db'), '--json'], {
        cwd: root,
        nodeOptions: TSX,
      });
      expect(run.code, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as { records: { read: number } }).records.read).toBe(1);
      // The log works: the run read its input and pushed.
      expect(loadedPackages(run.modules, ['axios', 'better-sqlite3'])).toEqual(['axios', 'better-sqlite3']);
      expect(loadedPackages(run.modules, ['csv-parse', '@streamparser/json', 'bullmq', 'ioredis', 'pg'])).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, CHILD_TIMEOUT_MS);

  it.concurrent("each command's own --help loads no command and no dependency; state resolve's, the registry for the ids", async () => {
    // One child runs them all, state resolve last: what each loads first is logged after its mark.
    const run = await runLogged([HELP_CHILD, 'state resolve'], { cwd: root, nodeOptions: TSX });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const helps = JSON.parse(run.stdout) as Array<{ command: string; code: number; usage: string }>;
    expect(helps.map((h) => h.command)).toEqual(expect.arrayContaining(['sync', 'worker', 'serve', 'sandbox', 'check', 'state', 'state list', 'state resolve', 'state forget']));
    for (const h of helps) expect([h.code, h.usage]).toEqual([0, expect.stringMatching(new RegExp(`^Usage: ${['customer-sync', h.command].join(' ').trim()} \\[`))]);
    expect([...run.marked.keys()]).toEqual([...helps.map((h) => h.command), '(exit)']);

    const own = (path: string): string => path.slice(root.length + 1);
    const command = (path: string): boolean => /\/src\/cli\/[^/]*-command\.ts$|\/src\/sandbox\/(index|server|cli)\.ts$/.test(path) || heavySourceFile(path);
    // CommonJS required by CommonJS, whichever command loaded it: commander's files, nothing heavy.
    expect(loadedPackages(run.marked.get('(exit)') ?? [], [...DEPENDENCIES, ...HELP_HEAVY_PACKAGES])).toEqual(['commander']);
    run.marked.delete('(exit)');
    for (const [name, modules] of run.marked) {
      expect({ name, commands: modules.filter(command).map(own) }).toEqual({ name, commands: [] });
      const packages = loadedPackages(modules, [...DEPENDENCIES, ...HELP_HEAVY_PACKAGES]);
      // The ids it lists come from the registry, whose definitions bring zod; nothing heavier.
      expect({ name, packages }).toEqual({ name, packages: name === 'state resolve' ? ['zod'] : [] });
    }
    expect(run.marked.get('state resolve')).toContain(join(root, 'src/registry.ts'));
  }, CHILD_TIMEOUT_MS);
});

describe('a SQLite state, opened on demand', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cs-light-state-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("rejects the push with the store's own error when the file is no state", async () => {
    const state = join(dir, 'not-a-state.db');
    writeFileSync(state, 'not a SQLite database, and not empty either: '.repeat(50));
    const { SqliteStateStore } = await import('../src/state/sqlite-store.js');
    const direct = (() => {
      try {
        SqliteStateStore.open(state);
      } catch (error) {
        return error as Error;
      }
      throw new Error('the file opened');
    })();
    const sync = createCustomerSync({ adapters: [yativo({ token: 't', baseUrl: 'http://127.0.0.1:9' })], state });
    // Not a failed outcome per provider: the push itself fails, with what opening the file said.
    const error = await sync.push(LINKED_CUSTOMER).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe(direct.name);
    expect(error?.message).toBe(direct.message);
    await sync.close();
  });

  it('lets a push made before close() finish (it waited for the state), then closes the state', async () => {
    const providers = await startProviders();
    try {
      const state = join(dir, 'nested', 'state.db');
      const sync = createCustomerSync({ adapters: [yativo(providers.optionsFor('yativo') as YativoOptions)], state });
      const pending = sync.push(LINKED_CUSTOMER);
      await sync.close();
      expect((await pending).providers.yativo?.status).toBe('updated');
      await expect(sync.push(LINKED_CUSTOMER)).rejects.toThrow('customer-sync: push after close()');
      // Closed: another store opens the file and finds the link.
      const { SqliteStateStore } = await import('../src/state/sqlite-store.js');
      const store = SqliteStateStore.open(state);
      expect((await store.get('cus-1', 'yativo'))?.providerId).toBe('y-1');
      await store.close();
    } finally {
      await providers.close();
    }
  });

  it('closes without a push, opened or not', async () => {
    const opened = createCustomerSync({ adapters: [yativo({ token: 't' })], state: join(dir, 'unused.db') });
    await opened.close();
    writeFileSync(join(dir, 'garbage.db'), 'not a SQLite database, and not empty either: '.repeat(50));
    const failed = createCustomerSync({ adapters: [yativo({ token: 't' })], state: join(dir, 'garbage.db') });
    await failed.close();
  });
});
