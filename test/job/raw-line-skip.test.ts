// The raw-line skip of runSync against a SQLite state: what its in-memory index of last night's lines skips, and
// what it must not (a customer's old line met again after this run forgot it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runSync, type Delivery } from '../../src/job/run-sync.js';
import type { Customer } from '../../src/model/types.js';
import type { PushResult } from '../../src/push/engine.js';
import type { SourceItem, UnparsedLine } from '../../src/sources/index.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';

const FINGERPRINT = 'test-fingerprint';

/** A delivery that confirms every customer at its one provider and notes what it was handed, in order. */
function confirming(store: SqliteStateStore | undefined): Delivery & { handed: string[] } {
  const handed: string[] = [];
  return {
    providers: ['yativo'],
    dryRun: false,
    rawLines: store,
    handed,
    deliver: async (customer: Customer): Promise<PushResult> => {
      handed.push(`${customer.id} ${customer.lastName ?? ''}`.trim());
      return { customerId: customer.id, providers: { yativo: { status: 'updated', warnings: [], requests: 1, retries: 0 } } };
    },
  };
}

const record = (id: string, lastName: string): string => JSON.stringify({ id, email: `${id}@example.com`, lastName });

/** An NDJSON line as the source hands it on, unparsed; `parsed` collects the lines parsed. */
function unparsed(text: string, at: number, parsed: number[] = []): UnparsedLine {
  return {
    line: at,
    bytes: Buffer.from(text),
    parse: () => {
      parsed.push(at);
      return { line: at, value: JSON.parse(text) as unknown, raw: text };
    },
  };
}

/** Batches of NDJSON lines, unparsed, as the NDJSON source hands them on; `parsed` collects the lines parsed. */
function batches(texts: string[][], parsed: number[] = []): AsyncIterable<readonly SourceItem[]> {
  let line = 0;
  const items = texts.map((batch) => batch.map((text) => unparsed(text, ++line, parsed)));
  return (async function* () {
    yield* items;
  })();
}

let store: SqliteStateStore;
beforeEach(() => {
  store = SqliteStateStore.open(':memory:');
});
afterEach(async () => {
  await store.close();
});

async function night(texts: string[][], parsed: number[] = []) {
  const delivery = confirming(store);
  const report = await runSync({ delivery, batches: batches(texts, parsed), rawFingerprint: FINGERPRINT });
  return { report, handed: delivery.handed };
}

const A1 = record('c-1', 'Old');
const A2 = record('c-1', 'New');
const B1 = record('c-2', 'Same');

describe('runSync raw-line skip, from an index loaded once', () => {
  it('skips the lines confirmed last night unparsed, and loads their keys once however many batches', async () => {
    await night([[A1, B1]]);
    const load = vi.spyOn(store, 'loadRawLineKeys');
    const record = vi.spyOn(store, 'recordRawLines');
    const parsed: number[] = [];
    const { report, handed } = await night([[A1], [B1], [A1, B1]], parsed);
    expect(handed).toEqual([]);
    expect(parsed).toEqual([]);
    expect(report.providers.yativo).toMatchObject({ unchanged: 4, updated: 0 });
    expect(load).toHaveBeenCalledTimes(1);
    // Nothing changed: nothing forgotten, nothing remembered, no transaction.
    expect(record).not.toHaveBeenCalled();
  });

  it('sends the old line of a customer whose new line this run sent in an earlier batch, and remembers neither', async () => {
    await night([[A1, B1]]);
    const parsed: number[] = [];
    const { handed, report } = await night([[A2], [B1], [A1]], parsed);
    expect(handed).toEqual(['c-1 New', 'c-1 Old']);
    expect(parsed).toEqual([1, 3]);
    expect(report.providers.yativo).toMatchObject({ updated: 2, unchanged: 1 });
    // c-1 twice in one input: no line of it is remembered, so both are looked at next night.
    expect((await night([[A1], [A2]])).handed).toEqual(['c-1 Old', 'c-1 New']);
  });

  it('sends the old line of a customer whose new line came just before it in the same batch, in input order', async () => {
    await night([[A1, B1]]);
    const { handed, report } = await night([[A2, B1, A1]]);
    expect(handed).toEqual(['c-1 New', 'c-1 Old']);
    expect(report.providers.yativo).toMatchObject({ updated: 2, unchanged: 1 });
  });

  it('skips the old line when it comes before the new one: the provider holds it already', async () => {
    await night([[A1, B1]]);
    const { handed, report } = await night([[A1, B1, A2]]);
    expect(handed).toEqual(['c-1 New']);
    expect(report.providers.yativo).toMatchObject({ updated: 1, unchanged: 2 });
    // The skipped line was never parsed, so c-1 counts as met once: its new line, the last, is remembered.
    expect((await night([[A2, B1]])).handed).toEqual([]);
  });

  it('does not skip a line confirmed earlier in the same run', async () => {
    const { handed } = await night([[A1], [A1]]);
    expect(handed).toEqual(['c-1 Old', 'c-1 Old']);
  });

  it('loads no key for records without a raw line, nor in a run of some customers only', async () => {
    await night([[A1, B1]]);
    const load = vi.spyOn(store, 'loadRawLineKeys');
    async function* records() {
      yield { line: 1, value: JSON.parse(A1) as unknown };
    }
    await runSync({ delivery: confirming(store), records: records(), rawFingerprint: FINGERPRINT });
    const some = confirming(store);
    await runSync({ delivery: some, batches: batches([[A1, B1]]), rawFingerprint: FINGERPRINT, customers: new Set(['c-2']) });
    expect(load).not.toHaveBeenCalled();
    expect(some.handed).toEqual(['c-2 Same']);
    // The customer sent is forgotten; the other one was not touched.
    expect((await night([[A1, B1]])).handed).toEqual(['c-2 Same']);
  });
});

