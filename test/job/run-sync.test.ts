import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invisibleCollector } from '../../adapters/invisible-collector/index.js';
import { rawFingerprint } from '../../src/job/raw-lines.js';
import { runSync, type Delivery } from '../../src/job/run-sync.js';
import type { CustomerValidation } from '../../src/model/customer.js';
import type { Customer } from '../../src/model/types.js';
import type { PushResult } from '../../src/push/engine.js';
import { SyncEngine } from '../../src/push/engine.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { isUnparsed, openSource, type SourceItem } from '../../src/sources/index.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import type { PlannedRequest } from '../../src/job/report.js';
import { customer, ndjson, tempDir } from '../cli/helpers.js';

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;

beforeEach(async () => {
  sandbox = await startSandbox();
  tmp = tempDir();
});
afterEach(async () => {
  await sandbox.close();
  tmp.remove();
});

/**
 * One night: the file through the NDJSON source's batches, counting the lines the run asked to parse. With
 * `dieAfterFirstPush`, nothing more reaches the state once a provider has taken the first push, as when the
 * process is killed at that moment.
 */
async function night(lines: unknown[], { dieAfterFirstPush = false } = {}) {
  const input = join(tmp.dir, 'customers.ndjson');
  writeFileSync(input, ndjson(lines));
  const adapter = invisibleCollector({
    baseUrl: sandbox.urls['invisible-collector'],
    token: sandbox.credentials['invisible-collector'].token,
    createMissing: true,
  });
  const store = SqliteStateStore.open(join(tmp.dir, 'state.db'));
  const engine = new SyncEngine([adapter], store, { retries: 0 });
  if (dieAfterFirstPush) {
    let dead = false;
    const push = engine.push.bind(engine);
    engine.push = async (...args) => {
      const result = await push(...args);
      dead = true;
      return result;
    };
    const record = store.recordRawLines.bind(store);
    store.recordRawLines = (entries) => (dead ? [] : record(entries));
  }
  const source = await openSource({ input });
  const parsed: number[] = [];
  async function* counting(): AsyncGenerator<readonly SourceItem[]> {
    for await (const batch of source.batches) {
      yield batch.map((item) =>
        isUnparsed(item)
          ? {
              line: item.line,
              bytes: item.bytes,
              parse: () => {
                parsed.push(item.line);
                return item.parse();
              },
            }
          : item,
      );
    }
  }
  try {
    const report = await runSync({ engine, batches: counting(), rawFingerprint: rawFingerprint([adapter]) });
    return { report, parsed };
  } finally {
    await source.close();
    await engine.close();
  }
}

describe('runSync over NDJSON batches', () => {
  it('parses only the lines that differ from the last confirmed ones; the others count as unchanged unread', async () => {
    const first = await night([customer(1), customer(2), customer(3)]);
    expect(first.parsed).toEqual([1, 2, 3]);
    expect(first.report.providers['invisible-collector']).toMatchObject({ created: 3 });
    const requests = sandbox.stats('invisible-collector').requests;

    const second = await night([customer(1), customer(2, { lastName: 'Changed' }), customer(3), '{not json']);
    expect(second.parsed).toEqual([2, 4]);
    expect(second.report.records).toEqual({ read: 4, invalid: 1 });
    expect(second.report.invalid).toEqual([{ line: 4, issues: [{ path: '', message: 'not valid JSON' }] }]);
    expect(second.report.providers['invisible-collector']).toMatchObject({ unchanged: 2, updated: 1, failed: 0 });
    // One PUT for the changed customer, nothing for the two identical lines.
    expect(sandbox.stats('invisible-collector').requests - requests).toBe(1);
  });

  it('sends a line met again after a newer one was pushed but never confirmed in the state (process killed)', async () => {
    const a = customer(1);
    const b = customer(1, { lastName: 'Newer' });
    await night([a]);
    const killed = await night([b], { dieAfterFirstPush: true });
    expect(killed.report.providers['invisible-collector']).toMatchObject({ updated: 1 });
    // The provider holds b. Line a again must not pass for "confirmed last time": it is sent.
    const third = await night([a]);
    expect(third.parsed).toEqual([1]);
    expect(third.report.providers['invisible-collector']).toMatchObject({ updated: 1, unchanged: 0 });
    expect(sandbox.customers('invisible-collector')).toMatchObject([{ name: 'Person Number1' }]);
  });

  it('writes nothing about raw lines for records that have none (CSV, JSON): no transaction per record', async () => {
    const adapter = invisibleCollector({
      baseUrl: sandbox.urls['invisible-collector'],
      token: sandbox.credentials['invisible-collector'].token,
      createMissing: true,
    });
    const store = SqliteStateStore.open(join(tmp.dir, 'state.db'));
    const writes: unknown[] = [];
    const record = store.recordRawLines.bind(store);
    store.recordRawLines = (entries) => {
      writes.push(entries);
      return record(entries);
    };
    const engine = new SyncEngine([adapter], store, { retries: 0 });
    async function* records() {
      for (const i of [1, 2, 3]) yield { line: i + 1, value: customer(i) };
    }
    try {
      const report = await runSync({ engine, records: records(), rawFingerprint: rawFingerprint([adapter]) });
      expect(report.providers['invisible-collector']).toMatchObject({ created: 3 });
    } finally {
      await engine.close();
    }
    expect(writes).toEqual([]);
  });
});

