/**
 * The secret and personal-data scan (issue 4, item 6): every way the CLI and the library speak (stdout, stderr,
 * pino logs at trace, the report file, thrown errors) is scanned for marker credentials and marker personal
 * data. Secrets: zero occurrences anywhere. Personal data: only in a dry run's printed requests, whose purpose
 * is to show the bodies.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCustomerSync, CustomerValidationError } from '../../src/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { yativo } from '../../adapters/yativo/index.js';
import { fatora } from '../../adapters/fatora/index.js';
import { bluetape } from '../../adapters/bluetape/index.js';
import { invisibleCollector } from '../../adapters/invisible-collector/index.js';
import { cli, ndjson, tempDir } from '../cli/helpers.js';
import { markerCustomer, PII } from '../helpers/pii-markers.js';

const SECRETS = {
  yativoToken: 'SECRETMARKER-yativo-token-7f3a',
  yativoAccount: 'SECRETMARKER-yativo-account-11c2',
  yativoAppSecret: 'SECRETMARKER-yativo-app-secret-93d1',
  fatoraToken: 'SECRETMARKER-fatora-token-5e61',
  fatoraKey: 'SECRETMARKER-fatora-key-c0a8',
  bluetapeKey: 'SECRETMARKER-bluetape-key-2b77',
  icToken: 'SECRETMARKER-ic-token-d4e9',
  wrongToken: 'SECRETMARKER-wrong-token-66aa',
};

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;

beforeEach(async () => {
  sandbox = await startSandbox({
    credentials: {
      yativo: { token: SECRETS.yativoToken, accountId: SECRETS.yativoAccount, appSecret: SECRETS.yativoAppSecret },
      fatora: { token: SECRETS.fatoraToken, apiKey: SECRETS.fatoraKey },
      bluetape: { apiKey: SECRETS.bluetapeKey, accountId: 'acct-1' },
      'invisible-collector': { token: SECRETS.icToken },
    },
  });
  tmp = tempDir();
});

afterEach(async () => {
  await sandbox.close();
  tmp.remove();
});

function expectClean(label: string, text: string, options: { pii: boolean }): void {
  for (const secret of Object.values(SECRETS)) expect(text, `${label} holds a secret`).not.toContain(secret);
  expect(text, `${label} holds a secret marker`).not.toContain('SECRETMARKER');
  if (options.pii) for (const marker of PII) expect(text.toLowerCase(), `${label} holds personal data`).not.toContain(marker.toLowerCase());
}

function writeConfig(overrides: { ic?: string } = {}): string {
  const path = join(tmp.dir, 'config.json');
  const { urls } = sandbox;
  writeFileSync(
    path,
    JSON.stringify({
      providers: {
        // Yativo and Fatora by exchange: their exchanged tokens must not leak either.
        yativo: { baseUrl: urls.yativo, accountId: '${Y_ACCOUNT}', appSecret: '${Y_SECRET}' },
        fatora: { baseUrl: urls.fatora, apiKey: '${F_KEY}', createMissing: true },
        bluetape: { baseUrl: urls.bluetape, apiKey: '${B_KEY}', accountId: 'acct-1', createMissing: true },
        'invisible-collector': { baseUrl: urls['invisible-collector'], token: overrides.ic ?? '${IC_TOKEN}', createMissing: true },
      },
      retry: { retries: 2, minDelayMs: 5, maxDelayMs: 20 },
    }),
  );
  return path;
}

const ENV = { Y_ACCOUNT: SECRETS.yativoAccount, Y_SECRET: SECRETS.yativoAppSecret, F_KEY: SECRETS.fatoraKey, B_KEY: SECRETS.bluetapeKey, IC_TOKEN: SECRETS.icToken };

describe('no secret and no personal data in what customer-sync says', () => {
  it('a sync with faults, refusals and a wrong token: stdout, stderr (trace logs) and the report', async () => {
    const input = join(tmp.dir, 'customers.ndjson');
    const lines = [1, 2, 3, 4, 5, 6].map(markerCustomer);
    lines.push({ ...markerCustomer(7), email: 'piimarker-not-an-email' });
    writeFileSync(input, ndjson(lines));
    // Every kind of answer that carries provider text: validation errors, conflicts, 5xx, resets.
    for (const provider of ['yativo', 'fatora', 'bluetape'] as const) {
      sandbox.setFaults(provider, { script: ['pass', '422', '409', '500', 'reset-after', 'bad-body'] });
    }
    const config = writeConfig({ ic: SECRETS.wrongToken });
    const run = await cli(['sync', '--config', config, '--input', input, '--log-level', 'trace', '--report', 'report.json'], { cwd: tmp.dir, env: ENV });
    expect(run.code).toBe(1);
    expect(run.stderr.length).toBeGreaterThan(0);
    const report = readFileSync(join(tmp.dir, 'report.json'), 'utf8');
    expect(JSON.parse(report).failures.some((f: { kind: string }) => f.kind === 'auth')).toBe(true);
    expectClean('stdout', run.stdout, { pii: true });
    expectClean('stderr', run.stderr, { pii: true });
    expectClean('report', report, { pii: true });

    const json = await cli(['sync', '--config', config, '--input', input, '--json', '--full'], { cwd: tmp.dir, env: ENV });
    expectClean('--json report', json.stdout, { pii: true });
  });

  it('a bad config: the error names variables and options, never values', async () => {
    const config = writeConfig();
    const missing = await cli(['sync', '--config', config, '--input', 'x.ndjson'], { cwd: tmp.dir, env: { ...ENV, IC_TOKEN: undefined } });
    expect(missing.code).toBe(2);
    expectClean('stderr', missing.stderr, { pii: true });
    const insecure = join(tmp.dir, 'insecure.json');
    writeFileSync(insecure, JSON.stringify({ providers: { 'invisible-collector': { baseUrl: 'http://example.com', token: SECRETS.icToken } } }));
    const run = await cli(['sync', '--config', insecure, '--input', 'x.ndjson'], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expectClean('stderr', run.stderr, { pii: true });
  });

  it('a dry run prints the bodies (that is its purpose) but no credential', async () => {
    const input = join(tmp.dir, 'one.ndjson');
    writeFileSync(input, ndjson([markerCustomer(1)]));
    const run = await cli(['sync', '--config', writeConfig(), '--input', input, '--dry-run'], { cwd: tmp.dir, env: ENV });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('piimarker.1@example.com');
    expectClean('dry-run stdout', run.stdout, { pii: false });
  });

  it('the library: thrown validation errors and every provider error', async () => {
    const { urls } = sandbox;
    const sync = createCustomerSync({
      adapters: [
        yativo({ baseUrl: urls.yativo, accountId: SECRETS.yativoAccount, appSecret: SECRETS.yativoAppSecret }),
        fatora({ baseUrl: urls.fatora, token: SECRETS.wrongToken }),
        bluetape({ baseUrl: urls.bluetape, apiKey: SECRETS.bluetapeKey, accountId: 'acct-1' }),
        invisibleCollector({ baseUrl: urls['invisible-collector'], token: SECRETS.icToken }),
      ],
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 },
    });
    const invalid = (await sync.push({ ...markerCustomer(1), phone: '12', email: 'piimarker' }).then(
      () => new Error('no validation error'),
      (e: unknown) => e as Error,
    ));
    expect(invalid).toBeInstanceOf(CustomerValidationError);
    for (const text of [invalid.message, invalid.stack ?? '', JSON.stringify(invalid), inspect(invalid)]) expectClean('validation error', text, { pii: true });

    sandbox.setFaults('bluetape', { script: ['422'] });
    sandbox.setFaults('invisible-collector', { script: ['500', '500'] });
    const result = await sync.push({ ...markerCustomer(2), providerIds: { yativo: 'unknown-yativo-id', fatora: 7 } });
    await sync.close();
    const errors = Object.values(result.providers).flatMap((o) => (o?.error ? [o.error] : []));
    expect(Object.fromEntries(Object.entries(result.providers).map(([p, o]) => [p, o?.error?.kind ?? o?.status]))).toEqual({ yativo: 'not_found', fatora: 'auth', bluetape: 'rejected', 'invisible-collector': 'transient' });
    for (const error of errors) {
      for (const text of [error.message, error.stack ?? '', error.providerMessage ?? '', JSON.stringify(error), inspect(error), inspect(error.cause)]) {
        expectClean(`${error.provider} error`, text, { pii: true });
      }
    }
  });
});
