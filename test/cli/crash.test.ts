import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import type { SyncReport } from '../../src/job/report.js';
import { customer, ndjson, spawnSync, tempDir, totalRequests, writeSandboxConfig, type CliChild } from './helpers.js';

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

function runChild(extra: string[] = []): CliChild {
  return spawnSync(tmp.dir, config, input, extra);
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

// In `npm run test:reliability`, whose timeout (a hang's, far above the ~30 s this file takes) applies to both.
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
  });

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
  });
});
