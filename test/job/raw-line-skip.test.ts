// The raw-line skip of runSync against a SQLite state: what its in-memory index of last night's lines skips, and
// what it must not (a customer's old line met again after this run forgot it).
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

/** Batches of NDJSON lines, unparsed, as the NDJSON source hands them on; `parsed` collects the lines parsed. */
function batches(texts: string[][], parsed: number[] = []): AsyncIterable<readonly SourceItem[]> {
  let line = 0;
  const items = texts.map((batch) =>
    batch.map((text): UnparsedLine => {
      const at = ++line;
      return {
        line: at,
        bytes: Buffer.from(text),
        parse: () => {
          parsed.push(at);
          return { line: at, value: JSON.parse(text) as unknown, raw: text };
        },
      };
    }),
  );
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
