import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMESPACE_ENV } from '../../src/queue/settings.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { cli, tempDir } from '../cli/helpers.js';
import { closedPort } from '../metrics/gateway-stub.js';
import { REDIS_URL, requireRedis, uniqueNamespace } from './redis.js';
import { cleanNamespace, freshDatabase, requirePostgres, spawnCli, stopChildren, until, sqlOn } from './scale-harness.js';
import { markerCustomer, PII } from '../helpers/pii-markers.js';

/*
 * The secret and personal-data scan of what needs PostgreSQL or Redis (issue 14; the rest is
 * test/reliability/secret-scan-services.test.ts): a `sync --input postgresql://… --since-last-run` run's summary,
 * trace logs and report (a refused row, an invalid row, a server error quoting a row's value, every exit-2 path),
 * the watermark key as the state's table holds it, the state URL's password, and a worker's /metrics and stderr
 * with serve --queue's answers. Marker secrets: zero occurrences anywhere. Marker personal data: none (the sandbox
 * quotes nothing of what it was sent).
 */

const SECRETS = {
  yativoAccount: 'SECRETMARKER-yativo-account-11c2',
  yativoAppSecret: 'SECRETMARKER-yativo-app-secret-93d1',
  yativoToken: 'SECRETMARKER-yativo-token-7f3a',
  bluetapeKey: 'SECRETMARKER-bluetape-key-2b77',
  serveToken: 'SECRETMARKER-serve-token-0a1b2c3d',
  // PostgreSQL's trust authentication takes any password: these are sent and must be shown nowhere.
  inputPassword: 'SECRETMARKER-pg-input-p@ss/w0rd',
  pgPassword: 'SECRETMARKER-pgpassword-77e1',
  statePassword: 'SECRETMARKER-pg-state-pass-3c3c',
  sslPassword: 'SECRETMARKER-ssl-key-passphrase-1e1e',
};

function expectClean(label: string, text: string): void {
  for (const secret of Object.values(SECRETS)) {
    expect(text, `${label} holds a secret`).not.toContain(secret);
    expect(text, `${label} holds a secret, percent-encoded`).not.toContain(encodeURIComponent(secret));
  }
  expect(text, `${label} holds a secret marker`).not.toContain('SECRETMARKER');
  for (const marker of PII) expect(text.toLowerCase(), `${label} holds personal data (${marker})`).not.toContain(marker.toLowerCase());
}

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let database: { url: string; drop: () => Promise<void> };

const ENV = {
  Y_ACCOUNT: SECRETS.yativoAccount,
  Y_SECRET: SECRETS.yativoAppSecret,
  B_KEY: SECRETS.bluetapeKey,
  SERVE_TOKEN: SECRETS.serveToken,
  DB_PASSWORD: SECRETS.inputPassword,
};

beforeAll(async () => {
  await requirePostgres();
  sandbox = await startSandbox({
    credentials: {
      yativo: { token: SECRETS.yativoToken, accountId: SECRETS.yativoAccount, appSecret: SECRETS.yativoAppSecret },
      bluetape: { apiKey: SECRETS.bluetapeKey, accountId: 'acct-1' },
    },
  });
  tmp = tempDir();
  database = await freshDatabase();
});

afterAll(async () => {
  await sandbox?.close();
  await database?.drop();
  tmp?.remove();
});

const sql = (text: string, values: unknown[] = []): Promise<pg.QueryResult> => sqlOn(database.url, text, values);

/** The database's URL with `password` in it (as written, percent-encoded by URL). */
function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

function writeConfig(name: string, extra: Record<string, unknown> = {}): string {
  const path = join(tmp.dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      providers: {
        yativo: { baseUrl: sandbox.urls.yativo, accountId: '${Y_ACCOUNT}', appSecret: '${Y_SECRET}' },
        bluetape: { baseUrl: sandbox.urls.bluetape, apiKey: '${B_KEY}', accountId: 'acct-1', createMissing: true },
      },
      retry: { retries: 1, minDelayMs: 5, maxDelayMs: 20 },
      ...extra,
    }),
  );
  return path;
}

