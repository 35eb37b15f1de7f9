// Issue 4, item 3: `customer-sync sync` as a child process, against the sandbox in this process (with modest faults,
// reset-after among them), killed with SIGKILL at a dozen seeded random moments, then rerun to the end. Nothing may
// be lost, nothing created twice, and the state must stay sound through every kill.
//
// CRASH_KILLS sets the number of kills (npm run test:reliability: 12; npm run test:chaos: 48), the customers growing
// with it (200 for 12), so that the kills still land mid-run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../src/job/report.js';
import { startSandbox, type FaultKind, type Sandbox } from '../../src/sandbox/index.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import {
  checkProviders,
  cleanChecks,
  customers,
  duplicatesAt,
  faultsFor,
  reportTotals,
  sandboxConfig,
  sandboxFigures,
  seconds,
  seededRandom,
  setAllFaults,
  tempDir,
  totalRequests,
  writeNdjson,
  type SourceCustomer,
} from './chaos-harness.js';
import { spawnSync, type CliChild } from '../cli/helpers.js';


const KILLS = Number(process.env.CRASH_KILLS ?? 12);
const COUNT = Math.max(200, Math.ceil((KILLS * 200) / 12));
/** The kills that must land mid-run (10 of 12): a seeded moment may come after a nearly finished run has ended. */
const LANDED = Math.ceil((KILLS * 10) / 12);
const SEED = Number(process.env.CHAOS_SEED ?? 4_242);
/** Modest faults: what a rerun must cope with on top of the kills. */
const FAULT_RATE = 0.05;
const FAULT_KINDS: FaultKind[] = ['500', '503', 'reset-before', 'reset-after', 'reset-after', 'bad-body'];
const MAX_FAULTED_RERUNS = 5;

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let config: string;
let input: string;
let statePath: string;
let source: SourceCustomer[];

beforeAll(async () => {
  sandbox = await startSandbox({ seed: SEED });
  tmp = tempDir('cs-crash-runs-');
  // About 7 requests a customer a full pass (1,400 for 200), at 100 a second per provider: a few seconds, so kills
  // land mid-run.
  config = join(tmp.dir, 'config.json');
  const json = sandboxConfig(sandbox, {
    perSecond: 100,
    concurrency: 4,
    timeoutMs: 2_000,
    retry: { retries: 5, minDelayMs: 10, maxDelayMs: 100 },
  });
  writeFileSync(config, JSON.stringify(json, null, 2));
  input = join(tmp.dir, 'customers.ndjson');
  source = customers(COUNT);
  writeNdjson(input, source);
  statePath = join(tmp.dir, '.customer-sync/state.db');
});

afterAll(async () => {
  await sandbox.close();
  tmp.remove();
});

