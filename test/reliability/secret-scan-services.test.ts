/**
 * The secret and personal-data scan of the services (issue 14): what `customer-sync serve` answers and logs at
 * trace, what `sync --metrics-push` sends a Pushgateway and warns when it cannot, and what a metrics exposition
 * holds, all scanned for marker credentials (provider tokens, serve tokens, a Pushgateway password) and marker
 * personal data. Secrets: zero occurrences anywhere. Personal data: none in logs, metrics or answers, except the
 * customer id a 200 echoes back to the caller who sent it (the answer is about that customer). The PostgreSQL
 * input, the watermarks and a worker's /metrics need PostgreSQL or Redis: test/scale/secret-scan-services.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/serve/app.js';
import { SourceError } from '../../src/sources/errors.js';
import { resolvePostgresLocation } from '../../src/sources/postgres-url.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { cli, ndjson, tempDir } from '../cli/helpers.js';
import { closedPort, gatewayStub } from '../metrics/gateway-stub.js';
import { markerCustomer, PII } from '../helpers/pii-markers.js';
import { startServe, type Serving } from '../serve/serve-child.js';

const SECRETS = {
  yativoToken: 'SECRETMARKER-yativo-token-7f3a',
  yativoAccount: 'SECRETMARKER-yativo-account-11c2',
  yativoAppSecret: 'SECRETMARKER-yativo-app-secret-93d1',
  fatoraToken: 'SECRETMARKER-fatora-token-5e61',
  fatoraKey: 'SECRETMARKER-fatora-key-c0a8',
  bluetapeKey: 'SECRETMARKER-bluetape-key-2b77',
  icToken: 'SECRETMARKER-ic-token-d4e9',
  serveToken: 'SECRETMARKER-serve-token-0a1b2c3d',
  serveToken2: 'SECRETMARKER-serve-token2-4e5f6a7b',
  wrongToken: 'SECRETMARKER-wrong-token-66aa',
  pushPassword: 'SECRETMARKER-push-p@ss/word-8c9d',
  pgPassword: 'SECRETMARKER-pg-password-5a5a',
  sslPassword: 'SECRETMARKER-ssl-key-passphrase-1e1e',
};
/**
 * What is masked in free text a provider sends back, wherever it is shown: emails and phone numbers by their shape, and
 * the customer's own name, street, postal code and VAT number as the delivery sent them (src/model/personal.ts), so
 * even a provider that quotes the whole body it was sent leaves none of them.
 */
const MASKED = PII;


function expectNoSecret(label: string, text: string): void {
  for (const secret of Object.values(SECRETS)) expect(text, `${label} holds a secret`).not.toContain(secret);
  expect(text, `${label} holds a secret marker`).not.toContain('SECRETMARKER');
  // The push password percent-encoded, as it travels in the URL.
  expect(text, `${label} holds the encoded push password`).not.toContain(encodeURIComponent(SECRETS.pushPassword));
}

function expectClean(label: string, text: string, markers: readonly string[] = PII): void {
  expectNoSecret(label, text);
  for (const marker of markers) expect(text.toLowerCase(), `${label} holds personal data (${marker})`).not.toContain(marker.toLowerCase());
}

/** Metric labels: never a customer id. */
function expectNoCustomerId(label: string, text: string): void {
  expect(text, `${label} holds a customer id`).not.toMatch(/cus-\d/);
}

/**
 * A provider that echoes what it was sent in its error (as some do in a 4xx's message): the request line, every
 * header (the credential among them) and the body, in BlueTape's error shape ({code, reason}).
 */
async function echoingProvider(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reason = `cannot accept ${request.method} ${request.url} ${JSON.stringify(request.headers)} ${Buffer.concat(chunks).toString('utf8')}`;
      response.writeHead(422, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ code: '422', reason }));
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((closed) => server.close(() => closed())) };
}

let sandbox: Sandbox;
let echo: { url: string; close(): Promise<void> };
let tmp: ReturnType<typeof tempDir>;

