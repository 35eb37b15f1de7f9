import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProviderFactory } from '../../src/adapter/define-provider.js';
import { BUILT_IN_DEFINITIONS } from '../../src/registry.js';

// A provider is one folder, and every folder looks the same (DESIGN §1): whoever knows one adapter finds their way
// in the others, and a fifth provider copies the layout instead of inventing its own.

const ROOT = resolve(import.meta.dirname, '../..');

/** The files of every `adapters/<id>/`; `sandbox-*.ts` helpers of the emulation may sit beside them. */
const ADAPTER_FILES = ['definition.ts', 'index.ts', 'mapping.ts', 'options.ts', 'responses.ts', 'sandbox.ts', 'schemas.ts'];
const SANDBOX_HELPER = /^sandbox[\w.-]*\.ts$/;

/** The tests of every `test/adapters/<id>/`: one per adapter file that holds logic, plus the wire. */
const TEST_FILES = [
  'definition.test.ts',
  'mapping.test.ts',
  'options.test.ts',
  'responses.test.ts',
  'sandbox.test.ts',
  'wire.test.ts',
];

const folders = (path: string): string[] =>
  readdirSync(join(ROOT, path))
    .filter((name) => statSync(join(ROOT, path, name)).isDirectory())
    .sort();
const files = (path: string): string[] => (existsSync(join(ROOT, path)) ? readdirSync(join(ROOT, path)).sort() : []);

const camel = (id: string): string => id.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

const ids = folders('adapters');

describe('adapter folders', () => {
  it('are the built-in providers, one folder each, named by id', () => {
    expect(ids).toEqual(BUILT_IN_DEFINITIONS.map((definition) => definition.id).sort());
  });

  it.each(ids)('%s has the shared file set', (id) => {
    const present = files(`adapters/${id}`);
    const helpers = present.filter((name) => !ADAPTER_FILES.includes(name) && SANDBOX_HELPER.test(name));
    expect(present).toEqual([...ADAPTER_FILES, ...helpers].sort());
  });

  it.each(ids)('%s has fixtures with a README', (id) => {
    expect(files(`fixtures/${id}`)).toContain('README.md');
  });

  it.each(ids)('%s has the shared test file set', (id) => {
    expect(files(`test/adapters/${id}`).filter((name) => name.endsWith('.test.ts'))).toEqual(TEST_FILES);
  });

  it('have the same test folders, helpers included', () => {
    const listings = ids.map((id) => files(`test/adapters/${id}`));
    for (const listing of listings) expect(listing).toEqual(listings[0]);
  });
});

describe.each(ids)('adapters/%s', (id) => {
  it('definition.ts exports the definition the registry lists', async () => {
    const { definition } = (await import(`../../adapters/${id}/definition.ts`)) as { definition: unknown };
    expect(BUILT_IN_DEFINITIONS).toContain(definition);
  });

  it('index.ts exports its factory under the camel-cased id, with that id, and the deprecated definition alias', async () => {
    const entry = (await import(`../../adapters/${id}/index.ts`)) as Record<string, unknown>;
    const factories = Object.entries(entry).filter(([, value]) => isProviderFactory(value));
    expect(factories.map(([name]) => name)).toEqual([camel(id)]);
    const factory = entry[camel(id)];
    if (!isProviderFactory(factory)) throw new Error(`no factory in adapters/${id}/index.ts`);
    expect(factory.id).toBe(id);
    expect(factory.definition.id).toBe(id);
    expect((entry[`${camel(id)}Definition`] as { id?: unknown } | undefined)?.id).toBe(id);
  });
});
