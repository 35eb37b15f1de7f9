import { spawn } from 'node:child_process';
import dc from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../src/job/report.js';
import { sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { customer, ndjson } from '../cli/helpers.js';
import { burnCpu, LOAD_NICE, type CpuLoad } from './load.js';
import type { PushStreamOptions, PushStreamSummary } from './push-stream.js';
import { REDIS_URL, requireRedis, uniqueNamespace } from './redis.js';
import { cleanNamespace, spawnCli, writeConfig } from './scale-harness.js';

/*
 * Issue 10, point 5: never above a provider's limit, even on a busy machine. Every run here has one spinning thread
 * per core; the clients (CLI children) run at the same niceness as those threads, so they win every ms of CPU from
 * them, while the sandbox in this process, which stands in for a provider elsewhere and counts the requests on its
 * own clock, keeps the default (see load.ts). Three runs each; each run is a few seconds of traffic.
 */

const RUNS = 3;

let sandbox: Sandbox;
let load: CpuLoad;
let dir: string;
/** When the sandbox answered 429 (`Date.now()`, as its request log), for the failure message. */
const refusals: number[] = [];
const onResponse = (message: unknown): void => {
  if ((message as { response: ServerResponse }).response.statusCode === 429) refusals.push(Date.now());
};
/** The event-loop delay of this process, where the sandbox answers: a stall here delays when it sees requests. */
let sandboxLoop: IntervalHistogram;

beforeAll(async () => {
  await requireRedis();
  sandbox = await startSandbox();
  dc.subscribe('http.server.response.finish', onResponse);
});
afterAll(async () => {
  dc.unsubscribe('http.server.response.finish', onResponse);
  await sandbox.close();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cs-load-'));
  load = await burnCpu();
  sandboxLoop = monitorEventLoopDelay({ resolution: 5 });
  sandboxLoop.enable();
});
afterEach(async () => {
  sandboxLoop.disable();
  await load.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Traffic {
  requests: number;
  rateLimited: number;
  maxInAnySecond: number;
  /** Shortest time between two arrivals at the sandbox (its clock, in ms). */
  minGapMs: number;
  seconds: number;
  line: string;
}

/** What the sandbox saw of Yativo since its last reset (and `sandboxLoop` was reset). */
function traffic(run: number): Traffic {
  const stats = sandbox.stats('yativo');
  const times = sandbox.requests('yativo').map((request) => request.at);
  const seconds = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
  const gaps = times.slice(1).map((at, i) => at - (times[i] ?? at));
  const minGapMs = Math.min(...gaps);
  const stall = (sandboxLoop.max / 1e6).toFixed(0);
  let line =
    `run ${run}: ${times.length} requests in ${seconds.toFixed(2)} s = ${((times.length - 1) / seconds).toFixed(1)}/s, ` +
    `at most ${stats.maxRatePerSecond} in any 1 s window, ${stats.rateLimited} × 429, shortest gap ${minGapMs} ms ` +
    `(${load.threads} spinning threads at nice ${load.nice}; the sandbox's event loop stalled up to ${stall} ms)`;
  // Where each 429 happened: the arrivals of the 300 ms before it, in ms before it.
  for (const at of refusals.splice(0)) line += `\n  429: arrivals ${times.filter((t) => t <= at && t > at - 300).map((t) => t - at).join(' ')}`;
  return { requests: stats.requests, rateLimited: stats.rateLimited, maxInAnySecond: stats.maxRatePerSecond, minGapMs, seconds, line };
}

describe('with every core kept busy by spinning threads', () => {
  it('a sync at 40/s against a token bucket of 40/s with a burst of 4: no 429, at most 40 in any second, three runs', async () => {
    const COUNT = 120; // one create each: 3 s at 40/s
    const providers = { yativo: { ...sandboxProvidersConfig(sandbox).yativo, rateLimit: { perSecond: 40, concurrency: 4 } } };
    const config = writeConfig(dir, { providers, retry: { retries: 4, minDelayMs: 50, maxDelayMs: 500 } });
    const input = join(dir, 'customers.ndjson');
    writeFileSync(input, ndjson(Array.from({ length: COUNT }, (_, i) => customer(i + 1))));

    const runs: Traffic[] = [];
    for (let run = 1; run <= RUNS; run++) {
      sandbox.reset();
      sandbox.setRateLimit('yativo', { perSecond: 40, burst: 4, disclose: true });
      sandbox.setLog(true);
      sandboxLoop.reset();
      refusals.length = 0;
      // A state of its own per run, so every customer is a create again.
      const state = join(dir, `state-${run}.db`);
      const sync = spawnCli(['sync', '--config', config, '--input', input, '--state', state, '--json'], { cwd: dir, env: {}, nice: LOAD_NICE });
      const { code } = await sync.exit;
      const report = JSON.parse(sync.stdout() || '{}') as Partial<SyncReport>;
      const seen = traffic(run);
      console.log(`sync at 40/s, token bucket 40/s burst 4, ${seen.line}`);
      runs.push(seen);
      expect({ run, code, yativo: report.providers?.yativo }, sync.stderr()).toMatchObject({ run, code: 0, yativo: { created: COUNT, failed: 0, retries: 0 } });
    }
    for (const [i, seen] of runs.entries()) {
      expect({ run: i + 1, rateLimited: seen.rateLimited }, seen.line).toEqual({ run: i + 1, rateLimited: 0 });
      expect(seen.maxInAnySecond, seen.line).toBeLessThanOrEqual(40);
    }
  }, 180_000);

  it('two processes sharing 20/s through Redis: at most 20 in any sliding second, no 429, three runs', async () => {
    const PER_PROCESS = 40; // one create each: 80 requests, 4 s at 20/s
    const { baseUrl, token } = sandboxProvidersConfig(sandbox).yativo as { baseUrl: string; token: string };
    const runs: Traffic[] = [];
    for (let run = 1; run <= RUNS; run++) {
      sandbox.reset();
      sandbox.setRateLimit('yativo', { perSecond: 20, disclose: true });
      sandbox.setLog(true);
      sandboxLoop.reset();
      refusals.length = 0;
      const namespace = uniqueNamespace();
      try {
        const base = { baseUrl, token, perSecond: 20, concurrency: 4, count: PER_PROCESS, redis: REDIS_URL, namespace };
        const streams = [pushStream({ ...base, from: 0 }), pushStream({ ...base, from: 1000 })];
        await Promise.all(streams.map((stream) => stream.ready));
        for (const stream of streams) stream.go();
        const summaries = await Promise.all(streams.map((stream) => stream.done));
        const seen = traffic(run);
        console.log(`2 processes sharing 20/s through Redis, ${seen.line}`);
        runs.push(seen);
        expect({ run, summaries }).toEqual({ run, summaries: [0, 1].map(() => ({ created: PER_PROCESS, failed: 0, failures: [] })) });
        expect(seen.requests).toBe(2 * PER_PROCESS);
      } finally {
        await cleanNamespace(namespace);
      }
    }
    for (const [i, seen] of runs.entries()) {
      expect({ run: i + 1, rateLimited: seen.rateLimited }, seen.line).toEqual({ run: i + 1, rateLimited: 0 });
      expect(seen.maxInAnySecond, seen.line).toBeLessThanOrEqual(20);
    }
  }, 180_000);
});

const SCRIPT = join(import.meta.dirname, 'push-stream.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * test/scale/push-stream.ts in a child process at the load's niceness: `ready` once it has loaded, `go()` to start,
 * `done` with its summary.
 */
function pushStream(options: PushStreamOptions): { ready: Promise<void>; go: () => void; done: Promise<PushStreamSummary> } {
  const child = spawn('nice', ['-n', String(LOAD_NICE), process.execPath, '--import', TSX, SCRIPT, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.startsWith('ready\n')) resolve();
    });
    void exit.then((code) => reject(new Error(`push-stream exited (${code}) before it was ready:\n${err}`)));
  });
  const done = exit.then((code) => {
    const last = out.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || !last.startsWith('{')) throw new Error(`push-stream exited with ${code}:\n${err}`);
    return JSON.parse(last) as PushStreamSummary;
  });
  return { ready, go: () => void child.stdin.write('go\n'), done };
}
