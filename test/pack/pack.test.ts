import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
let dir: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the packed build', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'customer-sync-pack-'));
    run('npm', ['pack', '--pack-destination', dir], root);
    const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // --ignore-scripts: importing the entry points must not need better-sqlite3's native build (it loads on first
    // use of a SQLite state), and skipping the compile keeps this check to seconds.
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', join(dir, tarball)], dir);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports the library and every adapter subpath, each usable alone', () => {
    const script = `
      import { createCustomerSync, CustomerValidationError, PROVIDER_IDS } from 'customer-sync';
      import { yativo } from 'customer-sync/adapters/yativo';
      import { fatora } from 'customer-sync/adapters/fatora';
      import { bluetape } from 'customer-sync/adapters/bluetape';
      import { invisibleCollector } from 'customer-sync/adapters/invisible-collector';
      const adapters = [
        yativo({ token: 't-yativo' }),
        fatora({ token: 't-fatora' }),
        bluetape({ apiKey: 'k-bluetape', accountId: 'acc-1' }),
        invisibleCollector({ token: 't-ic' }),
      ];
      const sync = createCustomerSync({ adapters });
      let invalid = '';
      try { await sync.push({ id: '1' }); } catch (e) { invalid = e instanceof CustomerValidationError ? e.name : 'other'; }
      await sync.close();
      console.log(JSON.stringify({
        providers: PROVIDER_IDS,
        adapters: adapters.map((a) => [a.id, a.options.baseUrl]),
        invalid,
        push: typeof adapters[0].push,
      }));
    `;
    const out = run('node', ['--input-type=module', '-e', script], dir);
    expect(JSON.parse(out)).toEqual({
      providers: ['yativo', 'fatora', 'bluetape', 'invisible-collector'],
      adapters: [
        ['yativo', 'https://api.yativo.com/api/v1'],
        ['fatora', 'https://api.fatora.io'],
        ['bluetape', 'https://api.bluetape.com/genericBthubService'],
        ['invisible-collector', 'https://api.invisiblecollector.com'],
      ],
      invalid: 'CustomerValidationError',
      push: 'function',
    });
  });

  it('installs the customer-sync command', () => {
    const help = run(join(dir, 'node_modules/.bin/customer-sync'), ['--help'], dir);
    for (const command of ['sync', 'sandbox', 'demo', 'state']) expect(help).toContain(command);
  });

  it('ships type declarations for every entry point', () => {
    const files = run('find', ['node_modules/customer-sync/dist', '-name', '*.d.ts'], dir).split('\n').sort();
    for (const entry of ['index', 'adapters/yativo', 'adapters/fatora', 'adapters/bluetape', 'adapters/invisible-collector']) {
      expect(files).toContain(`node_modules/customer-sync/dist/${entry}.d.ts`);
    }
  });
});
