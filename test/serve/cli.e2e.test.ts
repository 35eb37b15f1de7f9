import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { cli, customer, tempDir, writeSandboxConfig } from '../cli/helpers.js';
import { startServe, type Serving } from './serve-child.js';

// `customer-sync serve` as a child process (tsx src/cli/main.ts), called with plain curl.

const TOKEN = 'e2e-serve-token-3f9a1c7d5b2e8046';

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let config: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  tmp = tempDir();
  config = writeSandboxConfig(tmp.dir, sandbox, { serve: { tokens: ['${SERVE_TOKEN}'] }, state: 'state.db' });
});
afterAll(async () => {
  await sandbox?.close();
  tmp?.remove();
});

/** Starts `serve` on a free port; resolves once it says where it listens. */
const serve = (extra: string[] = []): Promise<Serving> =>
  startServe(['--config', config, '--port', '0', ...extra], { cwd: tmp.dir, env: { ...process.env, SERVE_TOKEN: TOKEN } });

/** curl's answer: the status (its last line, from -w) and the body. */
function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-w', '\n%{http_code}', ...args], (error, stdout) => {
      if (error) return reject(error);
      const at = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) });
    });
  });
}

function postCustomer(url: string, record: unknown, token = TOKEN): Promise<{ status: number; body: string }> {
  return curl(['-X', 'POST', '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(record), `${url}/v1/customers`]);
}

/** Resolves when `check` holds, polling; rejects after `ms` (a hang, not a speed limit). */
async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`waited for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('customer-sync serve, called with curl', () => {
  it('pushes a customer, refuses a wrong token, serves /healthz, /metrics and /openapi.json; SIGTERM lets a request in flight finish and exits 0; the token is never logged', async () => {
    const server = await serve(['--log-level', 'debug']);
    try {
      expect(await curl([`${server.url}/healthz`])).toEqual({ status: 200, body: '{"status":"ok"}' });
      const created = await postCustomer(server.url, customer(1));
      expect(created.status).toBe(200);
      const outcomes = JSON.parse(created.body) as { customerId: string; providers: Record<string, { status: string }> };
      expect(outcomes.customerId).toBe('c-1');
      expect(Object.values(outcomes.providers).map((outcome) => outcome.status)).toEqual(['created', 'created', 'created', 'created']);

      expect(await postCustomer(server.url, customer(2), 'wrong-token-0000000000000000')).toEqual({
        status: 401,
        body: '{"error":"a valid bearer token is required (Authorization: Bearer …)"}',
      });
      const invalid = await postCustomer(server.url, { id: 'c-3', email: 'nope' });
      expect([invalid.status, JSON.parse(invalid.body)]).toEqual([422, { issues: [{ path: 'email', message: 'must be a valid email address' }] }]);
      // Prometheus metrics of the pushes (src/metrics), without a token, never naming a customer.
      const metrics = await curl([`${server.url}/metrics`]);
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('customer_sync_outcomes_total{provider="yativo",outcome="created"} 1');
      expect(metrics.body).not.toContain('c-1');
      const openapi = await curl([`${server.url}/openapi.json`]);
      expect((JSON.parse(openapi.body) as { paths: object }).paths).toHaveProperty('/v1/customers');

      // A provider slow to answer keeps a push in flight while the server is told to stop.
      sandbox.setLatency('yativo', 1_500);
      const inFlight = postCustomer(server.url, customer(1, { lastName: 'Renamed' }));
      await until('the push to reach the provider', () => /"provider":"yativo","customerId":"c-1","method":"PUT"/.test(server.stderr()));
      server.child.kill('SIGTERM');
      const finished = await inFlight;
      expect(finished.status).toBe(200);
      expect((JSON.parse(finished.body) as { providers: Record<string, { status: string }> }).providers.yativo?.status).toBe('updated');
      expect(await server.exit).toBe(0);
      expect(sandbox.customers('yativo').find((c) => c.customer_email === 'person1@example.com')?.customer_name).toBe('Person Renamed');
      expect(server.stderr()).toContain('"msg":"stopping: finishing the requests in flight"');
      expect(server.stderr()).not.toContain(TOKEN);
    } finally {
      sandbox.setLatency('yativo', 0);
      server.child.kill('SIGKILL');
    }
  });
});

describe('customer-sync serve cannot start', () => {
  it('exits 2 without a token in the config: it never serves an open endpoint', async () => {
    const other = tempDir();
    try {
      const bare = writeSandboxConfig(other.dir, sandbox);
      const run = await cli(['serve', '--config', bare, '--port', '0'], { cwd: other.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe('customer-sync: serve needs at least one token in the config ("serve": {"tokens": ["${SERVE_TOKEN}"]}): it never serves without one\n');
    } finally {
      other.remove();
    }
  });

  it('exits 2 when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const run = await cli(['serve', '--config', config, '--port', String(port)], { cwd: tmp.dir, env: { SERVE_TOKEN: TOKEN } });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^customer-sync: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
      expect(run.stderr).not.toContain(TOKEN);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('exits 2 naming the variable when the token variable is unset, and refuses a short token without quoting it', async () => {
    const unset = await cli(['serve', '--config', config, '--port', '0'], { cwd: tmp.dir, env: {} });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('serve.tokens.0: environment variable SERVE_TOKEN is not set');
    const short = await cli(['serve', '--config', config, '--port', '0'], { cwd: tmp.dir, env: { SERVE_TOKEN: 'secret1' } });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('serve.tokens.0: must be at least 16 characters');
    expect(short.stderr).not.toContain('secret1');
  });
});
