// Errors that help (issue 12, points 2 and 4): the summary says why, a refused credential is a headline, a config
// typo is named with the key meant, a file that is not JSON with its line and column, a missing file plainly, and an
// input that cannot be meant (empty, or clearly another format) stops the run before anything is sent (exit 2).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../src/job/report.js';
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

function file(name: string, content: string | Buffer): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, content);
  return path;
}

const sync = (args: string[], stdin?: string) => cli(['sync', '--config', config, ...args], { cwd: tmp.dir, stdin });

/** A customer without `updatedAt`, which BlueTape requires. */
function undated(i: number): Record<string, unknown> {
  const record = customer(i);
  delete record.updatedAt;
  return record;
}

/** A CSV export: a header and `rows` customers. */
function csv(rows: number): string {
  const lines = ['id,email,firstName,lastName,phone,country,vatNumber,updatedAt'];
  for (let i = 1; i <= rows; i++) {
    lines.push(`c-${i},person${i}@example.com,Person,Number${i},+35191234${String(i).padStart(4, '0')},PT,PT${500000000 + i},2026-11-01T10:00:00Z`);
  }
  return `${lines.join('\n')}\n`;
}

describe('the summary says why', () => {
  it("shows each failure's message, not only its kind", async () => {
    const run = await sync(['--input', file('in.ndjson', ndjson([undated(1)])), '--only', 'bluetape']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('failed bluetape c-1 (invalid): BlueTape requires');
    expect(run.stdout).toMatch(/failed bluetape c-1 \(invalid\): BlueTape requires[^\n]*updatedAt/);
    expect(run.stdout).not.toMatch(/failed bluetape c-1: invalid$/m);
  });

  it('shows the first 10 failures, then how many more the report holds', async () => {
    const records = Array.from({ length: 13 }, (_, i) => undated(i + 1));
    const run = await sync(['--input', file('in.ndjson', ndjson(records)), '--only', 'bluetape', '--report', 'report.json']);
    expect(run.code).toBe(1);
    expect(run.stdout.match(/^failed bluetape /gm)).toHaveLength(10);
    expect(run.stdout).toContain('… and 3 more failures, see the report (report.json)');
    const report = JSON.parse(readFileSync(join(tmp.dir, 'report.json'), 'utf8')) as SyncReport;
    expect(report.failures).toHaveLength(13);
  });

  it('lists the customers skipped for each reason, in the summary and the report', async () => {
    const cfg = JSON.parse(readFileSync(config, 'utf8')) as { providers: Record<string, Record<string, unknown>> };
    writeFileSync(config, JSON.stringify({ ...cfg, providers: { fatora: { ...cfg.providers.fatora, createMissing: false } } }));
    const run = await sync(['--input', file('in.ndjson', ndjson([1, 2, 3].map((i) => customer(i)))), '--report', 'report.json']);
    expect(run.code).toBe(0);
    const reason = 'no Fatora client id is known (providerIds.fatora) and createMissing is off';
    expect(run.stdout).toContain(`skipped at fatora (3): ${reason}\n  c-1, c-2, c-3`);
    const report = JSON.parse(readFileSync(join(tmp.dir, 'report.json'), 'utf8')) as SyncReport;
    expect(report.skipped).toEqual([{ provider: 'fatora', reason, count: 3, customerIds: ['c-1', 'c-2', 'c-3'] }]);
  });

  it('says what a dry run would do', async () => {
    const run = await sync(['--input', file('in.ndjson', ndjson([customer(1)])), '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Dry run: nothing was sent.');
    expect(run.stdout).toMatch(/^provider\s+would create\s+would update\s+unchanged\s+would skip\s+would fail$/m);
    expect(run.stdout).toMatch(/^yativo\s+1\s+0\s+0\s+0\s+0$/m);
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('puts a provider that refused the credentials first, naming the key to check', async () => {
    const cfg = JSON.parse(readFileSync(config, 'utf8')) as { providers: Record<string, Record<string, unknown>> };
    cfg.providers.yativo = { ...cfg.providers.yativo, token: 'not-the-token' };
    writeFileSync(config, JSON.stringify(cfg));
    const run = await sync(['--input', file('in.ndjson', ndjson([1, 2, 3].map((i) => customer(i))))]);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('yativo refused the credentials (HTTP 401): nothing was sent to it after that; check providers.yativo.token');
    expect(run.stdout).not.toContain('not-the-token');
    expect(sandbox.customers('fatora')).toHaveLength(3);
  });
});

describe('config errors that help', () => {
  it('names the option meant for a typo, and exits 2', async () => {
    const cfg = JSON.parse(readFileSync(config, 'utf8')) as { providers: Record<string, Record<string, unknown>> };
    const { token, ...rest } = cfg.providers.yativo!;
    cfg.providers.yativo = { ...rest, tokn: token };
    writeFileSync(config, JSON.stringify(cfg));
    const input = file('in.ndjson', ndjson([customer(1)]));
    const run = await sync(['--input', input]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('providers.yativo.tokn: unknown option tokn; did you mean token?');
    expect(run.stderr).not.toContain(String(token));
    writeFileSync(config, JSON.stringify({ ...cfg, stat: 'x.db' }));
    const top = await sync(['--input', input]);
    expect(top.code).toBe(2);
    expect(top.stderr).toContain('stat: unknown key stat; did you mean state? known: providers, retry, state, redis');
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('names the provider meant for a misspelt id', async () => {
    file('typo.json', JSON.stringify({ providers: { yativoo: { token: 't' } } }));
    const run = await cli(['sync', '--config', 'typo.json', '--input', file('in.ndjson', ndjson([customer(1)]))], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('providers.yativoo: unknown provider yativoo; did you mean yativo? known: yativo, fatora, bluetape, invisible-collector');
  });

  it('names the line and column of a file that is not JSON, never quoting it', async () => {
    const path = file('broken.json', '{\n  "providers": {\n    "yativo": { "token": "tok-secret-1" }\n  }\n  "state": "x.db"\n}\n');
    const run = await cli(['sync', '--config', 'broken.json', '--input', file('in.ndjson', ndjson([customer(1)]))], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`customer-sync: Config file ${path} is not valid JSON at line 5, column 3: expected ',' or '}' after a property value\n`);
  });

  it('says plainly that a config file does not exist', async () => {
    const run = await cli(['sync', '--config', 'nope.json', '--input', file('in.ndjson', ndjson([customer(1)]))], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`customer-sync: config file ${join(tmp.dir, 'nope.json')} does not exist\n`);
    expect(run.stderr).not.toContain('(record)');
    expect(run.stderr).not.toContain('ENOENT');
  });
});

describe('an input that cannot be meant', () => {
  it('stops on CSV read as NDJSON from stdin with a hint, having sent nothing (exit 2)', async () => {
    const run = await sync(['--input', '-'], csv(30));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'customer-sync: standard input does not look like NDJSON: its first 20 records could not be parsed (not valid JSON); ' +
        'its first line looks like CSV (commas and no "{"): rerun with --format csv. Nothing was sent.\n',
    );
    expect(totalRequests(sandbox)).toBe(0);
    expect(run.stdout).toBe('');
    const right = await sync(['--input', '-', '--format', 'csv', '--json'], csv(30));
    expect(right.code).toBe(0);
    expect((JSON.parse(right.stdout) as SyncReport).records).toEqual({ read: 30, invalid: 0 });
  });

  it('stops on a short CSV read as NDJSON too, since its first line tells', async () => {
    const run = await sync(['--input', '-'], csv(2));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('none of its 3 records could be parsed (not valid JSON)');
    expect(run.stderr).toContain('rerun with --format csv');
  });

  it('stops on random bytes, saying they are not text', async () => {
    let seed = 7;
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      bytes[i] = (seed >> 16) & 0xff;
    }
    const run = await sync(['--input', file('random.ndjson', bytes)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^customer-sync: ".*random\.ndjson" does not look like NDJSON: /);
    expect(run.stderr).toContain('its first line looks like binary data, not text: check that --input names the customer file. Nothing was sent.');
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('stops on a pretty-printed JSON array read as NDJSON, naming --format json', async () => {
    const run = await sync(['--input', '-'], `${JSON.stringify([1, 2, 3, 4, 5, 6, 7].map((i) => customer(i)), null, 2)}\n`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('its first line looks like a JSON array (it starts with "["): rerun with --format json');
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('goes on when a record parses within the first 20, and reports the rest as invalid', async () => {
    const lines = [...Array.from({ length: 19 }, () => 'not json'), JSON.stringify(customer(1)), ...Array.from({ length: 5 }, () => 'not json')];
    const run = await sync(['--input', file('in.ndjson', `${lines.join('\n')}\n`), '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as SyncReport;
    expect(report.records).toEqual({ read: 25, invalid: 24 });
    expect(report.providers.yativo?.created).toBe(1);
  });

  it('stops at 20 unparsable records even when the 21st would parse, having sent nothing', async () => {
    const lines = [...Array.from({ length: 20 }, (_, i) => `{"id": "broken-${i}"`), JSON.stringify(customer(1))];
    const run = await sync(['--input', file('in.ndjson', `${lines.join('\n')}\n`)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('its first 20 records could not be parsed (not valid JSON); check the input, or name its format with --format ndjson|csv|json');
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('stops on an empty input (exit 2) unless --allow-empty (exit 0)', async () => {
    const empty = file('empty.ndjson', '');
    const run = await sync(['--input', empty]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`customer-sync: input is empty: nothing to sync ("${empty}" holds no record); --allow-empty makes an empty input a success\n`);
    const blank = await sync(['--input', '-'], '\n   \n\n');
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('input is empty: nothing to sync (standard input holds no record)');
    const allowed = await sync(['--input', empty, '--allow-empty', '--json']);
    expect(allowed.code).toBe(0);
    expect((JSON.parse(allowed.stdout) as SyncReport).records).toEqual({ read: 0, invalid: 0 });
    const dry = await sync(['--input', empty, '--dry-run']);
    expect(dry.code).toBe(2);
  });

  it('stops on a CSV header alone (exit 2)', async () => {
    const header = file('header.csv', 'id,email,firstName\n');
    const run = await sync(['--input', header]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('input is empty: nothing to sync');
    expect((await sync(['--input', header, '--allow-empty'])).code).toBe(0);
  });
});
