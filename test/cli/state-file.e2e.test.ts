import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { makeUnwritable } from '../state/sqlite-helpers.js';
import { cli, customer, ndjson, runCliChild, tempDir, totalRequests, writeSandboxConfig } from './helpers.js';

// DESIGN §6: a state that cannot be written is exit 2, "could not run", and it is found before any request leaves,
// not at the first write after one did. Tests run as root here, where file modes do not stop a write: the states
// below are ones root cannot write either.

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let config: string;
let input: string;

beforeEach(async () => {
  sandbox = await startSandbox();
  tmp = tempDir();
  config = writeSandboxConfig(tmp.dir, sandbox);
  input = join(tmp.dir, 'customers.ndjson');
  writeFileSync(input, ndjson([1, 2, 3].map((i) => customer(i))));
});

afterEach(async () => {
  await sandbox.close();
  tmp.remove();
});

describe('customer-sync sync with a state it cannot write', () => {
  it('stops with exit 2 naming the state when it is a directory, before sending anything', async () => {
    const directory = join(tmp.dir, 'state-dir');
    mkdirSync(directory);
    const run = await cli(['sync', '--config', config, '--input', input, '--state', directory], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`state file ${directory} is a directory`);
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('stops with exit 2 naming the state when its directory cannot be created (/proc), at once, before sending anything', async () => {
    // A child process: Node's recursive mkdir used to loop forever on this path, and a hang must fail the test.
    const state = '/proc/customer-sync-no-such-dir/state.db';
    const run = await runCliChild(tmp.dir, ['sync', '--config', config, '--input', input, '--state', state]);
    expect(run.hung).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`state file ${state}`);
    expect(run.stderr).toContain('ENOENT');
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('stops with exit 2 naming the state when the file cannot be written, before sending anything', async (context) => {
    const state = join(tmp.dir, 'state.db');
    await SqliteStateStore.open(state).close();
    const before = statSync(state);
    const undo = makeUnwritable(state);
    if (undo === undefined) return context.skip('no way to make a file unwritable for this user here (root without chattr +i)');
    try {
      const run = await cli(['sync', '--config', config, '--input', input, '--state', state], { cwd: tmp.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`state file ${state} cannot be written`);
      expect(totalRequests(sandbox)).toBe(0);
      expect(statSync(state)).toMatchObject({ size: before.size, mtimeMs: before.mtimeMs });
    } finally {
      undo();
    }
  });

  it('stops with exit 2 naming the report when its directory cannot be created, before sending anything', async () => {
    const report = '/proc/customer-sync-no-such-dir/report.json';
    const run = await runCliChild(tmp.dir, ['sync', '--config', config, '--input', input, '--report', report]);
    expect(run.hung).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`report ${report}`);
    expect(totalRequests(sandbox)).toBe(0);
  });
});
