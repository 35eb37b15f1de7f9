// `customer-sync init [FILE]` (a starter config with ${VAR} placeholders, never overwritten without --force) and
// `customer-sync --version`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialForms, variableName } from '../../src/cli/init-command.js';
import { packageVersion } from '../../src/cli/version.js';
import { loadConfig, parseConfig, readConfigJson } from '../../src/config/config.js';
import { BUILT_IN } from '../../src/providers.js';
import { cli, runCliChild, tempDir } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let tmp: ReturnType<typeof tempDir>;

beforeEach(() => {
  tmp = tempDir();
});

afterEach(() => tmp.remove());

describe('customer-sync init', () => {
  it('writes customer-sync.json: every built-in provider, credentials as ${VAR}s, valid once they are set', async () => {
    const run = await cli(['init'], { cwd: tmp.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const path = join(tmp.dir, 'customer-sync.json');
    const text = readFileSync(path, 'utf8');
    // A commented file: each provider's credentials and what the other parts mean, read by the config loader as it is.
    expect(text).toContain('// yativo: token (or accountId + appSecret instead); set YATIVO_TOKEN.');
    expect(text).toContain('// Only the providers listed here are synced');
    expect(() => JSON.parse(text)).toThrow();
    const json = (await readConfigJson(path)) as { providers: Record<string, Record<string, unknown>>; state: string };
    expect(Object.keys(json.providers)).toEqual([...BUILT_IN.keys()]);
    expect(json.providers.yativo).toMatchObject({ token: '${YATIVO_TOKEN}' });
    expect(json.providers.bluetape).toMatchObject({ apiKey: '${BLUETAPE_API_KEY}', accountId: '${BLUETAPE_ACCOUNT_ID}', createMissing: false });
    expect(json.providers['invisible-collector']).toMatchObject({ token: '${INVISIBLE_COLLECTOR_TOKEN}' });
    expect(json.state).toBe('.customer-sync/state.db');

    // Unset, the variables are named; set, the config makes every adapter.
    expect(() => parseConfig(json, {})).toThrow();
    const variables = [...text.matchAll(/\$\{([A-Z_]+)\}/g)].map((match) => match[1]!);
    const env = Object.fromEntries(variables.map((name) => [name, `value-of-${name}`]));
    expect(parseConfig(json, env).adapters.map((adapter) => adapter.id)).toEqual([...BUILT_IN.keys()]);
    expect((await loadConfig(path, env)).adapters).toHaveLength(BUILT_IN.size);

    // The explanation names each variable, the other credential forms, and what to run next.
    for (const name of variables) expect(run.stdout).toContain(name);
    expect(run.stdout).toContain('yativo: token (or accountId + appSecret instead)');
    expect(run.stdout).toContain('fatora: token (or apiKey instead)');
    expect(run.stdout).toContain('customer-sync check --config customer-sync.json');
  });

  it('writes the file it is given, and never overwrites one without --force', async () => {
    const path = join(tmp.dir, 'nightly.json');
    writeFileSync(path, '{"mine": true}\n');
    const refused = await cli(['init', 'nightly.json'], { cwd: tmp.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${path} exists; not overwritten (--force replaces it)`);
    expect(readFileSync(path, 'utf8')).toBe('{"mine": true}\n');
    expect(existsSync(join(tmp.dir, 'customer-sync.json'))).toBe(false);

    const forced = await cli(['init', 'nightly.json', '--force'], { cwd: tmp.dir });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('Wrote nightly.json');
    expect(await readConfigJson(path)).toHaveProperty('providers');
  });

  it('exits 2 when the file cannot be written', async () => {
    const run = await cli(['init', join('no-such-dir', 'config.json')], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot write');
  });

  it('reads credential forms off the definitions, and names variables after provider and key', () => {
    expect(credentialForms(BUILT_IN.get('yativo')!)).toEqual({ used: ['token'], alternatives: [['accountId', 'appSecret']] });
    expect(credentialForms(BUILT_IN.get('bluetape')!)).toEqual({ used: ['apiKey', 'accountId'], alternatives: [] });
    expect(variableName('invisible-collector', 'apiKey')).toBe('INVISIBLE_COLLECTOR_API_KEY');
  });
});

describe('customer-sync --version', () => {
  it("prints package.json's version and exits 0", async () => {
    const run = await cli(['--version'], { cwd: tmp.dir });
    expect(run).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect((await cli(['-V'], { cwd: tmp.dir })).stdout).toBe(`${VERSION}\n`);
  });

  it('finds the package root from src/cli/ and from dist/ alike', () => {
    expect(packageVersion()).toBe(VERSION);
    expect(packageVersion(pathToFileURL(join(ROOT, 'dist', 'cli.js')).href)).toBe(VERSION);
    expect(packageVersion(pathToFileURL(join(ROOT, 'dist', 'chunk-ABC.js')).href)).toBe(VERSION);
    expect(packageVersion(pathToFileURL('/nowhere/at/all.js').href)).toBe('unknown');
  });

  it('works as a process, from any folder', async () => {
    const run = await runCliChild(tmp.dir, ['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `${VERSION}\n`, hung: false });
  });

  it('is listed by --help', async () => {
    expect((await cli(['--help'], { cwd: tmp.dir })).stdout).toContain('-V, --version');
  });
});
