import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../../src/providers.js';
import { BUILT_IN_DEFINITIONS } from '../../src/registry.js';
import tsupConfig from '../../tsup.config.js';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

/** What package.json must say for a provider, so that `customer-sync/adapters/<id>` resolves to its built entry. */
const exportFor = (id: string) => ({ types: `./dist/adapters/${id}.d.ts`, import: `./dist/adapters/${id}.js` });

describe('what the registry derives', () => {
  it('lists each built-in provider once, under the id of its folder', () => {
    expect(new Set(PROVIDER_IDS).size).toBe(PROVIDER_IDS.length);
    const folders = readdirSync(join(root, 'adapters')).filter((name) => statSync(join(root, 'adapters', name)).isDirectory());
    expect([...folders].sort()).toEqual([...PROVIDER_IDS].sort());
    for (const definition of BUILT_IN_DEFINITIONS) expect(folders).toContain(definition.id);
  });

  it('builds one entry per provider (tsup.config.ts reads the registry)', () => {
    const config = tsupConfig as { entry: Record<string, string> };
    const adapters = Object.entries(config.entry).filter(([name]) => name.startsWith('adapters/'));
    expect(Object.fromEntries(adapters)).toEqual(Object.fromEntries(PROVIDER_IDS.map((id) => [`adapters/${id}`, `adapters/${id}/index.ts`])));
  });

  it('exports each built-in adapter subpath in package.json, and no other', () => {
    const subpaths = Object.keys(pkg.exports).filter((key) => key.startsWith('./adapters/'));
    // A provider added to the registry without its export (or an export left behind by a removed one) fails here.
    expect(subpaths.sort()).toEqual(PROVIDER_IDS.map((id) => `./adapters/${id}`).sort());
    for (const id of PROVIDER_IDS) expect(pkg.exports[`./adapters/${id}`]).toEqual(exportFor(id));
  });
});
