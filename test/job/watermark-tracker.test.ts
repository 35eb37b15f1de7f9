import { describe, expect, it } from 'vitest';
import { runSync, type Delivery } from '../../src/job/run-sync.js';
import { startSinceLastRun } from '../../src/job/watermark-run.js';
import { WatermarkTracker } from '../../src/job/watermark-tracker.js';
import type { PushResult } from '../../src/push/engine.js';
import type { SourceItem } from '../../src/sources/index.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';

describe('WatermarkTracker', () => {
  it('is the highest value read when every row was confirmed', () => {
    const tracker = new WatermarkTracker();
    const tickets = ['2026-01-01', '2026-01-02', '2026-01-02', '2026-01-03'].map((value) => tracker.read(value));
    for (const ticket of tickets) tracker.settle(ticket, true);
    expect(tracker.next()).toBe('2026-01-03');
  });

  it('is the value of the first unconfirmed row read, whatever order the outcomes came in', () => {
    const tracker = new WatermarkTracker();
    const [a, b, c, d] = ['10', '20', '30', '40'].map((value) => tracker.read(value));
    tracker.settle(d, false);
    tracker.settle(c, false);
    tracker.settle(a, true);
    tracker.settle(b, true);
    expect(tracker.next()).toBe('30');
  });

  it('counts a row never settled (in flight when the run stopped) as unconfirmed', () => {
    const tracker = new WatermarkTracker();
    const [a, , c] = ['1', '2', '3', '4'].map((value) => tracker.read(value));
    tracker.settle(a, true);
    tracker.settle(c, false);
    expect(tracker.next()).toBe('2');
  });

  it('compares no values: text that sorts otherwise in JavaScript is taken in the order read', () => {
    const tracker = new WatermarkTracker();
    // As PostgreSQL might order them under a collation: read order is the order.
    const [a, b] = ['b', 'A'].map((value) => tracker.read(value));
    tracker.settle(a, true);
    tracker.settle(b, true);
    expect(tracker.next()).toBe('A');
  });

  it('leaves NULL rows out of the watermark and counts them', () => {
    const tracker = new WatermarkTracker();
    const a = tracker.read('5');
    const nulls = [tracker.read(null), tracker.read(null)];
    expect(nulls).toEqual([undefined, undefined]);
    tracker.settle(a, true);
    for (const ticket of nulls) tracker.settle(ticket, false);
    expect({ next: tracker.next(), nullRows: tracker.nullRows }).toEqual({ next: '5', nullRows: 2 });
  });

  it('has no value when no row with one was read; a ticket settled twice counts once', () => {
    const tracker = new WatermarkTracker();
    expect(tracker.next()).toBeUndefined();
    const a = tracker.read('7');
    tracker.settle(a, true);
    tracker.settle(a, false);
    expect(tracker.next()).toBe('7');
  });
});

async function* batches(...list: SourceItem[][]): AsyncGenerator<readonly SourceItem[]> {
  yield* list;
}

/** Rows as a --since-last-run source gives them: unparsed, each with its mark. */
function rows(marks: Array<[id: string, mark: string | null, email?: string]>): SourceItem[] {
  return marks.map(([id, mark, email], index) => {
    const value = { id, email: email ?? `${id}@example.com` };
    return { line: index + 1, bytes: Buffer.from(JSON.stringify(value)), mark, parse: () => ({ line: index + 1, value }) };
  });
}

function delivery(fail: ReadonlySet<string>): Delivery {
  return {
    providers: ['yativo', 'fatora'],
    dryRun: false,
    rawLines: undefined,
    deliver: async (customer): Promise<PushResult> => {
      const outcome = (failed: boolean) =>
        failed
          ? ({ status: 'failed', warnings: [], requests: 1, retries: 0, error: { kind: 'transient', message: 'no' } } as const)
          : ({ status: 'created', warnings: [], requests: 1, retries: 0 } as const);
      return { customerId: customer.id, providers: { yativo: outcome(false), fatora: outcome(fail.has(customer.id)) } } as unknown as PushResult;
    },
  };
}