describe('runSync --dry-run', () => {
  it('hands each planned request to onPlanned, and reads no further while the records in flight wait on it', async () => {
    const adapter = invisibleCollector({
      baseUrl: sandbox.urls['invisible-collector'],
      token: sandbox.credentials['invisible-collector'].token,
      createMissing: true,
    });
    const engine = new SyncEngine([adapter], new MemoryStateStore(), { retries: 0 });
    let read = 0;
    async function* records() {
      for (let i = 1; i <= 10; i++) {
        read += 1;
        yield { line: i, value: customer(i) };
      }
    }
    const seen: PlannedRequest[] = [];
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let waiting = 0;
    let bothWaiting = (): void => {};
    const twoWaiting = new Promise<void>((resolve) => (bothWaiting = resolve));
    const running = runSync({
      engine,
      records: records(),
      dryRun: true,
      maxInFlight: 2,
      onPlanned: (planned) => {
        seen.push(planned);
        if (read > 2) return undefined;
        waiting += 1;
        if (waiting === 2) bothWaiting();
        return gate;
      },
    });
    try {
      await twoWaiting;
      // Both records in flight wait on the output; let every ready callback run: nothing more is read.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(read).toBe(2);
      release();
      const report = await running;
      expect(report.records.read).toBe(10);
      expect(seen.filter((p) => p.request.method !== 'GET').map((p) => p.customerId)).toHaveLength(10);
      expect(report.planned).toEqual(seen);
      expect(sandbox.stats('invisible-collector').requests).toBe(0);
    } finally {
      release();
      await engine.close();
    }
  });
});

describe('runSync with a delivery of its own', () => {
  /** Holds customers until `flush` or a full batch, like the queue; answers `updated` everywhere a tick later. */
  class BatchingDelivery implements Delivery {
    readonly providers = ['yativo'];
    readonly dryRun = false;
    readonly rawLines = undefined;
    readonly batchSize = 3;
    readonly handed: string[] = [];
    readonly batches: string[][] = [];
    #held: Array<{ customer: Customer; resolve: (result: PushResult) => void }> = [];

    deliver(customer: Customer): Promise<PushResult> {
      return new Promise((resolve) => {
        this.handed.push(`${customer.id} ${customer.name ?? ''}`.trim());
        this.#held.push({ customer, resolve });
        if (this.#held.length >= this.batchSize) void this.flush();
      });
    }

    async flush(): Promise<void> {
      const batch = this.#held.splice(0);
      if (batch.length === 0) return;
      this.batches.push(batch.map(({ customer }) => customer.id));
      await new Promise((resolve) => setImmediate(resolve));
      for (const { customer, resolve } of batch) {
        resolve({ customerId: customer.id, providers: { yativo: { status: 'updated', warnings: [], requests: 1, retries: 0 } } });
      }
    }
  }

  async function* records(values: unknown[]) {
    for (const [i, value] of values.entries()) yield { line: i + 1, value };
  }

  it('hands records on in batches, flushes before it waits, and keeps a customer met twice in input order', async () => {
    const delivery = new BatchingDelivery();
    const input: Array<{ id: string; email: string; name?: string }> = [1, 2, 3, 4, 5, 6, 7].map((i) => ({ id: `c-${i}`, email: `p${i}@example.com` }));
    input.splice(2, 0, { id: 'c-1', email: 'p1@example.com', name: 'Second' });
    const report = await runSync({ delivery, records: records(input), maxInFlight: 4 });
    expect(report.records).toEqual({ read: 8, invalid: 0 });
    expect(report.providers.yativo).toMatchObject({ updated: 8, requests: 8 });
    // The second record of c-1 is handed on only once the first one's result is in.
    expect(delivery.handed.indexOf('c-1 Second')).toBeGreaterThan(delivery.handed.indexOf('c-1'));
    expect(delivery.batches.flat().sort()).toEqual(['c-1', 'c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6', 'c-7']);
    expect(delivery.batches[0]).toEqual(['c-1', 'c-2', 'c-3']);
  });

  it('validates with the validate it is given', async () => {
    const delivery = new BatchingDelivery();
    const validate = (value: unknown): CustomerValidation =>
      (value as { id: string }).id === 'bad'
        ? { ok: false, customerId: 'bad', issues: [{ path: 'id', message: 'refused by this model' }] }
        : { ok: true, customer: value as Customer };
    const report = await runSync({ delivery, records: records([{ id: 'bad' }, { id: 'c-1', anything: true }]), validate });
    expect(report.invalid).toEqual([{ line: 1, customerId: 'bad', issues: [{ path: 'id', message: 'refused by this model' }] }]);
    expect(report.providers.yativo).toMatchObject({ updated: 1 });
  });

  it('throws what a delivery threw once the records in flight settled, and reads no further', async () => {
    let delivered = 0;
    const delivery: Delivery = {
      providers: ['yativo'],
      dryRun: false,
      rawLines: undefined,
      deliver: async (customer) => {
        delivered += 1;
        if (customer.id === 'c-2') throw new Error('queue gone');
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { customerId: customer.id, providers: { yativo: { status: 'updated', warnings: [], requests: 1, retries: 0 } } };
      },
    };
    const input = Array.from({ length: 50 }, (_, i) => ({ id: `c-${i + 1}`, email: `p${i + 1}@example.com` }));
    await expect(runSync({ delivery, records: records(input), maxInFlight: 2 })).rejects.toThrow('queue gone');
    expect(delivered).toBeLessThan(50);
  });
});