describe('sync --input postgresql://… --since-last-run: no secret and no personal data in what it says or stores', () => {
  const input = () => {
    const url = new URL(database.url);
    return `postgresql://${url.username}:\${DB_PASSWORD}@${url.host}${url.pathname}`;
  };

  beforeAll(async () => {
    await sql(`CREATE TABLE customers (id text PRIMARY KEY, email text, "firstName" text, "lastName" text, phone text, country text,
      "address.street" text, "address.number" text, "address.city" text, "address.postalCode" text, "vatNumber" text,
      "updatedAt" text, updated_at timestamptz)`);
    await sql(
      `INSERT INTO customers SELECT 'cus-' || i, 'piimarker.' || i || '@example.com', 'Ana', 'Piimarker', '+351 912 000 111', 'PT',
         'Rua Piimarker', i::text, 'Lisboa', '1100-053', 'PT' || (500000000 + i), '2026-11-01T10:00:00Z',
         timestamptz '2026-11-01 00:00:00+00' + i * interval '1 minute'
       FROM generate_series(1, 6) AS i`,
    );
    // An invalid row: its email is no email.
    await sql(`UPDATE customers SET email = 'piimarker-not-an-email' WHERE id = 'cus-4'`);
  });

  it('two nights (password in the URL, then in PGPASSWORD; state on PostgreSQL with a password): summary, trace logs, report, stored key', async () => {
    const state = withPassword(database.url, SECRETS.statePassword);
    const config = writeConfig('pg.json', { state: '${STATE_URL}' });
    const env = { ...ENV, STATE_URL: state };
    // A row BlueTape refuses (the sandbox's 422) and the invalid one hold the watermark.
    sandbox.setFaults('bluetape', { script: ['pass', '422'] });
    const first = await cli(['sync', '--config', config, '--input', input(), '--table', 'customers', '--since-last-run', 'updated_at', '--log-level', 'trace', '--report', 'night1.json'], { cwd: tmp.dir, env });
    sandbox.setFaults('bluetape', {});
    expect(first.code, first.stderr).toBe(1);
    const report = readFileSync(join(tmp.dir, 'night1.json'), 'utf8');
    const parsed = JSON.parse(report) as { records: { invalid: number }; failures: unknown[]; watermark: { saved: boolean; to: string | null } };
    expect(parsed.records.invalid).toBe(1);
    expect(parsed.failures).toHaveLength(1);
    expect(parsed.watermark.saved).toBe(true);
    expect(first.stderr).toContain('"level":20');
    expectClean('night 1 stdout', first.stdout);
    expectClean('night 1 stderr', first.stderr);
    expectClean('night 1 report', report);

    const url = new URL(database.url);
    const second = await cli(['sync', '--config', config, '--input', `postgresql://${url.username}@${url.host}${url.pathname}`, '--table', 'customers', '--since-last-run', 'updated_at', '--log-level', 'trace', '--json'], {
      cwd: tmp.dir,
      env: { ...env, PGPASSWORD: SECRETS.pgPassword },
    });
    expect(second.code, second.stderr).toBe(1);
    expectClean('night 2 --json', second.stdout);
    expectClean('night 2 stderr', second.stderr);

    // The key as the state's table holds it: host, port and database; no user, no password.
    const stored = await sql('SELECT input, source, column_name, value, type FROM customer_sync.watermarks');
    expect(stored.rows).toEqual([
      { input: `postgresql://${url.host}${url.pathname}`, source: expect.stringMatching(/^[0-9a-f]{64}$/), column_name: 'updated_at', value: expect.any(String), type: 'timestamp with time zone' },
    ]);
    expectClean('stored watermark', JSON.stringify(stored.rows));
    expect(JSON.stringify(stored.rows)).not.toContain(`${url.username}@`);
  });

  it('a server error that quotes a row value stops the run (exit 2) without the value', async () => {
    const config = writeConfig('pg-error.json', { state: join(tmp.dir, 'error.db') });
    // Row 3's street cast to a number: the server's error quotes the value it met.
    const query = `SELECT id, email, "firstName", "lastName", phone, country, "address.city",
      CASE WHEN id = 'cus-3' THEN "address.street"::int ELSE 1 END AS "address.number", updated_at FROM customers`;
    for (const since of [[], ['--since-last-run', 'updated_at']]) {
      const run = await cli(['sync', '--config', config, '--input', input(), '--query', query, ...since, '--log-level', 'trace', '--report', 'error.json'], { cwd: tmp.dir, env: ENV });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/^customer-sync: the query failed at \S+: invalid input syntax for type integer: \(the value, not shown\)$/m);
      expectClean(`server error ${since.join(' ')} stderr`, run.stderr);
      expectClean(`server error ${since.join(' ')} stdout`, run.stdout);
    }
  });

  it('every exit-2 path names no password', async () => {
    const config = writeConfig('pg-exit2.json', { state: join(tmp.dir, 'exit2.db') });
    const url = new URL(database.url);
    const port = await closedPort();
    const runs: Array<[string, string[], Record<string, string>]> = [
      ['unknown column', ['--input', input(), '--table', 'customers', '--since-last-run', 'changed_at'], {}],
      ['unknown table', ['--input', input(), '--table', 'no_such_table', '--since-last-run', 'updated_at'], {}],
      ['no server', ['--input', `postgresql://app:\${DB_PASSWORD}@127.0.0.1:${port}/crm`, '--table', 'customers', '--since-last-run', 'updated_at'], {}],
      ['no server (written password)', ['--input', `postgresql://app:${encodeURIComponent(SECRETS.inputPassword)}@127.0.0.1:${port}/crm?sslmode=disable`, '--table', 'customers'], {}],
      ['no server (sslpassword)', ['--input', `postgresql://app@127.0.0.1:${port}/crm?sslmode=disable&sslpassword=${SECRETS.sslPassword}`, '--table', 'customers'], {}],
      ['no server (PGPASSWORD)', ['--input', `postgresql://app@127.0.0.1:${port}/crm`, '--table', 'customers', '--since-last-run', 'updated_at'], { PGPASSWORD: SECRETS.pgPassword }],
      ['unset variable', ['--input', `postgresql://app:\${NOT_SET}@${url.host}/crm`, '--table', 'customers'], {}],
      ['password written raw', ['--input', `postgresql://app:${SECRETS.inputPassword}@127.0.0.1:${port}/crm`, '--table', 'customers'], {}],
      ['malformed URL', ['--input', `postgresql://app:${SECRETS.inputPassword}@[::1/crm`, '--table', 'customers'], {}],
      ['neither --query nor --table', ['--input', input(), '--since-last-run', 'updated_at'], {}],
      ['--since-last-run on a file', ['--input', 'customers.ndjson', '--since-last-run', 'updated_at'], {}],
      ['state out of reach', ['--input', input(), '--table', 'customers', '--since-last-run', 'updated_at', '--state', `postgresql://app:${encodeURIComponent(SECRETS.statePassword)}@127.0.0.1:${port}/state`], {}],
    ];
    for (const [label, args, extraEnv] of runs) {
      const run = await cli(['sync', '--config', config, ...args, '--log-level', 'trace'], { cwd: tmp.dir, env: { ...ENV, ...extraEnv } });
      expect(run.code, `${label}: ${run.stderr}`).toBe(2);
      expect(run.stderr, label).toMatch(/^customer-sync: /m);
      expectClean(label, run.stdout + run.stderr);
      // The end of a password written raw, after its @.
      expect(run.stderr, label).not.toContain('w0rd');
    }
  });
});

