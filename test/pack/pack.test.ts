import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../../src/providers.js';

const root = resolve(import.meta.dirname, '../..');
let dir: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `invisible-collector` → `invisibleCollector`: the factory each `customer-sync/adapters/<id>` exports. */
const factoryName = (id: string): string => id.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The first ```ts block of README.md after `heading`. */
function readmeExample(heading: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const code = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!readme.includes(`\n${heading}\n`) || code === undefined) throw new Error(`README.md has no ts example under "${heading}"`);
  return code;
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

  it('type-checks for a consumer: strict, module NodeNext, no @types/node, every entry point and defineProvider', () => {
    // README's install section: the package's types need TypeScript and nothing else (no @types/node).
    expect(existsSync(join(dir, 'node_modules/@types/node')), 'the consumer has no @types/node').toBe(false);
    const adapters = PROVIDER_IDS.map((id, i) => ({ id, i, name: factoryName(id) }));
    const consumer = [
      `import { createCustomerSync, type Adapter, type CustomerSync, type ProviderDefinition, type ProviderOutcome, type PushResult } from 'customer-sync';`,
      ...adapters.map(({ id, name }) => `import { ${name} } from 'customer-sync/adapters/${id}';`),
      ...adapters.flatMap(({ id, i, name }) => [
        `const id${i}: '${id}' = ${name}.id;`,
        `const definition${i}: ProviderDefinition<Parameters<typeof ${name}>[0]> = ${name}.definition;`,
        `export const factory${i}: (options: Parameters<typeof ${name}>[0]) => Adapter = ${name};`,
        `void id${i}; void definition${i};`,
      ]),
      `import acme from './acme.js';`,
      `const sync: CustomerSync = createCustomerSync({`,
      `  adapters: [yativo({ token: 't' }), fatora({ apiKey: 'k' }), bluetape({ apiKey: 'k', accountId: 'a' }), invisibleCollector({ token: 't' }), acme({ token: 't' })],`,
      `});`,
      `const result: PushResult = await sync.push({ id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace', updatedAt: '2026-11-20T09:47:57Z' });`,
      `const outcome: ProviderOutcome | undefined = result.providers['acme-billing'];`,
      `export const status: string | undefined = outcome?.status ?? result.providers.yativo?.error?.kind;`,
      `await sync.close();`,
    ].join('\n');
    writeFileSync(join(dir, 'consumer.ts'), consumer);
    // The provider of one's own, as README shows it (defineProvider, zod for its options).
    writeFileSync(join(dir, 'acme.ts'), readmeExample('## A provider of your own'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: false },
        files: ['consumer.ts', 'acme.ts'],
      }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    let output = '';
    try {
      output = run(process.execPath, [tsc, '-p', 'tsconfig.json'], dir);
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      output = `${stdout ?? ''}${stderr ?? ''}` || String(error);
    }
    expect(output).toBe('');
  });

  it('ships type declarations for every entry point', () => {
    const files = run('find', ['node_modules/customer-sync/dist', '-name', '*.d.ts'], dir).split('\n').sort();
    for (const entry of ['index', ...PROVIDER_IDS.map((id) => `adapters/${id}`)]) {
      expect(files).toContain(`node_modules/customer-sync/dist/${entry}.d.ts`);
    }
  });
});
