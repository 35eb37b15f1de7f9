import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import type { SyncReport } from '../../src/job/report.js';
import { customer, ndjson, tempDir, totalRequests, writeSandboxConfig } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');
// The child runs from a temp folder: tsx is found from here, not from its working directory.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const COUNT = 60;

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let config: string;
let input: string;

beforeEach(async () => {
  sandbox = await startSandbox();
  tmp = tempDir();
  // Slow enough that a kill lands mid-run: 60 customers × 4 providers at 60 requests/s each.
  config = writeSandboxConfig(tmp.dir, sandbox);
  const slow = JSON.parse(readFileSync(config, 'utf8')) as { providers: Record<string, { rateLimit: unknown }> };
  for (const provider of Object.values(slow.providers)) provider.rateLimit = { perSecond: 60, concurrency: 4 };
  writeFileSync(config, JSON.stringify(slow));
  input = join(tmp.dir, 'customers.ndjson');
  writeFileSync(input, ndjson(Array.from({ length: COUNT }, (_, i) => customer(i + 1))));
});

afterEach(async () => {
  await sandbox.close();
  tmp.remove();
});

interface Child {
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

function runChild(extra: string[] = []): Child {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'sync', '--config', config, '--input', input, ...extra], {
    cwd: tmp.dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => {
      if (code === 2) console.error(stderr);
      done({ code, signal });
    }),
  );
  return { exit, kill: (signal) => child.kill(signal) };
}

async function waitForRequests(atLeast: number): Promise<void> {
  while (totalRequests(sandbox) < atLeast) await new Promise((r) => setTimeout(r, 20));
}

/** Every provider holds each customer exactly once: no record lost, none created twice. */
function expectExactlyOnce(count = COUNT): void {
  const keys = {
    yativo: (c: Record<string, unknown>) => c.customer_email,
    fatora: (c: Record<string, unknown>) => c.email,
    bluetape: (c: Record<string, unknown>) => c.id,
    'invisible-collector': (c: Record<string, unknown>) => c.externalId,
  };
  for (const [provider, key] of Object.entries(keys) as Array<[keyof typeof keys, (c: Record<string, unknown>) => unknown]>) {
    const seen = sandbox.customers(provider).map((c) => key(c as Record<string, unknown>));
    expect({ provider, count: seen.length, distinct: new Set(seen).size }).toEqual({ provider, count, distinct: count });
  }
}

describe('crash safety', () => {
  it('a sync killed with SIGKILL at several moments, then rerun, loses nothing and creates nothing twice', async () => {
    const moments = [5, 40, 90, 150, 220];
    for (const requests of moments) {
      const child = runChild();
      await Promise.race([waitForRequests(requests), child.exit]);
      child.kill('SIGKILL');
      await child.exit;
    }
    const finish = await runChild().exit;
    expect(finish.code).toBe(0);
    expectExactlyOnce();

    const before = totalRequests(sandbox);
    expect((await runChild().exit).code).toBe(0);
    expect(totalRequests(sandbox)).toBe(before);

    const store = SqliteStateStore.open(join(tmp.dir, '.customer-sync/state.db'));
    expect(store.integrityCheck()).toEqual([]);
    expect(store.attention()).toEqual([]);
    await store.close();
  }, 120_000);

  it('SIGINT stops gracefully: in-flight records finish, the report says interrupted, a rerun completes', async () => {
    const many = 200;
    writeFileSync(input, ndjson(Array.from({ length: many }, (_, i) => customer(i + 1))));
    const child = runChild(['--report', 'report.json']);
    await waitForRequests(30);
    child.kill('SIGINT');
    const stopped = await child.exit;
    expect(stopped.code).toBe(1);
    const report = JSON.parse(readFileSync(join(tmp.dir, 'report.json'), 'utf8')) as SyncReport;
    expect(report.interrupted).toBe(true);
    expect(report.records.read).toBeLessThan(many);
    expect(report.failures).toEqual([]);
    // Every record the report counts as read was finished at every provider before the process left.
    for (const counts of Object.values(report.providers)) expect(counts.created).toBe(report.records.read);

    expect((await runChild().exit).code).toBe(0);
    expectExactlyOnce(many);
  }, 60_000);
});
