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
      {
        path: 'providers.invisible-collector.tokn',
        message: 'unknown option tokn; did you mean token? known: token, createMissing, baseUrl, rateLimit, retry, timeoutMs, maxResponseBytes',
      },
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

  it('says which top-level key was meant, and which there are', () => {
    const error = configError(() => parseConfig({ providers: { fatora: { token: 't' } }, stat: 'x.db', retries: 3, yativo: { token: 't' } }, {}));
    expect(error.issues).toEqual([
      { path: 'stat', message: 'unknown key stat; did you mean state? known: providers, retry, state, redis, serve' },
      { path: 'retries', message: 'unknown key retries; known: providers, retry, state, redis, serve' },
      { path: 'yativo', message: `unknown key yativo; a provider's options go under "providers"; known: providers, retry, state, redis, serve` },
    ]);
    const typo = configError(() => parseConfig({ provider: { fatora: { token: 't' } } }, {}));
    expect(typo.issues).toContainEqual({ path: 'provider', message: 'unknown key provider; did you mean providers? known: providers, retry, state, redis, serve' });
  });

  it("says which provider option was meant, nested ones too", () => {
    const error = configError(() =>
      parseConfig(
        {
          providers: {
            yativo: { tokn: SECRET },
            bluetape: { apiKey: SECRET, acountId: 'a', rateLimit: { perSecnd: 3 } },
          },
          retry: { retires: 3 },
        },
        {},
      ),
    );
    expect(error.issues).toEqual([
      { path: 'retry.retires', message: 'unknown option retires; did you mean retries? known: retries, minDelayMs, maxDelayMs, maxRetryAfterMs' },
    ]);
    const options = configError(() =>
      parseConfig({ providers: { yativo: { tokn: SECRET }, bluetape: { apiKey: SECRET, accountId: 'a', rateLimit: { perSecnd: 3 }, sandbox: true } } }, {}),
    );
    expect(options.issues).toEqual([
      {
        path: 'providers.yativo.tokn',
        message: 'unknown option tokn; did you mean token? known: token, accountId, appSecret, baseUrl, rateLimit, retry, timeoutMs, maxResponseBytes',
      },
      { path: 'providers.bluetape.rateLimit.perSecnd', message: 'unknown option perSecnd; did you mean perSecond? known: perSecond, concurrency' },
      {
        path: 'providers.bluetape.sandbox',
        message: 'unknown option sandbox; known: apiKey, accountId, createMissing, baseUrl, rateLimit, retry, timeoutMs, maxResponseBytes',
      },
    ]);
    expect(options.message).not.toContain(SECRET);
  });

  it('says which provider an unknown id was meant to be', () => {
    const error = configError(() => parseConfig({ providers: { yativoo: { token: 't' }, stripe: {} } }, {}));
    expect(error.issues).toEqual([
      {
        path: 'providers.yativoo',
        message: 'unknown provider yativoo; did you mean yativo? known: yativo, fatora, bluetape, invisible-collector (a provider of your own names its "module")',
      },
      {
        path: 'providers.stripe',
        message: 'unknown provider stripe; known: yativo, fatora, bluetape, invisible-collector (a provider of your own names its "module")',
      },
    ]);
  });

  it('wants at least one provider', () => {
    expect(configError(() => parseConfig({ providers: {} }, {})).issues).toEqual([
      { path: 'providers', message: 'configure at least one provider' },
    ]);
  });

  it('says when the file is missing or not JSON', async () => {
    const missing = (await loadConfig(join(dir, 'missing.json')).catch((e: unknown) => e)) as ConfigError;
    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing.message).toBe(`config file ${join(dir, 'missing.json')} does not exist`);
    expect(missing.issues).toEqual([{ path: '', message: 'does not exist' }]);
    await expect(loadConfig(dir)).rejects.toThrow(`config file ${dir} is a folder, not a file`);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, `{ "providers": { "token": "${SECRET}" `);
    const error = (await loadConfig(bad).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`Config file ${bad} is not valid JSON at line 1, column ${30 + SECRET.length}: unexpected end of the file: expected ',' or '}' after a property value`);
    expect(error.message).not.toContain(SECRET);
  });

  it('names the line and column where a file stops being JSON, never quoting it', async () => {
    const cases: Array<[string, string]> = [
      // Node 20's own message for this one gives no position, and quotes the text.
      [`{\n  "providers": {\n    "yativo": { "token": "${SECRET}", }\n  }\n}\n`, `line 3, column ${30 + SECRET.length}: a comma before "}" (JSON allows no trailing comma)`],
      [`{\n  "providers": {\n    "yativo": { "token": ${SECRET} }\n  }\n}\n`, 'line 3, column 26: expected a value (a string, number, object, array, true, false or null)'],
      ['{\r\n  "state": "a"\r\n  "redis": "b"\r\n}', "line 3, column 3: expected ',' or '}' after a property value"],
      [`{ 'providers': {} }`, 'line 1, column 3: expected a property name in double quotes'],
      ['{ "state": "a\nb" }', 'line 1, column 14: a control character in a string (a line break is written \\n)'],
      ['{ "retry": { "retries": 01 } }', 'line 1, column 26: a bad number (no leading zeros; digits after "." and "e")'],
      ['{ "state": "a" } x', 'line 1, column 18: unexpected text after the end of the JSON document'],
      ['   \n', 'line 1, column 1: the file is empty'],
    ];
    for (const [text, where] of cases) {
      const path = join(dir, 'syntax.json');
      writeFileSync(path, text);
      const error = (await loadConfig(path).catch((e: unknown) => e)) as ConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(`Config file ${path} is not valid JSON at ${where}`);
      expect(error.message).not.toContain(SECRET);
    }
  });

  it('reads a file that starts with a byte order mark', async () => {
    const path = join(dir, 'bom.json');
    writeFileSync(path, `\ufeff${JSON.stringify({ providers: { fatora: { token: 't' } } })}`);
    expect((await loadConfig(path, {})).adapters.map((adapter) => adapter.id)).toEqual(['fatora']);
  });
});
