// Issue 10: the chaos run (chaos.test.ts) against the providers' published code (sandbox `behaviour: 'published'`),
// with customers of ours that conflict. Yativo's server ignores the Idempotency-Key on customer routes, requires
// customer_type and holds one customer per email (422); Invisible Collector's 409 names the holder of a VAT number by
// gid, by id or not at all; Fatora refuses a second client with one email. The source holds pairs of customers
// sharing a VAT number (Invisible Collector refuses the second) and pairs sharing an email (Yativo and Fatora refuse
// the second), under ~20 % transient faults of every kind and rate limits.
//
// Phase 1 syncs the customers alone (the holders among them) to the end; phase 2 adds the sharers and changes a tenth
// of the others, to the end. Then, at every provider: no duplicate (emails compared ignoring case, Invisible
// Collector's VAT numbers too), no customer written over (each one carries exactly the fields of one source record,
// the holders their own), every record held as the source says except the refused sharers, and those are exactly the
// failures reported, `rejected`, naming the conflict; the report's counts and exit code agree; a last run sends only
// the conflicts' own requests and changes nothing.
//
// CHAOS_PUBLISHED_CUSTOMERS overrides the size (npm run test:chaos runs 5,000); CHAOS_SEED the faults' seed.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import type { ErrorKind } from '../../src/errors/kinds.js';
import { maskPersonalData } from '../../src/errors/mask.js';
import { exitCodeFor, type ReportFailure, type SyncReport } from '../../src/job/report.js';
import { runSync } from '../../src/job/run-sync.js';
import { SyncEngine } from '../../src/push/engine.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { openSource } from '../../src/sources/index.js';
import { SqliteStateStore, type AttentionRecord } from '../../src/state/sqlite-store.js';
import {
  checkProviders,
  conflictPairs,
  customers,
  duplicatesIgnoringCase,
  faultsFor,
  heldAsRecords,
  PROVIDER_IDS,
  rateLimitFor,
  refusedAt,
  reportTotals,
  sandboxConfig,
  sandboxFigures,
  seconds,
  setAllFaults,
  tempDir,
  writeNdjson,
  type ConflictPair,
  type ProviderId,
  type SourceCustomer,
  FAULT_KINDS_OF_FAILURE,
  FAULT_RATE,
  LIMITS,
  MAX_FAULTED_RERUNS,
  SANDBOX_PER_SECOND,
  SLOW_MS,
} from './chaos-harness.js';

const N = Number(process.env.CHAOS_PUBLISHED_CUSTOMERS ?? 400);
/** Pairs of each kind (VAT number, email): one customer in fifteen has a colleague sharing one of its keys. */
const PAIRS = Math.max(5, Math.round(N / 15));
const SEED = Number(process.env.CHAOS_SEED ?? 20_261_206);
const TIMEOUT_MS = Number(process.env.CHAOS_TIMEOUT_MS ?? Math.max(300_000, N * 400));


let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let statePath: string;
let inputPath: string;
const started = performance.now();
const runs: Array<{ label: string; ms: number; requests: number; retries: number; failed: number; rejected: number; byKind: Partial<Record<ErrorKind, number>> }> = [];

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: SEED,
    behaviour: 'published',
    rateLimits: Object.fromEntries(PROVIDER_IDS.map((p) => [p, rateLimitFor(p, SANDBOX_PER_SECOND[p])])),
  });
  tmp = tempDir('cs-chaos-published-');
  statePath = join(tmp.dir, 'state.db');
  inputPath = join(tmp.dir, 'customers.ndjson');
});

afterAll(async () => {
  await sandbox.close();
  tmp.remove();
});

const linkKey = (provider: string, customerId: string): string => `${provider}/${customerId}`;

/** One `customer-sync sync` run, in process, as the CLI makes it: a fresh engine and state connection. */
async function run(label: string): Promise<{ report: SyncReport; attention: AttentionRecord[] }> {
  const { adapters, config } = parseConfig(sandboxConfig(sandbox, LIMITS), {});
  const engine = new SyncEngine(adapters, SqliteStateStore.open(statePath), config.retry);
  let requests = 0;
  let retries = 0;
  engine.events.on('request', () => (requests += 1));
  engine.events.on('retry', () => (retries += 1));
  const source = await openSource({ input: inputPath });
  const t0 = performance.now();
  let report: SyncReport;
  try {
    report = await runSync({ engine, records: source.records });
  } finally {
    await source.close();
    await engine.close();
  }
  const ms = performance.now() - t0;
  const after = SqliteStateStore.open(statePath);
  const attention = after.attention();
  const integrity = after.integrityCheck();
  await after.close();
  expect(integrity, `${label}: state integrity`).toEqual([]);
  expect(report.truncated.failures, `${label}: the report lists every failure`).toBe(0);

  const byKind: Partial<Record<ErrorKind, number>> = {};
  for (const f of report.failures) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  const totals = reportTotals(report);
  runs.push({ label, ms, requests, retries, failed: totals.failed, rejected: byKind.rejected ?? 0, byKind });
  console.log(`[chaos published] ${label}: ${seconds(ms)}, ${requests} requests, ${retries} retries, failed ${totals.failed} ${JSON.stringify(byKind)}`);
  return { report, attention };
}

