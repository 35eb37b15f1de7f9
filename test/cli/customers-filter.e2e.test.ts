// `customer-sync sync --customers ID,…`: only those customers of the input are synced; an id the input holds no
// record of is a warning and exit 1; the raw-line skip neither skips nor remembers lines in such a run, and forgets
// the line of each customer it sends.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSyncReport } from '../../src/job/run-sync.js';
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

async function sync(lines: unknown[], extra: string[] = []): Promise<{ code: number; report: RunSyncReport; stderr: string }> {
  writeFileSync(file, ndjson(lines));
  const run = await cli(['sync', '--config', config, '--input', file, '--json', ...extra], { cwd: tmp.dir });
  return { code: run.code, report: JSON.parse(run.stdout) as RunSyncReport, stderr: run.stderr };
}

/** The customers whose last confirmed line the state remembers. */
function rememberedLines(): string[] {
  const db = new Database(join(tmp.dir, '.customer-sync/state.db'), { readonly: true });
  try {
    return db.prepare<[], string>('SELECT customer_id FROM raw_lines ORDER BY customer_id').pluck().all();
  } finally {
    db.close();
  }
}

const ids = (provider: string): string[] => sandbox.customers(provider).map((c) => String((c as { id: string }).id)).sort();

describe('sync --customers', () => {
  it('syncs only the customers named; the others are passed over, counted nowhere', async () => {
    const { code, report, stderr } = await sync([customer(1), customer(2), '{"id": "c-bad", "email": "nope"}', 'not json', customer(3)], [
      '--customers',
      ' c-1 , c-3',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(report.records).toEqual({ read: 2, invalid: 0 });
    expect(report.providers.bluetape).toMatchObject({ created: 2 });
    expect(report.customers).toEqual({ requested: 2, notFound: [] });
    expect(ids('bluetape')).toEqual(['c-1', 'c-3']);
  });

  it('reports a named customer whose record is invalid as invalid, not as missing', async () => {
    const { code, report } = await sync([customer(1), { id: 'c-bad', email: 'nope' }], ['--customers', 'c-bad']);
    expect(code).toBe(1);
    expect(report.records).toEqual({ read: 1, invalid: 1 });
    expect(report.invalid[0]).toMatchObject({ customerId: 'c-bad' });
    expect(report.customers?.notFound).toEqual([]);
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('warns about ids the input holds no record of, and exits 1', async () => {
    const { code, report, stderr } = await sync([customer(1), customer(2)], ['--customers', 'c-1,c-9,c-10']);
    expect(code).toBe(1);
    expect(stderr).toContain('customer-sync: warning: --customers: the input holds no record of c-9, c-10');
    expect(report.customers).toEqual({ requested: 3, notFound: ['c-9', 'c-10'] });
    expect(report.providers.yativo).toMatchObject({ created: 1 });
    expect(ids('yativo')).toHaveLength(1);
  });

  it('an input of only other customers is not an empty input: exit 1, every id missing', async () => {
    const { code, report } = await sync([customer(1)], ['--customers', 'c-7']);
    expect(code).toBe(1);
    expect(report.customers?.notFound).toEqual(['c-7']);
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('refuses an empty list', async () => {
    writeFileSync(file, ndjson([customer(1)]));
    const run = await cli(['sync', '--config', config, '--input', file, '--customers', ' , '], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--customers needs at least one customer id');
  });

  it('plans only the customers named in a dry run', async () => {
    const { report } = await sync([customer(1), customer(2)], ['--customers', 'c-2', '--dry-run']);
    expect(report.records.read).toBe(1);
    expect(new Set(report.planned?.map((p) => p.customerId))).toEqual(new Set(['c-2']));
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('neither skips nor remembers lines, and forgets the line of each customer it sends', async () => {
    const c1 = customer(1);
    const c1Changed = customer(1, { lastName: 'Changed' });
    const c2 = customer(2);
    await sync([c1, c2]);
    expect(rememberedLines()).toEqual(['c-1', 'c-2']);

    // c-1 changed, synced alone: sent, and its old line no longer stands for it.
    const alone = await sync([c1Changed, c2], ['--customers', 'c-1']);
    expect(alone.report.providers.bluetape).toMatchObject({ updated: 1 });
    expect(rememberedLines()).toEqual(['c-2']);

    // The same again: a known line's customer cannot be told without parsing it, so it is parsed; nothing is
    // remembered, and c-1 (unchanged by its payload hash) is found.
    const same = await sync([c1Changed, c2], ['--customers', 'c-1']);
    expect(same.code).toBe(0);
    expect(same.report.providers.bluetape).toMatchObject({ unchanged: 1, requests: 0 });
    expect(same.report.customers?.notFound).toEqual([]);
    expect(rememberedLines()).toEqual(['c-2']);

    // A full run after it remembers both lines again.
    const full = await sync([c1Changed, c2]);
    expect(full.report.providers.bluetape).toMatchObject({ unchanged: 2, requests: 0 });
    expect(rememberedLines()).toEqual(['c-1', 'c-2']);

    // Back to c-1's first line: it was forgotten by the run of c-1 alone, so it is sent, not skipped.
    const back = await sync([c1, c2]);
    expect(back.report.providers.bluetape).toMatchObject({ updated: 1, unchanged: 1 });
    expect(sandbox.customers('bluetape').find((c) => (c as { id: string }).id === 'c-1')).toMatchObject({ lastName: 'Number1' });
  });
});
