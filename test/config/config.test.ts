import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/config.js';

const SECRET = 'tok-very-secret-1';
const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('config files', () => {
  it('replaces ${VAR} from the environment and makes one adapter per configured provider', async () => {
    const path = join(dir, 'ok.json');
    writeFileSync(
      path,
      JSON.stringify({
        providers: {
          yativo: { baseUrl: 'https://api.yativo.com/api/v1', token: '${YATIVO_TOKEN}', rateLimit: { perSecond: 10, concurrency: 4 } },
          bluetape: { apiKey: '${BT_KEY}', accountId: 'acct-${BT_ACCOUNT}' },
        },
        retry: { retries: 3, minDelayMs: 100, maxDelayMs: 1000 },
        state: '.customer-sync/state.db',
      }),
    );
    const loaded = await loadConfig(path, { YATIVO_TOKEN: SECRET, BT_KEY: 'k', BT_ACCOUNT: '7' });
    expect(loaded.adapters.map((a) => a.id)).toEqual(['yativo', 'bluetape']);
    expect(loaded.adapters[0]?.options).toMatchObject({ token: SECRET, rateLimit: { perSecond: 10, concurrency: 4 } });
    expect(loaded.adapters[1]?.options).toMatchObject({ apiKey: 'k', accountId: 'acct-7' });
    expect(loaded.config.retry).toEqual({ retries: 3, minDelayMs: 100, maxDelayMs: 1000 });
    expect(loaded.config.state).toBe('.customer-sync/state.db');
  });

  it('names every missing variable and where it is used, never a value', () => {
    const error = configError(() =>
      parseConfig({ providers: { fatora: { token: '${FATORA_TOKEN}' }, 'invisible-collector': { token: '${IC_TOKEN}' } } }, { OTHER: SECRET }),
    );
    expect(error.issues).toEqual([
      { path: 'providers.fatora.token', message: 'environment variable FATORA_TOKEN is not set' },
      { path: 'providers.invisible-collector.token', message: 'environment variable IC_TOKEN is not set' },
    ]);
  });

  it('reports adapter option problems with their config path', () => {
    const error = configError(() =>
      parseConfig({ providers: { 'invisible-collector': { token: SECRET, baseUrl: 'http://example.com', tokn: SECRET } } }, {}),
    );
    expect(error.issues).toEqual([
      { path: 'providers.invisible-collector.tokn', message: 'unknown option' },
    ]);
    expect(error.message).not.toContain(SECRET);
  });

  it('reports an insecure baseUrl with its config path', () => {
    const error = configError(() => parseConfig({ providers: { 'invisible-collector': { token: SECRET, baseUrl: 'http://example.com' } } }, {}));
    expect(error.issues).toEqual([
      { path: 'providers.invisible-collector.baseUrl', message: 'must use https:// (plain http:// is allowed only on loopback)' },
    ]);
  });

  it('rejects unknown keys and unknown providers', () => {
    const error = configError(() => parseConfig({ providers: { stripe: {} }, retries: 3 }, {}));
    expect(error.issues.map((i) => i.path).sort()).toEqual(['providers.stripe', 'retries']);
  });

  it('wants at least one provider', () => {
    expect(configError(() => parseConfig({ providers: {} }, {})).issues).toEqual([
      { path: 'providers', message: 'configure at least one provider' },
    ]);
  });

  it('says when the file is missing or not JSON', async () => {
    await expect(loadConfig(join(dir, 'missing.json'))).rejects.toThrow(`Cannot read config file ${join(dir, 'missing.json')}: (record): ENOENT`);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, `{ "providers": { "token": "${SECRET}" `);
    const error = await loadConfig(bad).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).not.toContain(SECRET);
  });
});
