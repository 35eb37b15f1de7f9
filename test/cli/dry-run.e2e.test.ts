import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIST_CAP, type SyncReport } from '../../src/job/report.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { cli, customer, ndjson, tempDir, totalRequests, writeSandboxConfig } from './helpers.js';

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let config: string;

beforeEach(async () => {
  sandbox = await startSandbox();
  tmp = tempDir();
  config = writeSandboxConfig(tmp.dir, sandbox);
});

afterEach(async () => {
  await sandbox.close();
  tmp.remove();
});

function input(name: string, count: number): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, ndjson(Array.from({ length: count }, (_, i) => customer(i + 1))));
  return path;
}

describe('customer-sync sync --dry-run on an input larger than the report keeps', () => {
  it('keeps the first LIST_CAP planned requests in the report and counts the rest; the text output prints every one', async () => {
    // How many requests one customer plans (all four providers, nothing in the state), so the total is known.
    const single = await cli(['sync', '--config', config, '--input', input('one.ndjson', 1), '--dry-run', '--json'], { cwd: tmp.dir });
    const perCustomer = (JSON.parse(single.stdout) as SyncReport).planned?.length ?? 0;
    expect(perCustomer).toBeGreaterThanOrEqual(4);
    const customers = Math.ceil((LIST_CAP + 1_000) / perCustomer);
    const total = customers * perCustomer;
    const file = input('many.ndjson', customers);

    const json = await cli(['sync', '--config', config, '--input', file, '--dry-run', '--json'], { cwd: tmp.dir });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as SyncReport;
    expect(report.records.read).toBe(customers);
    expect(report.planned).toHaveLength(LIST_CAP);
    expect(report.truncated).toEqual({ failures: 0, invalid: 0, warnings: 0, planned: total - LIST_CAP });
    expect(report.planned?.[0]?.customerId).toBe('c-1');

    const text = await cli(['sync', '--config', config, '--input', file, '--dry-run', '--report', 'out/report.json'], { cwd: tmp.dir });
    expect(text.code).toBe(0);
    expect(text.stdout.match(/^c-\d+ → /gm)).toHaveLength(total);
    expect(text.stdout).toContain(
      `${total} requests planned, all printed above; the report's "planned" lists the first ${LIST_CAP} (truncated.planned: ${total - LIST_CAP} left out).`,
    );
    const written = JSON.parse(readFileSync(join(tmp.dir, 'out/report.json'), 'utf8')) as SyncReport;
    expect(written.planned).toHaveLength(LIST_CAP);
    expect(written.truncated.planned).toBe(total - LIST_CAP);

    expect(totalRequests(sandbox)).toBe(0);
    expect(existsSync(join(tmp.dir, '.customer-sync/state.db'))).toBe(false);
  });
});