describe('runSync with a watermark', () => {
  const key = { input: 'postgresql://db:5432/crm', source: 'a'.repeat(64), column: 'updated_at' };
  const reader = { column: 'updated_at', type: 'bigint', start: async () => ({ unreadNulls: 1 }) };

  it('stores the value of the first row not confirmed at every provider, after the run; invalid rows hold it too', async () => {
    const store = new MemoryStateStore();
    const warnings: string[] = [];
    const watermark = await startSinceLastRun({ reader, key, store, full: false, save: true, warn: (message) => warnings.push(message) });
    const items = rows([
      ['c-1', '100'],
      ['c-2', '200'],
      ['c-3', '300', 'not-an-email'],
      ['c-4', '400'],
      ['c-5', null],
    ]);
    const report = await runSync({ delivery: delivery(new Set(['c-4'])), batches: batches(items), watermark });
    expect(report.watermark).toEqual({ column: 'updated_at', type: 'bigint', from: null, to: '300', saved: true, nullRows: 2 });
    expect(await store.getWatermark(key)).toEqual({ value: '300', type: 'bigint' });
    expect(warnings).toEqual(['--since-last-run "updated_at": 2 rows have NULL in that column; a watermark never selects them (they are read on a first night and with --full only)']);
  });

  it('moves on to the highest value read once every row is confirmed, and reads from the stored one', async () => {
    const store = new MemoryStateStore();
    await store.setWatermark(key, { value: '300', type: 'bigint' });
    const bounds: unknown[] = [];
    const watching = { ...reader, start: async (bound: unknown) => (bounds.push(bound), { unreadNulls: 0 }) };
    const watermark = await startSinceLastRun({ reader: watching, key, store, full: false, save: true, warn: () => undefined });
    const report = await runSync({ delivery: delivery(new Set()), batches: batches(rows([['c-3', '300'], ['c-4', '400']])), watermark });
    expect(bounds).toEqual([{ value: '300', type: 'bigint' }]);
    expect(report.watermark).toMatchObject({ from: '300', to: '400', saved: true, nullRows: 0 });
    expect(await store.getWatermark(key)).toEqual({ value: '400', type: 'bigint' });
  });

  it('reads from the stored watermark without moving it when it may not save (dry run, --only, --customers)', async () => {
    const store = new MemoryStateStore();
    await store.setWatermark(key, { value: '300', type: 'bigint' });
    const watermark = await startSinceLastRun({ reader, key, store, full: false, save: false, warn: () => undefined });
    const report = await runSync({ delivery: delivery(new Set()), batches: batches(rows([['c-4', '400']])), watermark });
    expect(report.watermark).toMatchObject({ from: '300', to: '400', saved: false });
    expect(await store.getWatermark(key)).toEqual({ value: '300', type: 'bigint' });
  });

  it('with --full reads every row (no bound) and stores the new watermark', async () => {
    const store = new MemoryStateStore();
    await store.setWatermark(key, { value: '300', type: 'bigint' });
    const bounds: unknown[] = [];
    const watching = { ...reader, start: async (bound: unknown) => (bounds.push(bound), { unreadNulls: 0 }) };
    const watermark = await startSinceLastRun({ reader: watching, key, store, full: true, save: true, warn: () => undefined });
    const report = await runSync({ delivery: delivery(new Set()), batches: batches(rows([['c-1', '100'], ['c-2', '200']])), watermark });
    expect(bounds).toEqual([undefined]);
    expect(report.watermark).toMatchObject({ from: null, to: '200', saved: true });
    expect(await store.getWatermark(key)).toEqual({ value: '200', type: 'bigint' });
  });

  it('after an abort, stores the lowest value of the rows read and not settled', async () => {
    const store = new MemoryStateStore();
    const controller = new AbortController();
    const base = delivery(new Set());
    const slow: Delivery = {
      ...base,
      deliver: async (customer) => {
        if (customer.id === 'c-2') controller.abort();
        return base.deliver(customer);
      },
    };
    const watermark = await startSinceLastRun({ reader, key, store, full: false, save: true, warn: () => undefined });
    const report = await runSync({ delivery: slow, batches: batches(rows([['c-1', '100'], ['c-2', '200'], ['c-3', '300']]), rows([['c-4', '400']])), watermark, signal: controller.signal, maxInFlight: 1 });
    expect(report.interrupted).toBe(true);
    // c-3 was read with its batch and never handed on: it and everything after it are read again.
    expect(report.watermark).toMatchObject({ to: '300', saved: true });
  });
});
