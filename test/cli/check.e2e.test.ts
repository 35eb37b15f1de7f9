// `customer-sync check --config FILE` against the sandbox: each provider probed with its token exchange, else a
// lookup of a customer that cannot exist, else not at all; exit 0 all accepted, 1 refused or unreachable, 2 bad config.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { SANDBOX_CREDENTIALS } from '../sandbox/helpers.js';
import { cli, tempDir } from './helpers.js';

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;

beforeEach(async () => {
  sandbox = await startSandbox();
  tmp = tempDir();
});

afterEach(async () => {
  await sandbox.close();
  tmp.remove();
});

function writeConfig(providers: Record<string, Record<string, unknown>>): string {
  const path = join(tmp.dir, 'config.json');
  writeFileSync(path, JSON.stringify({ providers }));
  return path;
}

/** The sandbox's config, with some providers' options replaced or added. */
function sandboxConfig(overrides: Record<string, Record<string, unknown>> = {}): string {
  const base = sandboxProvidersConfig(sandbox) as Record<string, Record<string, unknown>>;
  const providers = Object.fromEntries(Object.entries(base).map(([id, options]) => [id, { ...options, ...overrides[id] }]));
  return writeConfig(providers);
}

function rowOf(stdout: string, provider: string): string {
  return stdout.split('\n').find((line) => line.startsWith(`${provider} `)) ?? '';
}

describe('customer-sync check', () => {
  it('probes each provider by lookup with a static token, says which cannot be checked, and exits 0', async () => {
    const run = await cli(['check', '--config', sandboxConfig()], { cwd: tmp.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(rowOf(run.stdout, 'yativo')).toMatch(/^yativo +ok +lookup \(GET \/customer\): credentials accepted \(HTTP 200\)$/);
    expect(rowOf(run.stdout, 'fatora')).toMatch(/^fatora +ok +lookup \(GET \/v1\/clients\): credentials accepted/);
    expect(rowOf(run.stdout, 'invisible-collector')).toMatch(/^invisible-collector +ok +lookup \(GET \/customers\/find\): credentials accepted/);
    expect(rowOf(run.stdout, 'bluetape')).toMatch(/^bluetape +not checked +cannot be checked without writing/);
    expect(run.stdout).toContain('3 ok, 1 not checked.');
    // A lookup writes nothing, and the made-up customer is nobody's.
    for (const id of ['yativo', 'fatora', 'bluetape', 'invisible-collector']) expect(sandbox.customers(id)).toEqual([]);
  });

  it('sends the token exchange of providers configured with exchangeable credentials', async () => {
    const { accountId, appSecret } = SANDBOX_CREDENTIALS.yativo;
    const config = sandboxConfig({
      yativo: { token: undefined, accountId, appSecret },
      fatora: { token: undefined, apiKey: SANDBOX_CREDENTIALS.fatora.apiKey },
    });
    const run = await cli(['check', '--config', config, '--json'], { cwd: tmp.dir });
    expect(run.code).toBe(0);
    const results = JSON.parse(run.stdout) as Array<{ provider: string; status: string; probe?: string }>;
    expect(results.find((r) => r.provider === 'yativo')).toMatchObject({ status: 'ok', probe: 'token exchange (POST /auth/login)' });
    expect(results.find((r) => r.provider === 'fatora')).toMatchObject({ status: 'ok', probe: 'token exchange (GET /v1/Authorization/Authorize)' });
  });

  it('says refused for credentials the provider refuses, with its reason and no secret, and exits 1', async () => {
    const config = sandboxConfig({
      yativo: { token: 'wrong-token-value-1' },
      fatora: { token: undefined, apiKey: 'wrong-api-key-value-2' },
    });
    const run = await cli(['check', '--config', config], { cwd: tmp.dir });
    expect(run.code).toBe(1);
    expect(rowOf(run.stdout, 'yativo')).toMatch(/^yativo +refused +lookup \(GET \/customer\): refused the credentials \(HTTP 401\)/);
    expect(rowOf(run.stdout, 'fatora')).toMatch(/^fatora +refused +token exchange \(GET \/v1\/Authorization\/Authorize\): /);
    expect(rowOf(run.stdout, 'invisible-collector')).toMatch(/ ok /);
    expect(run.stdout).toContain('2 refused');
    expect(run.stdout).not.toContain('wrong-token-value-1');
    expect(run.stdout).not.toContain('wrong-api-key-value-2');
  });

  it('says unreachable for a connection refused and for 5xx answers, and exits 1', async () => {
    sandbox.setFaults('invisible-collector', { script: ['503', '503', '503'] });
    const config = sandboxConfig({ yativo: { baseUrl: 'http://127.0.0.1:1/api/v1' } });
    const run = await cli(['check', '--config', config], { cwd: tmp.dir });
    expect(run.code).toBe(1);
    expect(rowOf(run.stdout, 'yativo')).toMatch(/^yativo +unreachable +lookup \(GET \/customer\): .*connection refused/);
    expect(rowOf(run.stdout, 'invisible-collector')).toMatch(/^invisible-collector +unreachable +lookup .*503/);
    expect(rowOf(run.stdout, 'fatora')).toMatch(/ ok /);
  });

  it('exits 2 for a config that is not valid, naming the missing variable', async () => {
    const config = writeConfig({ yativo: { token: '${CHECK_TEST_UNSET_TOKEN}' } });
    const run = await cli(['check', '--config', config], { cwd: tmp.dir, env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('environment variable CHECK_TEST_UNSET_TOKEN is not set');
    expect(run.stdout).toBe('');
  });
});
