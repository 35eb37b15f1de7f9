import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../../src/providers.js';
import { BUILT_IN_DEFINITIONS } from '../../src/registry.js';
import tsupConfig from '../../tsup.config.js';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

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

  it('exports every built-in adapter subpath through one pattern in package.json, so none is added by hand', () => {
    // `./adapters/*` maps to dist/adapters/<id>.js, the entries tsup builds from the registry (above); the packed
    // build's test imports each of them.
    expect(Object.keys(pkg.exports).filter((key) => key.startsWith('./adapters'))).toEqual(['./adapters/*']);
    expect(pkg.exports['./adapters/*']).toEqual({ types: './dist/adapters/*.d.ts', import: './dist/adapters/*.js' });
  });
});