const ENV = {
  Y_ACCOUNT: SECRETS.yativoAccount,
  Y_SECRET: SECRETS.yativoAppSecret,
  F_KEY: SECRETS.fatoraKey,
  B_KEY: SECRETS.bluetapeKey,
  IC_TOKEN: SECRETS.icToken,
  SERVE_TOKEN: SECRETS.serveToken,
  SERVE_TOKEN_2: SECRETS.serveToken2,
  PUSH_PASSWORD: SECRETS.pushPassword,
};

beforeAll(async () => {
  sandbox = await startSandbox({
    credentials: {
      yativo: { token: SECRETS.yativoToken, accountId: SECRETS.yativoAccount, appSecret: SECRETS.yativoAppSecret },
      fatora: { token: SECRETS.fatoraToken, apiKey: SECRETS.fatoraKey },
      bluetape: { apiKey: SECRETS.bluetapeKey, accountId: 'acct-1' },
      'invisible-collector': { token: SECRETS.icToken },
    },
  });
  echo = await echoingProvider();
  tmp = tempDir();
});

afterAll(async () => {
  await sandbox?.close();
  await echo?.close();
  tmp?.remove();
});

/** Yativo and Fatora by token exchange (their exchanged tokens must not leak either); BlueTape is the echoing one. */
function writeConfig(name: string, extra: Record<string, unknown> = {}): string {
  const path = join(tmp.dir, name);
  const { urls } = sandbox;
  writeFileSync(
    path,
    JSON.stringify({
      providers: {
        yativo: { baseUrl: urls.yativo, accountId: '${Y_ACCOUNT}', appSecret: '${Y_SECRET}' },
        fatora: { baseUrl: urls.fatora, apiKey: '${F_KEY}', createMissing: true },
        bluetape: { baseUrl: echo.url, apiKey: '${B_KEY}', accountId: 'acct-1', createMissing: true },
        'invisible-collector': { baseUrl: urls['invisible-collector'], token: '${IC_TOKEN}', createMissing: true },
      },
      retry: { retries: 2, minDelayMs: 5, maxDelayMs: 20 },
      ...extra,
    }),
  );
  return path;
}


/** `customer-sync serve --log-level trace` as a child process on a free port. */
const serve = (config: string): Promise<Serving> =>
  startServe(['--config', config, '--port', '0', '--log-level', 'trace'], { cwd: tmp.dir, env: { ...process.env, ...ENV } });

