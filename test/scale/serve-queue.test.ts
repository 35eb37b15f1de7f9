import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_NAME } from '../../src/queue/settings.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { customer, tempDir, writeSandboxConfig } from '../cli/helpers.js';
import { REDIS_URL, requireRedis, uniqueNamespace } from './redis.js';
import { cleanNamespace, spawnCli, stopChildren, testQueue, until, type Child } from './scale-harness.js';

// `serve --queue` and a worker, both as the CLI (child processes), on the real Redis: POST queues (202), the worker
// delivers, GET /v1/jobs/{id} says how it ended.

const TOKEN = 'scale-serve-token-6d1e0b7a94c2f358';
const auth = { authorization: `Bearer ${TOKEN}` };

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let namespace: string;
let env: Record<string, string>;
let config: string;
let server: Child;
let url: string;

beforeAll(async () => {
  await requireRedis();
  sandbox = await startSandbox();
  tmp = tempDir();
  namespace = uniqueNamespace();
  env = { SERVE_TOKEN: TOKEN, CUSTOMER_SYNC_NAMESPACE: namespace };
  config = writeSandboxConfig(tmp.dir, sandbox, { redis: REDIS_URL, serve: { tokens: ['${SERVE_TOKEN}'] }, state: 'worker-state.db' });
  server = spawnCli(['serve', '--queue', '--config', config, '--port', '0', '--log-level', 'info'], { cwd: tmp.dir, env });
  await server.waitFor('"msg":"serving"');
  url = /Serving on (http:\/\/\S+) /.exec(server.stdout())?.[1] ?? '';
});
afterAll(async () => {
  if (server) {
    const [stopped] = await stopChildren([server]);
    expect(stopped?.code).toBe(0);
    expect(server.stderr()).not.toContain(TOKEN);
  }
  await sandbox?.close();
  if (namespace) await cleanNamespace(namespace);
  tmp?.remove();
});

async function job(id: string): Promise<{ status: number; body: { state?: string; result?: unknown; error?: string } }> {
  const response = await fetch(`${url}/v1/jobs/${encodeURIComponent(id)}`, { headers: auth });
  return { status: response.status, body: (await response.json()) as { state?: string } };
}

function post(record: unknown): Promise<Response> {
  return fetch(`${url}/v1/customers`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(record) });
}

describe('customer-sync serve --queue', () => {
  it('answers 202 with a job id, which waits until a worker delivers it, then reports the outcomes', async () => {
    const queued = await post(customer(1));
    expect(queued.status).toBe(202);
    const { jobId } = (await queued.json()) as { jobId: string };
    expect(jobId).toEqual(expect.any(String));
    expect(await job(jobId)).toEqual({ status: 200, body: { jobId, state: 'waiting' } });
    expect(sandbox.customers('yativo')).toEqual([]);

    const worker = spawnCli(['worker', '--config', config, '--log-level', 'info'], { cwd: tmp.dir, env });
    try {
      await worker.waitFor('worker ready');
      await until('the job to complete', async () => (await job(jobId)).body.state === 'completed');
    } finally {
      const [stopped] = await stopChildren([worker]);
      expect(stopped?.code).toBe(0);
    }
    const ids = {
      yativo: sandbox.customers('yativo')[0]?.customer_id,
      'invisible-collector': sandbox.customers('invisible-collector')[0]?.gid,
    };
    const { status, body } = await job(jobId);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      jobId,
      state: 'completed',
      result: {
        customerId: 'c-1',
        providers: {
          yativo: { status: 'created', providerId: ids.yativo, warnings: [], retries: 0 },
          fatora: { status: 'created', providerId: expect.any(String) },
          bluetape: { status: 'created', providerId: expect.any(String) },
          'invisible-collector': { status: 'created', providerId: ids['invisible-collector'] },
        },
      },
    });
  });

  it('answers 422 for an invalid record and queues nothing; 404 for an unknown job; 401 without a token', async () => {
    const queue = testQueue(namespace);
    try {
      const before = await queue.getJobCounts();
      const invalid = await post({ id: 'c-2', email: 'nope' });
      expect([invalid.status, await invalid.json()]).toEqual([422, { issues: [{ path: 'email', message: 'must be a valid email address' }] }]);
      expect(await queue.getJobCounts()).toEqual(before);
    } finally {
      await queue.close();
    }
    expect(await job('no-such-job')).toEqual({ status: 404, body: { error: 'no such job' } });
    const anonymous = await fetch(`${url}/v1/jobs/1`);
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
  });

  it('reports a job that failed on our side as failed, with the reason', async () => {
    // A job no worker can run: its customer is not valid (another version may have queued it).
    const queue = testQueue(namespace);
    let jobId: string;
    try {
      const added = await queue.add(JOB_NAME, { customer: { id: 'c-3', email: 'person3@example.com', phone: 'not a phone' } });
      jobId = added.id ?? '';
    } finally {
      await queue.close();
    }
    const worker = spawnCli(['worker', '--config', config], { cwd: tmp.dir, env });
    try {
      await until('the job to fail', async () => (await job(jobId)).body.state === 'failed');
    } finally {
      await stopChildren([worker]);
    }
    expect(await job(jobId)).toEqual({ status: 200, body: { jobId, state: 'failed', error: "the job's customer is not valid (phone)" } });
  });

  it('serves the queue depth at /metrics', async () => {
    const queue = testQueue(namespace);
    try {
      await queue.add(JOB_NAME, { customer: customer(4) });
      const waiting = await queue.getJobCounts('waiting');
      const body = await (await fetch(`${url}/metrics`)).text();
      expect(body).toContain(`customer_sync_queue_jobs{state="waiting"} ${waiting.waiting}`);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('documents GET /v1/jobs/{id} in /openapi.json', async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: object }>> };
    expect(Object.keys(document.paths['/v1/jobs/{id}']?.get?.responses ?? {})).toEqual(['200', '401', '404']);
  });
});