describe('serve --queue and a worker on Redis: no secret and no personal data in the answers, /metrics and logs', () => {
  let namespace: string;
  beforeAll(async () => {
    await requireRedis();
    namespace = uniqueNamespace();
  });
  afterAll(async () => {
    if (namespace) await cleanNamespace(namespace);
  });

  it("202, the job's answers, the worker's /metrics and both processes' stderr at trace", async () => {
    const config = writeConfig('queue.json', { redis: REDIS_URL, state: join(tmp.dir, 'worker.db'), serve: { tokens: ['${SERVE_TOKEN}'] } });
    const metricsPort = await closedPort();
    const env = { ...ENV, [NAMESPACE_ENV]: namespace };
    const worker = spawnCli(['worker', '--config', config, '--metrics-port', String(metricsPort), '--log-level', 'trace'], { cwd: tmp.dir, env });
    const server = spawnCli(['serve', '--config', config, '--queue', '--port', '0', '--log-level', 'trace'], { cwd: tmp.dir, env });
    try {
      await worker.waitFor('"msg":"worker ready"', 60_000);
      await until('serve to listen', () => /Serving on (http:\/\/\S+) /.test(server.stdout()), 60_000);
      const url = /Serving on (http:\/\/\S+) /.exec(server.stdout())?.[1] ?? '';
      const headers = { Authorization: `Bearer ${SECRETS.serveToken}`, 'Content-Type': 'application/json' };
      sandbox.setFaults('bluetape', { script: ['422'] });
      const texts: Array<[string, string]> = [];
      const jobs: string[] = [];
      for (const i of [1, 2]) {
        const response = await fetch(`${url}/v1/customers`, { method: 'POST', headers, body: JSON.stringify(markerCustomer(i)) });
        expect(response.status).toBe(202);
        const body = await response.text();
        texts.push([`202 #${i}`, body]);
        jobs.push((JSON.parse(body) as { jobId: string }).jobId);
      }
      const invalid = await fetch(`${url}/v1/customers`, { method: 'POST', headers, body: JSON.stringify({ ...markerCustomer(3), email: 'piimarker-not-an-email' }) });
      expect(invalid.status).toBe(422);
      texts.push(['422 (queue)', await invalid.text()]);
      for (const jobId of jobs) {
        let body = '';
        await until(`job ${jobId} to complete`, async () => {
          body = await (await fetch(`${url}/v1/jobs/${encodeURIComponent(jobId)}`, { headers })).text();
          return body.includes('"state":"completed"');
        });
        texts.push([`job ${jobId}`, body]);
      }
      expect(texts.map(([, text]) => text).join('\n')).toContain('"kind":"rejected"');
      const unknown = await fetch(`${url}/v1/jobs/piimarker.9%40example.com`, { headers });
      expect(unknown.status).toBe(404);
      texts.push(['404 job', await unknown.text()]);
      for (const [label, path] of [['worker /metrics', `http://127.0.0.1:${metricsPort}/metrics`], ['serve /metrics', `${url}/metrics`]] as const) {
        const response = await fetch(path);
        expect(response.status).toBe(200);
        const body = await response.text();
        expect(body, `${label} holds a customer id`).not.toMatch(/cus-\d/);
        texts.push([label, body]);
      }
      for (const [label, text] of texts) expectClean(label, text);
    } finally {
      sandbox.setFaults('bluetape', {});
      expect(await stopChildren([server, worker])).toEqual([
        { code: 0, signal: null },
        { code: 0, signal: null },
      ]);
    }
    expect(worker.stderr()).toContain('"level":20');
    expectClean('worker stderr', worker.stderr());
    expectClean('serve stderr', server.stderr());
    expectClean('serve stdout', server.stdout());
  });

  it('serve and the worker: a state out of reach stops them (exit 2) without its password', async () => {
    const port = await closedPort();
    const config = writeConfig('bad-state.json', {
      redis: REDIS_URL,
      state: `postgresql://app:${encodeURIComponent(SECRETS.statePassword)}@127.0.0.1:${port}/state`,
      serve: { tokens: ['${SERVE_TOKEN}'] },
    });
    for (const command of ['serve', 'worker']) {
      const run = await cli([command, '--config', config], { cwd: tmp.dir, env: { ...ENV, [NAMESPACE_ENV]: namespace } });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('cannot open the state');
      expectClean(`${command} stderr`, run.stderr);
    }
  });
});