interface Answer {
  status: number;
  headers: string;
  body: string;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const body = await response.text();
  return { status: response.status, headers: JSON.stringify([...response.headers]), body };
}

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return call(`${url}/v1/customers`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${SECRETS.serveToken}`, 'Content-Type': 'application/json', ...headers },
    body,
  });
}

describe('serve: no secret and no personal data in its answers and its trace log', () => {
  it('every answer, /openapi.json, /healthz, /metrics and stderr at trace', async () => {
    const config = writeConfig('serve.json', { serve: { tokens: ['${SERVE_TOKEN}', '${SERVE_TOKEN_2}'], maxBodyBytes: 4096 }, state: join(tmp.dir, 'serve.db') });
    // Every kind of provider answer: a 5xx then success, a conflict, a refusal; the echoing one refuses everything.
    sandbox.setFaults('yativo', { script: ['500', 'pass'] });
    sandbox.setFaults('fatora', { script: ['409'] });
    sandbox.setFaults('invisible-collector', { script: ['422'] });
    const server = await serve(config);
    try {
      const answers: Array<[string, Answer]> = [];

      const pushed = await post(server.url, JSON.stringify(markerCustomer(1)));
      expect(pushed.status).toBe(200);
      const outcomes = JSON.parse(pushed.body) as { customerId: string; providers: Record<string, { status: string; error?: { kind: string; message: string } }> };
      expect(outcomes.customerId).toBe('cus-1');
      expect(outcomes.providers.bluetape?.status).toBe('failed');
      expect(outcomes.providers['invisible-collector']?.error?.kind).toBe('rejected');
      // The echo reached the answer's message: what it says of the request, redacted and masked.
      expect(outcomes.providers.bluetape?.error?.message).toContain('cannot accept');
      answers.push(['200 with failures', pushed]);
      // The second serve token is as good as the first.
      answers.push(['200 (second token)', await post(server.url, JSON.stringify(markerCustomer(2)), { Authorization: `Bearer ${SECRETS.serveToken2}` })]);

      const wrong = await post(server.url, JSON.stringify(markerCustomer(3)), { Authorization: `Bearer ${SECRETS.wrongToken}` });
      expect(wrong.status).toBe(401);
      answers.push(['401 (wrong token)', wrong]);
      const none = await call(`${server.url}/v1/customers`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(markerCustomer(3)) });
      expect(none.status).toBe(401);
      answers.push(['401 (no token)', none]);

      const large = await post(server.url, JSON.stringify({ ...markerCustomer(4), notes: 'Rua Piimarker '.repeat(400) }));
      expect(large.status).toBe(413);
      answers.push(['413', large]);
      const broken = await post(server.url, `${JSON.stringify(markerCustomer(5)).slice(0, -1)},"piimarker.5@example.com"`);
      expect(broken.status).toBe(400);
      answers.push(['400', broken]);
      const proto = await post(server.url, `{"__proto__": {"email": "piimarker.6@example.com"}, "street": "Rua Piimarker"}`);
      expect(proto.status).toBe(400);
      answers.push(['400 (__proto__)', proto]);
      const plain = await post(server.url, JSON.stringify(markerCustomer(7)), { 'Content-Type': 'text/plain' });
      expect(plain.status).toBe(415);
      answers.push(['415', plain]);

      const invalid = await post(server.url, JSON.stringify({ ...markerCustomer(8), email: 'piimarker-not-an-email', phone: '+351 912 000 111 999 999 999', country: 'Rua Piimarker' }));
      expect(invalid.status).toBe(422);
      const issues = (JSON.parse(invalid.body) as { issues: Array<{ path: string; message: string }> }).issues;
      // Paths and rules, not the values sent.
      expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['email', 'country']));
      answers.push(['422', invalid]);
      const unknownKey = await post(server.url, JSON.stringify({ ...markerCustomer(9), address: { ...(markerCustomer(9).address as object), street: 12 } }));
      expect(unknownKey.status).toBe(422);
      answers.push(['422 (wrong type)', unknownKey]);

      const notFound = await call(`${server.url}/v1/customers/piimarker.10@example.com?token=${SECRETS.wrongToken}`, { headers: { Authorization: `Bearer ${SECRETS.serveToken}` } });
      expect(notFound.status).toBe(404);
      answers.push(['404', notFound]);
      const unauthorizedNotFound = await call(`${server.url}/piimarker/${SECRETS.wrongToken}`);
      expect(unauthorizedNotFound.status).toBe(401);
      answers.push(['401 (unknown path)', unauthorizedNotFound]);
      const noJobs = await call(`${server.url}/v1/jobs/piimarker.11@example.com`, { headers: { Authorization: `Bearer ${SECRETS.serveToken}` } });
      expect(noJobs.status).toBe(404);
      answers.push(['404 (no queue)', noJobs]);

      const openapi = await call(`${server.url}/openapi.json`);
      expect(openapi.status).toBe(200);
      answers.push(['/openapi.json', openapi]);
      const health = await call(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      answers.push(['/healthz', health]);
      const metrics = await call(`${server.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('customer_sync_outcomes_total{provider="bluetape",outcome="failed"} 2');
      expectNoCustomerId('/metrics', metrics.body);
      answers.push(['/metrics', metrics]);

      for (const [label, answer] of answers) {
        expectNoSecret(`${label} headers`, answer.headers);
        // A 200 answers the caller who sent the record: a provider's message may quote what it was sent (the echo's
        // name), emails and phone numbers masked as in the report. Every other answer quotes nothing of the body.
        expectClean(`${label} answer`, answer.body, label.startsWith('200') ? MASKED : PII);
      }

      server.child.kill('SIGTERM');
      expect(await server.exit).toBe(0);
      // Debug and trace: every attempt and every failure's message were logged.
      expect(server.stderr()).toContain('"level":20');
      expect(server.stderr()).toContain('"msg":"push failed"');
      expectClean('serve stdout', server.stdout());
      expectClean('serve stderr', server.stderr(), MASKED);
      // Serve's own lines (not the engine's, which carry a provider's message) quote nothing of a request.
      const own = server.stderr().split('\n').filter((line) => !line.includes('"provider":'));
      expectClean("serve's own log lines", own.join('\n'));
    } finally {
      server.child.kill('SIGKILL');
      sandbox.setFaults('yativo', {});
      sandbox.setFaults('fatora', {});
      sandbox.setFaults('invisible-collector', {});
    }
  });

  it('a 500 names no cause; its log line masks personal data', async () => {
    const logged: string[] = [];
    const log = { info: () => undefined, error: (fields: Record<string, unknown>, message: string) => void logged.push(JSON.stringify({ ...fields, message })) };
    const server = await buildServer({
      sync: {
        push: () => Promise.reject(new Error('state write failed for piimarker.1@example.com (+351 912 000 111)')),
        enqueue: () => Promise.reject(new Error('no queue')),
      },
      tokens: [SECRETS.serveToken],
      log,
    });
    try {
      const url = await server.listen({ port: 0, host: '127.0.0.1' });
      const failed = await post(url, JSON.stringify(markerCustomer(1)));
      expect(failed).toMatchObject({ status: 500, body: '{"error":"internal error: see the server log"}' });
      expect(logged).toHaveLength(1);
      expectClean('500 log line', logged.join('\n'));
    } finally {
      await server.close();
    }
  });
});