/** The reason a conflict gives when its lookup met a fault (as a regular expression). */
const LOOKUP_FAILED = (key: string): string => `the lookup by ${key} failed: [a-z_]+`;
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A customer without a colleague can meet a conflict too: its create applied, the answer lost to a fault, the
 * replay refused as a duplicate. Its lookup meeting a fault as well, it is refused (not provably ours) and the next
 * run adopts it: a fault's consequence, not a conflict.
 */
const CONFLICT_UNREAD = new RegExp(`; not written \\(${LOOKUP_FAILED('(email|externalId)')}\\): `);

/** The conflict a refused sharer's failure must name, by provider. */
function namesTheConflict(pair: ConflictPair, provider: ProviderId, failure: ReportFailure): boolean {
  const { holder, sharer } = pair;
  switch (provider) {
    case 'invisible-collector': {
      // The holder's gid when the 409 names it (by gid or by id), nothing when it does not. The report masks
      // phone-like digit runs in messages, ids included (the bug of test/adapters/yativo/wire.test.ts "names the Yativo id
      // of the conflict verbatim"), so the gid is compared as the report shows it.
      const held = sandbox.customers('invisible-collector').find((c) => c.externalId === holder.id)?.gid;
      const gid = held === undefined ? undefined : maskPersonalData(held);
      const named = new RegExp(
        `^Invisible Collector: VAT number is already held by another customer(, gid (\\S+))?; not written \\((no customer there has our externalId|${LOOKUP_FAILED('externalId')})\\): Customer already registered$`,
      ).exec(failure.message);
      return failure.status === 409 && named !== null && (named[2] === undefined || named[2] === gid);
    }
    case 'yativo': {
      const prefix = 'Yativo: the email is already held by another Yativo customer; not written (';
      const suffix = '): Request failed.: customer_email: Customer email already exists.';
      const linked =
        failure.message.startsWith(`${prefix}the customer found by email, Yativo id `) &&
        failure.message.endsWith(`is already linked to our customer ${holder.id}, not to ${sharer.id}${suffix}`);
      // A conflict whose lookup met a fault is refused all the same: the holder is not provably ours.
      const unread = new RegExp(`^${escape(prefix)}${LOOKUP_FAILED('email')}${escape(suffix)}$`).test(failure.message);
      return failure.status === 422 && (linked || unread);
    }
    case 'fatora': {
      const client = sandbox.customers('fatora').find((c) => c.email === holder.email);
      return (
        failure.status === undefined &&
        failure.message === `Fatora: the customer found by email, Fatora id ${client?.id}, is already linked to our customer ${holder.id}, not to ${sharer.id}; not written`
      );
    }
    case 'bluetape':
      return false;
  }
}

/** Refused sharers reported `rejected`, naming their conflict, by provider. */
type ConflictTally = Record<ProviderId, number>;

const sum = (counts: Record<ProviderId, number>): number => PROVIDER_IDS.reduce((total, p) => total + counts[p], 0);

/**
 * What must hold after every run: each record accounted for at every provider; every failure of a kind a fault can
 * lead to, or a conflict: `rejected` only for a refused sharer, naming its conflict; the state lists exactly the
 * failures of the report.
 */