/**
 * What survives a process killed at any moment is what the state file holds: a second connection to it (as the next
 * run would open it) reads each customer's remembered line while requests are in flight.
 */
describe('runSync raw-line skip, a process killed while requests are in flight', () => {
  let dir: string;
  let fileStore: SqliteStateStore;
  let reader: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'raw-forget-'));
    fileStore = SqliteStateStore.open(join(dir, 'state.db'));
    reader = new Database(join(dir, 'state.db'), { readonly: true });
  });
  afterEach(async () => {
    reader.close();
    await fileStore.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** Whether the state file remembers a line of the customer: one that would be skipped if met again. */
  const remembers = (customerId: string): boolean => reader.prepare('SELECT 1 FROM raw_lines WHERE customer_id = ?').get(customerId) !== undefined;
  /** Event-loop turns (no clock) until `done`, as many as it takes the run to get there. */
  async function turnsUntil(done: () => boolean): Promise<void> {
    for (let turn = 0; !done(); turn++) {
      if (turn > 1000) throw new Error('the run never got there');
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const A3 = record('c-1', 'Newer');
  const C1 = record('c-3', 'Old');
  const C2 = record('c-3', 'New');

  it('never sends a request for a customer while the state file still remembers a line of it', async () => {
    await runSync({ delivery: confirming(fileStore), batches: batches([[A1, B1, C1]]), rawFingerprint: FINGERPRINT });
    expect(['c-1', 'c-2', 'c-3'].map(remembers)).toEqual([true, true, true]);
    const delivery = confirming(fileStore);
    const sent: string[] = [];
    const deliver = delivery.deliver.bind(delivery);
    delivery.deliver = (customer) => {
      sent.push(`${customer.id} ${customer.lastName ?? ''}: ${remembers(customer.id) ? 'REMEMBERED' : 'forgotten'}`);
      return deliver(customer);
    };
    // c-1's new line, then (in a later batch) its old line again, which this run's forgetting made unknown.
    const report = await runSync({ delivery, batches: batches([[A2, B1], [C2], [B1, A1]]), rawFingerprint: FINGERPRINT });
    expect(sent).toEqual(['c-1 New: forgotten', 'c-3 New: forgotten', 'c-1 Old: forgotten']);
    expect(report.providers.yativo).toMatchObject({ updated: 3, unchanged: 2 });
  });

  it("does not write a customer's confirmed line while a later record of that customer is on its way", async () => {
    await runSync({ delivery: confirming(fileStore), batches: batches([[A1, B1, C1]]), rawFingerprint: FINGERPRINT });
    const answers = new Map<string, () => void>();
    const sent: string[] = [];
    const seen: Record<string, boolean> = {};
    const delivery: Delivery = {
      providers: ['yativo'],
      dryRun: false,
      rawLines: fileStore,
      deliver: async (customer) => {
        const label = `${customer.id} ${customer.lastName ?? ''}`;
        sent.push(label);
        if (label === 'c-3 New') {
          // c-1's second record is in flight: were the process killed now, what would the next run find?
          seen['c-1 while its newer line is in flight'] = remembers('c-1');
          answers.get('c-1 Newer')?.();
        } else await new Promise<void>((resolve) => answers.set(label, resolve));
        return { customerId: customer.id, providers: { yativo: { status: 'updated', warnings: [], requests: 1, retries: 0 } } };
      },
    };
    let done = 0;
    async function* input(): AsyncGenerator<readonly SourceItem[]> {
      yield [unparsed(A2, 1)];
      // c-1 again: forgotten once more, its request waits for the first one's answer.
      yield [unparsed(A3, 2)];
      // The first is confirmed only now, its successor already forgotten and handed on.
      answers.get('c-1 New')?.();
      await turnsUntil(() => done === 1 && sent.includes('c-1 Newer'));
      // Another customer's forgetting commits whatever confirmation is pending.
      yield [unparsed(C2, 3)];
    }
    const report = await runSync({ delivery, batches: input(), rawFingerprint: FINGERPRINT, onProgress: (progress) => (done = progress.done) });
    expect(sent).toEqual(['c-1 New', 'c-1 Newer', 'c-3 New']);
    expect(seen).toEqual({ 'c-1 while its newer line is in flight': false });
    expect(report.providers.yativo).toMatchObject({ updated: 3 });
    // c-1 met twice: neither line is remembered, so whichever comes next night is sent.
    expect(['c-1', 'c-2', 'c-3'].map(remembers)).toEqual([false, true, true]);
  });
});