describe('sync --metrics-push: no secret, no personal data and no customer id in what a Pushgateway receives or a warning says', () => {
  it('the pushed body, and the warnings of a refused push and of a gateway not there', async () => {
    const input = join(tmp.dir, 'customers.ndjson');
    writeFileSync(input, ndjson([...[1, 2, 3, 4].map(markerCustomer), { ...markerCustomer(5), email: 'piimarker-not-an-email' }]));
    const config = writeConfig('push.json', { state: join(tmp.dir, 'push.db') });
    for (const provider of ['yativo', 'fatora', 'invisible-collector'] as const) sandbox.setFaults(provider, { script: ['pass', '422', '500', 'reset-after'] });
    const gateway = await gatewayStub();
    try {
      // The password from a variable (percent-encoded into the URL) and written out on the command line.
      const fromVariable = `http://pusher:\${PUSH_PASSWORD}@127.0.0.1:${gateway.port}`;
      const written = `http://pusher:${encodeURIComponent(SECRETS.pushPassword)}@127.0.0.1:${gateway.port}`;
      const run = await cli(['sync', '--config', config, '--input', input, '--full', '--log-level', 'trace', '--report', 'report.json', '--metrics-push', fromVariable], { cwd: tmp.dir, env: ENV });
      expect(run.code).toBe(1);
      expect(gateway.pushes.map((push) => `${push.method} ${push.path}`)).toEqual(['PUT /metrics/job/customer-sync']);
      // Basic auth is how the password is meant to travel: in the header, never in the path or the body.
      expect(gateway.pushes[0]?.authorization).toBe(`Basic ${Buffer.from(`pusher:${SECRETS.pushPassword}`).toString('base64')}`);
      expect(gateway.pushes[0]?.body).toContain('customer_sync_outcomes_total{provider="bluetape",outcome="failed"} 4');
      for (const push of gateway.pushes) {
        expectClean('pushed path', push.path);
        expectClean('pushed body', push.body);
        expectNoCustomerId('pushed body', push.body);
      }
      // The summary, logs and report list the echoing provider's messages.
      expectClean('stdout', run.stdout, MASKED);
      expectClean('stderr', run.stderr, MASKED);
      expectClean('report', readFileSync(join(tmp.dir, 'report.json'), 'utf8'), MASKED);

      gateway.status = 500;
      for (const url of [fromVariable, written]) {
        const refused = await cli(['sync', '--config', config, '--input', input, '--full', '--metrics-push', url], { cwd: tmp.dir, env: ENV });
        expect(refused.code, refused.stderr).toBe(1);
        expect(refused.stderr).toContain(`could not push the metrics to http://pusher:[REDACTED]@127.0.0.1:${gateway.port}/`);
        expectClean('a refused push', refused.stderr, MASKED);
      }
    } finally {
      await gateway.close();
      for (const provider of ['yativo', 'fatora', 'invisible-collector'] as const) sandbox.setFaults(provider, {});
    }
    const port = await closedPort();
    const nobody = await cli(['sync', '--config', config, '--input', input, '--full', '--metrics-push', `http://pusher:\${PUSH_PASSWORD}@127.0.0.1:${port}`], { cwd: tmp.dir, env: ENV });
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('could not push the metrics to http://pusher:[REDACTED]@');
    expectClean('a push to nothing', nobody.stderr, MASKED);

    // Not a URL a gateway has: exit 2, and the message shows no password either.
    // Written out raw, the password's @ and / make a host and a path of its end: refused before anything is shown.
    const raw = await cli(['sync', '--config', config, '--input', input, '--metrics-push', `http://pusher:${SECRETS.pushPassword}@127.0.0.1:${port}`], { cwd: tmp.dir, env: ENV });
    expect(raw.code).toBe(2);
    expect(raw.stderr).toBe("customer-sync: --metrics-push has an @ after its host: percent-encode a password's @, /, ? and # (%40, %2F, %3F, %23), or give it as ${VAR}\n");
    const encoded = encodeURIComponent(SECRETS.pushPassword);
    for (const bad of [`ftp://pusher:${encoded}@127.0.0.1/`, `http://pusher:${encoded}@`, `http://pusher:\${PUSH_PASSWORD}@[::1`, 'https://pusher:${PUSH_PASSWORD}@/']) {
      const refused = await cli(['sync', '--config', config, '--input', input, '--metrics-push', bad], { cwd: tmp.dir, env: ENV });
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/^customer-sync: --metrics-push must be /);
      expectClean(`--metrics-push ${bad.slice(0, 8)}`, refused.stderr);
    }
  });
});