function expectHonest(label: string, report: SyncReport, attention: AttentionRecord[], source: readonly SourceCustomer[], pairs: readonly ConflictPair[]): ConflictTally {
  expect(report.records, `${label}: records`).toEqual({ read: source.length, invalid: 0 });
  for (const provider of PROVIDER_IDS) {
    const c = report.providers[provider];
    expect({ provider, accounted: (c?.created ?? 0) + (c?.updated ?? 0) + (c?.unchanged ?? 0) + (c?.failed ?? 0), skipped: c?.skipped }).toEqual({
      provider,
      accounted: source.length,
      skipped: 0,
    });
  }
  const failed = PROVIDER_IDS.reduce((sum, p) => sum + (report.providers[p]?.failed ?? 0), 0);
  expect(report.failures.length, `${label}: failures listed`).toBe(failed);
  expect(exitCodeFor(report, false), `${label}: exit code`).toBe(failed > 0 ? 1 : 0);

  const pairOf = new Map<string, ConflictPair>();
  for (const pair of pairs) for (const provider of pair.providers) pairOf.set(linkKey(provider, pair.sharer.id), pair);
  const tally: ConflictTally = { yativo: 0, fatora: 0, bluetape: 0, 'invisible-collector': 0 };
  const wrong: string[] = [];
  for (const f of report.failures) {
    const pair = pairOf.get(linkKey(f.provider, f.customerId));
    if (f.kind === 'rejected' && pair !== undefined && namesTheConflict(pair, f.provider as ProviderId, f)) tally[f.provider as ProviderId] += 1;
    else if (f.kind === 'rejected' && pair === undefined && CONFLICT_UNREAD.test(f.message)) continue;
    else if (!FAULT_KINDS_OF_FAILURE.includes(f.kind)) wrong.push(`${f.provider}/${f.customerId} ${f.kind} ${f.status ?? '-'}: ${f.message}`);
  }
  expect(wrong.slice(0, 5), `${label}: failures that are neither a fault's nor a named conflict`).toEqual([]);

  const reported = report.failures.map((f) => `${linkKey(f.provider, f.customerId)}/${f.kind}`).sort();
  const listed = attention.map((a) => `${linkKey(a.provider, a.customerId)}/${a.lastFailure?.kind ?? 'no failure'}`).sort();
  expect(listed, `${label}: attention() lists the failures of the report`).toEqual(reported);
  // A refused create is not pending: its intent was dropped, so the next run asks again (DESIGN §5).
  const rejectedWithIntent = attention.filter((a) => a.lastFailure?.kind === 'rejected' && a.intent !== undefined);
  expect(rejectedWithIntent.slice(0, 5), `${label}: a rejected create keeps no intent`).toEqual([]);

  expect(duplicatesIgnoringCase(sandbox), `${label}: duplicates`).toEqual({
    yativo: 0,
    fatora: 0,
    bluetape: 0,
    'invisible-collector': 0,
    'invisible-collector by VAT number': 0,
  });
  return tally;
}

function faultsOn(seed: number): void {
  setAllFaults(sandbox, (provider) => faultsFor(provider, { rate: FAULT_RATE, seed, slowMs: SLOW_MS }));
}

/** Conflicts' own links: what is left when everything else is delivered. */
function onlyConflictsLeft(attention: readonly AttentionRecord[], pairs: readonly ConflictPair[]): boolean {
  const conflicts = new Set(pairs.flatMap((p) => p.providers.map((provider) => linkKey(provider, p.sharer.id))));
  return attention.every((a) => conflicts.has(linkKey(a.provider, a.customerId)));
}

/**
 * A faulted run, faulted reruns while anything but a conflict is left, a clean run with the faults off, its checks,
 * and a last run that may send only the conflicts' own requests.
 */
