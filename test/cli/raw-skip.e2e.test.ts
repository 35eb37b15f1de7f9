import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../src/job/report.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { cli, customer, ndjson, tempDir, totalRequests, writeSandboxConfig } from './helpers.js';

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let config: string;
let file: string;

beforeEach(async () => {
  sandbox = await startSandbox();
  tmp = tempDir();
  config = writeSandboxConfig(tmp.dir, sandbox);
  file = join(tmp.dir, 'customers.ndjson');
});

afterEach(async () => {
  await sandbox.close();
  tmp.remove();
});

async function sync(lines: unknown[], extra: string[] = []): Promise<SyncReport> {
  writeFileSync(file, ndjson(lines));
  const run = await cli(['sync', '--config', config, '--input', file, '--json', ...extra], { cwd: tmp.dir });
  return JSON.parse(run.stdout) as SyncReport;
}

describe('lines identical to the last confirmed ones', () => {
  it('are counted unchanged at every provider without being sent or parsed, and a change back is sent', async () => {
    const a = customer(1);
    const b = customer(1, { lastName: 'Changed' });
    await sync([a, customer(2)]);
    const before = totalRequests(sandbox);
    const again = await sync([a, customer(2)]);
    expect(again.providers.bluetape).toMatchObject({ unchanged: 2, requests: 0 });
    expect(totalRequests(sandbox)).toBe(before);

    expect((await sync([b, customer(2)])).providers.bluetape).toMatchObject({ updated: 1, unchanged: 1 });
    // Back to the first line: it is no longer the customer's last confirmed line, so it is sent again.
    expect((await sync([a, customer(2)])).providers.bluetape).toMatchObject({ updated: 1, unchanged: 1 });
    expect(sandbox.customers('bluetape').find((c) => (c as { id: string }).id === 'c-1')).toMatchObject({ lastName: 'Number1' });
  });

  it('are looked at again while any provider has not confirmed them', async () => {
    sandbox.setFaults('fatora', { script: ['pass', '422'] });
    const first = await sync([customer(1)]);
    expect(first.providers.fatora).toMatchObject({ failed: 1 });
    const second = await sync([customer(1)]);
    expect(second.providers.fatora).toMatchObject({ created: 1 });
    expect(second.providers.yativo).toMatchObject({ unchanged: 1 });
  });

  it('are never skipped for a customer who appears twice in one input', async () => {
    const lines = [customer(1), customer(1, { lastName: 'Twin' })];
    await sync(lines);
    const again = await sync(lines);
    // Both lines are read and sent again (the state holds the twin, so the first line is a change): none skipped.
    expect(again.providers.yativo).toMatchObject({ unchanged: 0, updated: 2 });
  });

  it('are sent anyway with --full', async () => {
    await sync([customer(1)]);
    expect((await sync([customer(1)], ['--full'])).providers.yativo).toMatchObject({ updated: 1 });
  });
});