describe('a PostgreSQL input as messages, logs and the report name it (test:scale runs it against the server)', () => {
  it("shows the URL with its password and its client key's passphrase (sslpassword) redacted, and knows both as secrets", () => {
    const env = { DB_PASSWORD: SECRETS.pgPassword, PGPASSWORD: SECRETS.pgPassword };
    const input = `postgresql://app:\${DB_PASSWORD}@db.internal:5432/crm?sslmode=require&sslpassword=${SECRETS.sslPassword}`;
    const location = resolvePostgresLocation(input, env);
    expect(location.label).toBe('postgresql://app:[REDACTED]@db.internal:5432/crm?sslmode=require&sslpassword=[REDACTED]');
    expect(location.secrets).toEqual(expect.arrayContaining([SECRETS.pgPassword, SECRETS.sslPassword]));
    // The password from PGPASSWORD alone: in what pg is given, not in the label.
    const fromEnvironment = resolvePostgresLocation(`postgresql://app@db.internal/crm?sslpassword=${SECRETS.sslPassword}`, env);
    expect(fromEnvironment.label).toBe('postgresql://app@db.internal/crm?sslpassword=[REDACTED]');
    expect(fromEnvironment.secrets).toEqual(expect.arrayContaining([SECRETS.pgPassword, SECRETS.sslPassword]));
    // A variable not set: the input as given, with what it spells out redacted.
    const missing = (() => {
      try {
        resolvePostgresLocation(`postgresql://app:\${NOT_SET}@db.internal/crm?sslpassword=${SECRETS.sslPassword}`, {});
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(missing).toBeInstanceOf(SourceError);
    // Written out raw, a password's @ and / would make a host and a database of its end.
    expect(() => resolvePostgresLocation(`postgresql://app:${SECRETS.pushPassword}@db.internal:5432/crm`, {})).toThrow(
      new SourceError('(PostgreSQL URL)', "the PostgreSQL input has an @ after its host: percent-encode a password's @, /, ? and # (%40, %2F, %3F, %23), or give it as ${VAR} or PGPASSWORD"),
    );
    expectClean('a missing variable', `${(missing as Error).message} ${JSON.stringify(missing)}`);
  });
});