async function syncToTheEnd(phase: string, source: readonly SourceCustomer[], pairs: readonly ConflictPair[], seed: number): Promise<ConflictTally> {
  writeNdjson(inputPath, source);
  faultsOn(seed);
  let { report, attention } = await run(`${phase} run 1 (faults)`);
  expectHonest(`${phase} run 1`, report, attention, source, pairs);
  for (let rerun = 1; rerun <= MAX_FAULTED_RERUNS && !onlyConflictsLeft(attention, pairs); rerun++) {
    faultsOn(seed + rerun);
    ({ report, attention } = await run(`${phase} rerun ${rerun} (faults)`));
    expectHonest(`${phase} rerun ${rerun}`, report, attention, source, pairs);
  }

  setAllFaults(sandbox, undefined);
  ({ report, attention } = await run(`${phase} clean rerun`));
  const tally = expectHonest(`${phase} clean rerun`, report, attention, source, pairs);

  // The failures are exactly the refused sharers, each once per provider that refuses it.
  const refused = refusedAt(pairs);
  const expectedFailures = PROVIDER_IDS.flatMap((p) => [...refused[p]].map((id) => linkKey(p, id))).sort();
  expect(report.failures.map((f) => linkKey(f.provider, f.customerId)).sort(), `${phase}: failures after the clean rerun`).toEqual(expectedFailures);
  expect(sum(tally), `${phase}: every conflict rejected, named`).toBe(expectedFailures.length);
  for (const provider of PROVIDER_IDS) {
    expect({ provider, failed: report.providers[provider]?.failed }).toEqual({ provider, failed: refused[provider].size });
  }
  expect(exitCodeFor(report, false)).toBe(expectedFailures.length > 0 ? 1 : 0);

  // Every provider holds each record it takes exactly once, as the source says; nothing else, nothing written over.
  expect(checkProviders(sandbox, source, refused), `${phase}: providers vs source`).toEqual(
    PROVIDER_IDS.map((provider) => ({
      provider,
      count: source.length - refused[provider].size,
      duplicates: 0,
      missing: 0,
      mismatched: 0,
      examples: [],
    })),
  );
  expect(heldAsRecords(sandbox, source, refused), `${phase}: every provider customer is one record's`).toEqual(
    PROVIDER_IDS.map((provider) => ({ provider, held: source.length - refused[provider].size, matchingNoRecord: 0, matchingSeveral: 0, examples: [] })),
  );

  // A last run changes nothing: only the refused sharers ask again (and are refused again), nobody else sends.
  const before = JSON.stringify(PROVIDER_IDS.map((p) => sandbox.customers(p)));
  // Admitted requests: Yativo's undisclosed limit still answers some 429s, which the client retries.
  const admitted = (): number => sandboxFigures(sandbox).requests - sandboxFigures(sandbox).rateLimited;
  const requestsBefore = admitted();
  ({ report, attention } = await run(`${phase} last rerun`));
  const last = expectHonest(`${phase} last rerun`, report, attention, source, pairs);
  expect(report.failures.map((f) => linkKey(f.provider, f.customerId)).sort(), `${phase}: failures of the last rerun`).toEqual(expectedFailures);
  const totals = reportTotals(report);
  expect(totals.unchanged, `${phase}: unchanged in the last rerun`).toBe(source.length * PROVIDER_IDS.length - expectedFailures.length);
  // Per refused sharer: Invisible Collector PUT 404, POST 409, GET find; Yativo POST 422, GET; Fatora GET (the
  // holder's client found, linked to the holder).
  expect(sum(last), `${phase}: every conflict rejected, named, in the last rerun`).toBe(expectedFailures.length);
  const expectedRequests = 3 * refused['invisible-collector'].size + 2 * refused.yativo.size + refused.fatora.size;
  expect(admitted() - requestsBefore, `${phase}: requests of the last rerun`).toBe(expectedRequests);
  expect(JSON.stringify(PROVIDER_IDS.map((p) => sandbox.customers(p))), `${phase}: the last rerun wrote nothing`).toBe(before);
  return tally;
}

describe(`chaos, published behaviour: ${N} customers and ${PAIRS} + ${PAIRS} conflicting colleagues, ${FAULT_RATE * 100} % transient faults, rate limits`, () => {
  it(
    'never duplicates nor writes over a customer, delivers everything else as the source says, and reports exactly the conflicts',
    async () => {
      const pairs = conflictPairs(N, PAIRS);
      const holders = new Set(pairs.map((p) => p.holder.id));

      // Phase 1: the customers alone, the holders among them.
      const t1 = performance.now();
      await syncToTheEnd('phase 1', customers(N), [], SEED);
      const phase1Ms = performance.now() - t1;

      // Phase 2: their colleagues join (each sharing a holder's VAT number or email), and a tenth of the others change.
      const changed = customers(N, (i) => (i % 10 === 3 && !holders.has(`cus-${String(i).padStart(6, '0')}`) ? 1 : 0));
      const source = [...changed, ...pairs.map((p) => p.sharer)];
      const t2 = performance.now();
      const tally = await syncToTheEnd('phase 2', source, pairs, SEED + 1_000);
      const phase2Ms = performance.now() - t2;

      const figures = sandboxFigures(sandbox);
      const summary = {
        customers: N,
        conflictPairs: { vat: PAIRS, email: PAIRS },
        seed: SEED,
        faultRate: FAULT_RATE,
        runs: runs.map((r) => ({ run: r.label, time: seconds(r.ms), requests: r.requests, retries: r.retries, failed: r.failed, byKind: r.byKind })),
        requests: figures.requests,
        requestsByProvider: figures.requestsByProvider,
        faultsInjected: figures.faultsTotal,
        faultsByKind: figures.faults,
        conflictsRejected: tally,
        duplicates: duplicatesIgnoringCase(sandbox),
        time: { phase1: seconds(phase1Ms), phase2: seconds(phase2Ms), total: seconds(performance.now() - started) },
      };
      console.log(`[chaos published] figures\n${JSON.stringify(summary, null, 2)}`);

      for (const kind of ['500', '502', '503', 'reset-before', 'reset-after', 'timeout', 'slow', 'bad-body'] as const) {
        expect(figures.faults[kind] ?? 0, `faults injected: ${kind}`).toBeGreaterThan(0);
      }
    },
    TIMEOUT_MS,
  );
});
