import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { buildStoreForChild, exited, runScript, waitForLine } from './child-process.js';
import { failureFixture, intentFixture } from './contract.js';

// Each child is a separate `node` process running the real store, compiled from src/state by buildStoreForChild.
let dir: string;
let children: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'customer-sync-crash-'));
  buildStoreForChild(dir);
});

afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children = [];
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(name: string, code: string, args: string[]): ChildProcess {
  const child = runScript(dir, name, code, args);
  children.push(child);
  return child;
}

describe('SqliteStateStore when its process is killed', () => {
  it('keeps an intent whose promise resolved just before SIGKILL', async () => {
    const path = join(dir, 'killed-once', 'state.db');
    const child = start(
      'kill-after-intent.mjs',
      `import { SqliteStateStore } from './src/state/sqlite-store.js';
       const [path, intent] = process.argv.slice(2);
       const store = SqliteStateStore.open(path);
       await store.recordIntent('cus_killed', 'fatora', JSON.parse(intent));
       process.kill(process.pid, 'SIGKILL');`,
      [path, JSON.stringify(intentFixture({}, 'fatora'))],
    );
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
    // Never checkpointed: the intent is only in the write-ahead log the killed process left behind.
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);

    const store = SqliteStateStore.open(path);
    try {
      expect(await store.get('cus_killed', 'fatora')).toEqual({ intent: intentFixture({}, 'fatora') });
      expect(store.integrityCheck()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('keeps every write acknowledged before a SIGKILL from outside, at any point', async () => {
    const path = join(dir, 'killed-mid-run', 'state.db');
    const child = start(
      'write-until-killed.mjs',
      `import { writeSync } from 'node:fs';
       import { SqliteStateStore } from './src/state/sqlite-store.js';
       const [path, intent, failure] = process.argv.slice(2);
       const store = SqliteStateStore.open(path);
       for (let i = 0; ; i++) {
         await store.recordIntent('cus_' + i, 'yativo', { ...JSON.parse(intent), idempotencyKey: 'key-' + i });
         if (i % 2 === 1) await store.recordFailure('cus_' + i, 'yativo', JSON.parse(failure), 'unknown');
         writeSync(1, i + '\\n');
       }`,
      [path, JSON.stringify(intentFixture()), JSON.stringify(failureFixture({ kind: 'unknown_outcome' }))],
    );
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitForLine(child, (line) => Number(line) >= 60);
    child.kill('SIGKILL');
    expect((await exited(child)).signal).toBe('SIGKILL');
    const acknowledged = Math.max(...stdout.split('\n').filter(Boolean).map(Number));

    const store = SqliteStateStore.open(path);
    try {
      for (let i = 0; i <= acknowledged; i++) {
        const link = await store.get(`cus_${i}`, 'yativo');
        expect(link?.intent?.idempotencyKey).toBe(`key-${i}`);
        expect(link?.intent?.status).toBe(i % 2 === 1 ? 'unknown_outcome' : 'pending');
      }
      expect(store.integrityCheck()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('waits for another process holding the write lock instead of failing, from the open on', async () => {
    const path = join(dir, 'locked', 'state.db');
    await SqliteStateStore.open(path).close();
    const child = start(
      'hold-lock.mjs',
      `import Database from 'better-sqlite3';
       const db = new Database(process.argv[2]);
       db.exec('BEGIN IMMEDIATE');
       db.prepare("INSERT INTO links (customer_id, provider, provider_id, updated_at) VALUES ('cus_other', 'fatora', 'F-9', ?)")
         .run(new Date().toISOString());
       process.stdout.write('locked\\n');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
       const committing = Date.now();
       db.exec('COMMIT');
       db.close();
       process.stdout.write('committed ' + committing + '\\n');`,
      [path],
    );
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitForLine(child, (line) => line === 'locked');

    // Opening writes (it proves the file writable), so it is the open that waits for the lock, however long the
    // child takes; what is checked is the order of events, not how long anything took.
    const store = SqliteStateStore.open(path);
    const opened = Date.now();
    try {
      await store.recordIntent('cus_1', 'fatora', intentFixture({}, 'fatora'));
      expect(await store.get('cus_1', 'fatora')).toEqual({ intent: intentFixture({}, 'fatora') });
      expect(await store.get('cus_other', 'fatora')).toEqual({ providerId: 'F-9' });
    } finally {
      await store.close();
    }
    expect((await exited(child)).code).toBe(0);
    const committing = Number(/committed (\d+)/.exec(stdout)?.[1]);
    expect(opened).toBeGreaterThanOrEqual(committing);
  });
});