function runChild(extra: string[] = []): CliChild {
  return spawnSync(tmp.dir, config, input, extra);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves once the sandbox has received `count` requests in all, or `stop()` says to give up. */
async function waitForRequests(count: number, stop: () => boolean): Promise<void> {
  while (totalRequests(sandbox) < count && !stop()) await sleep(5);
}

/** Opens the state between runs, as a user would: it must always pass its own check. */
function inspectState(): { integrity: string[]; pendingIntents: number; unknown: number; attention: number } {
  if (!existsSync(statePath)) return { integrity: [], pendingIntents: 0, unknown: 0, attention: 0 };
  const store = SqliteStateStore.open(statePath);
  try {
    const attention = store.attention();
    return {
      integrity: store.integrityCheck(),
      pendingIntents: attention.filter((a) => a.intent?.status === 'pending').length,
      unknown: attention.filter((a) => a.intent?.status === 'unknown_outcome').length,
      attention: attention.length,
    };
  } finally {
    void store.close();
  }
}

function faultsOn(seed: number): void {
  setAllFaults(sandbox, (provider) => faultsFor(provider, { rate: FAULT_RATE, seed, slowMs: 0, kinds: FAULT_KINDS }));
}

async function finishedRun(name: string): Promise<{ code: number | null; report: SyncReport }> {
  const file = join(tmp.dir, `${name}.json`);
  const { code } = await runChild(['--report', file]).exit;
  return { code, report: JSON.parse(readFileSync(file, 'utf8')) as SyncReport };
}

// The timeout is the config's (npm run test:reliability, test:chaos): a hang's, far above the run's length.
describe('crash runs', () => {
  it(`a sync killed with SIGKILL at ${KILLS} random moments under faults, then rerun, loses nothing and creates nothing twice`, async () => {
    const started = performance.now();
    const random = seededRandom(SEED);
    const kills: Array<{ atRequest: number; pendingIntents: number; unknown: number }> = [];

    for (let k = 0; k < KILLS; k++) {
      faultsOn(SEED + k);
      // A seeded moment: after 1 to 100 more requests reach the sandbox, then 0 to 30 ms more.
      const threshold = totalRequests(sandbox) + 1 + Math.floor(random() * 100);
      const extraMs = Math.floor(random() * 30);
      const child = runChild();
      let exited = false;
      void child.exit.then(() => (exited = true));
      await waitForRequests(threshold, () => exited);
      if (!exited) {
        await sleep(extraMs);
        child.kill('SIGKILL');
      }
      const { signal } = await child.exit;
      const state = inspectState();
      expect(state.integrity, `state after kill ${k + 1}`).toEqual([]);
      expect(duplicatesAt(sandbox), `duplicates after kill ${k + 1}`).toEqual({ yativo: 0, fatora: 0, bluetape: 0, 'invisible-collector': 0 });
      if (signal === 'SIGKILL') kills.push({ atRequest: totalRequests(sandbox), pendingIntents: state.pendingIntents, unknown: state.unknown });
    }
    // The run is long enough that every kill lands mid-run.
    expect(kills.length, 'kills that landed mid-run').toBeGreaterThanOrEqual(LANDED);
    const killsMs = performance.now() - started;

    // Rerun to the end, the faults still on.
    const reruns: Array<{ code: number | null; failed: number; requests: number }> = [];
    for (let rerun = 1; rerun <= MAX_FAULTED_RERUNS; rerun++) {
      faultsOn(SEED + 100 + rerun);
      const { code, report } = await finishedRun(`rerun-${rerun}`);
      const totals = reportTotals(report);
      reruns.push({ code, failed: totals.failed, requests: totals.requests });
      expect(code, `rerun ${rerun} exit code`).not.toBe(2);
      expect(report.records).toEqual({ read: COUNT, invalid: 0 });
      expect(duplicatesAt(sandbox)).toEqual({ yativo: 0, fatora: 0, bluetape: 0, 'invisible-collector': 0 });
      expect(inspectState().integrity).toEqual([]);
      if (code === 0) break;
    }

    // One clean run with the faults off, then the checks.
    setAllFaults(sandbox, undefined);
    const beforeClean = totalRequests(sandbox);
    const clean = await finishedRun('clean');
    const cleanRequests = totalRequests(sandbox) - beforeClean;
    expect(clean.code).toBe(0);
    expect(clean.report.failures).toEqual([]);
    expect(checkProviders(sandbox, source), 'providers vs source').toEqual(cleanChecks(COUNT));
    const store = SqliteStateStore.open(statePath);
    expect(store.integrityCheck()).toEqual([]);
    expect(store.attention()).toEqual([]);
    await store.close();

    // Nothing left to do: a last rerun sends nothing. When the faulted reruns already finished the work, the clean
    // run was that rerun (one child process less: each costs ~2 s of start-up).
    let last = clean;
    let lastRequests = cleanRequests;
    if (cleanRequests > 0) {
      const before = totalRequests(sandbox);
      last = await finishedRun('last');
      lastRequests = totalRequests(sandbox) - before;
    }
    expect(last.code).toBe(0);
    expect(lastRequests, 'requests received by the sandbox during the last rerun').toBe(0);
    expect(reportTotals(last.report)).toMatchObject({ requests: 0, unchanged: COUNT * 4 });

    const figures = sandboxFigures(sandbox);
    console.log(
      `[crash-runs] figures\n${JSON.stringify(
        {
          customers: COUNT,
          seed: SEED,
          kills: kills.length,
          killedAtRequest: kills.map((k) => k.atRequest),
          intentsLeftPendingByKills: kills.map((k) => k.pendingIntents),
          unknownOutcomesAfterKills: kills.map((k) => k.unknown),
          reruns,
          cleanRunRequests: cleanRequests,
          requests: figures.requests,
          faultsByKind: figures.faults,
          duplicates: duplicatesAt(sandbox),
          time: { kills: seconds(killsMs), total: seconds(performance.now() - started) },
        },
        null,
        2,
      )}`,
    );
  });
});
