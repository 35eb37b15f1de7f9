import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { SyncReport } from '../../src/job/report.js';
import { bullOptions, NAMESPACE_ENV, QUEUE_NAME } from '../../src/queue/settings.js';
import { customer, ndjson } from '../cli/helpers.js';
import { REDIS_URL, uniqueNamespace } from './redis.js';

/*
 * What the queue and worker tests (and the shared-limit benchmark, so nothing here may import vitest) share:
 * PostgreSQL databases of their own, CLI children, cleanup of the Redis keys of a test namespace, and queue mode
 * deployed as a user would deploy it.
 */

export const PG_URL = process.env.CUSTOMER_SYNC_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Fails (never skips) with how to start PostgreSQL when it is not there. */
export async function requirePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const where = new URL(PG_URL);
    throw new Error(
      `These tests need PostgreSQL at ${where.host}${where.pathname} (user postgres, trust auth; CUSTOMER_SYNC_TEST_PG=postgres://… ` +
        `for another) and cannot reach it: ${(error as Error).message || String(error)}. Start it with: ` +
        'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A database of its own for one test: the CLI opens the state in the default schema of the URL it is given
 * (`openState` takes no schema), so a fresh database is what keeps runs apart. `drop` ends its connections.
 */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cs_scale_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A namespace's queue, for counting what is left. */
/** One statement on its own connection to `url` (a test database of `freshDatabase`). */
export async function sqlOn(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

export function testQueue(namespace: string): Queue {
  return new Queue(QUEUE_NAME, bullOptions({ redis: REDIS_URL, namespace }));
}

/** Removes every key of a test namespace: the queue (obliterated) and the shared limiters (Bottleneck's `b_` keys). */
export async function cleanNamespace(namespace: string): Promise<void> {
  const queue = testQueue(namespace);
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
  const redis = new Redis(REDIS_URL);
  try {
    for (const pattern of [`${namespace}:*`, `b_${namespace}:*`]) {
      const keys = await redis.keys(pattern);
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');
// The child runs from a temp folder: tsx is found from here, not from its working directory.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Child {
  readonly pid: number;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr contains `text`; rejects if the child exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** `customer-sync <args>` in a child process (tsx), as a user would run it; with `nice`, at that niceness (`nice -n`). */
export function spawnCli(args: string[], options: { cwd: string; env: Record<string, string>; nice?: number }): Child {
  const command = [process.execPath, '--import', TSX, MAIN, ...args];
  if (options.nice !== undefined) command.unshift('nice', '-n', String(options.nice));
  const [file = process.execPath, ...rest] = command;
  const child = spawn(file, rest, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  let exited = false;
  void exit.then(() => (exited = true));
  return {
    pid: child.pid ?? -1,
    exit,
    stdout: () => out,
    stderr: () => err,
    async waitFor(text, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!err.includes(text)) {
        if (exited) throw new Error(`customer-sync ${args[0]} exited before "${text}"; stderr:\n${err}`);
        if (Date.now() > deadline) throw new Error(`customer-sync ${args[0]}: no "${text}" after ${timeoutMs} ms; stderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    kill: (signal) => void child.kill(signal),
  };
}

/** Writes `config.json` in `dir`. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Stops `children` with SIGTERM (a graceful stop) and waits for each to exit. */
export async function stopChildren(children: readonly Child[]): Promise<Array<{ code: number | null; signal: NodeJS.Signals | null }>> {
  for (const child of children) child.kill('SIGTERM');
  return Promise.all(children.map((child) => child.exit));
}

/**
 * Queue mode as deployed: `customer-sync worker` processes and a `sync --queue` coordinator (CLI children) sharing
 * one config with Redis and a PostgreSQL state, each deployment in a scratch folder, a Redis namespace and a
 * database of its own. `close()` undoes everything, last first, even after a failure half-way.
 */
export class QueueDeployment {
  readonly dir = mkdtempSync(join(tmpdir(), 'cs-scale-'));
  readonly namespace = uniqueNamespace();
  /** What every child gets: the namespace, and whatever the caller adds. */
  readonly env: Record<string, string>;
  readonly #cleanups: Array<() => Promise<void>> = [];

  constructor(env: Record<string, string> = {}) {
    this.env = { [NAMESPACE_ENV]: this.namespace, ...env };
  }

  /** Runs `cleanup` at `close()`, before what was deferred earlier. */
  defer(cleanup: () => Promise<void>): void {
    this.#cleanups.push(cleanup);
  }

  /** A database of its own, a config with it and Redis, and `count` customers in an NDJSON file. */
  async setup(providers: Record<string, Record<string, unknown>>, count: number): Promise<{ config: string; input: string; state: string }> {
    const db = await freshDatabase();
    this.defer(db.drop);
    const config = writeConfig(this.dir, { providers, retry: { retries: 4, minDelayMs: 50, maxDelayMs: 500 }, state: db.url, redis: REDIS_URL });
    const input = join(this.dir, 'customers.ndjson');
    writeFileSync(input, ndjson(Array.from({ length: count }, (_, i) => customer(i + 1))));
    return { config, input, state: db.url };
  }

  /** Workers started and connected (each logs "worker ready"); stopped with SIGTERM at `close()` if still alive. */
  async startWorkers(config: string, count: number, concurrency = 4): Promise<Child[]> {
    const workers = Array.from({ length: count }, () =>
      spawnCli(['worker', '--config', config, '--concurrency', String(concurrency), '--log-level', 'info'], { cwd: this.dir, env: this.env }),
    );
    this.defer(async () => void (await stopChildren(workers)));
    await Promise.all(workers.map((worker) => worker.waitFor('"msg":"worker ready"', 60_000)));
    return workers;
  }

  /** `sync --queue --json` to its end; throws when it could not run at all (exit code 2). */
  async coordinate(config: string, input: string): Promise<{ code: number | null; report: SyncReport }> {
    const run = spawnCli(['sync', '--queue', '--config', config, '--input', input, '--json'], { cwd: this.dir, env: this.env });
    this.defer(async () => {
      run.kill('SIGKILL'); // a no-op once it has exited; a run that timed out leaves no coordinator behind
      await run.exit;
    });
    const { code } = await run.exit;
    if (code === 2) throw new Error(`sync --queue could not run:\n${run.stderr()}`);
    return { code, report: JSON.parse(run.stdout()) as SyncReport };
  }

  async close(): Promise<void> {
    for (const cleanup of this.#cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => console.error(error));
    try {
      await cleanNamespace(this.namespace);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
