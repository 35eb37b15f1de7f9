import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateIntent, FailureRecord, StateStore } from '../../src/state/store.js';

export function intentFixture(overrides: Partial<CreateIntent> = {}): CreateIntent {
  return {
    idempotencyKey: '3f1c2b8e-6a0d-4c57-9a3e-0b1d2c3e4f50',
    request: {
      method: 'POST',
      path: '/customer',
      query: { dryRun: 'false', 'a b': 'ü/?&=' },
      headers: { 'X-Trace': 'abc' },
      body: {
        name: 'Zoë O\'Brien "the 2nd"',
        address: { lines: ['Rua Ça 1', '2º esq.'], country: 'PT', geo: { lat: 38.72, lng: -9.139, exact: true } },
        tags: [],
        notes: null,
        emoji: '🧾\u2028',
      },
      retrySafe: false,
    },
    updateBody: { name: 'Zoë O\'Brien "the 2nd"', nested: { deep: [1, { two: 2.5 }] } },
    createdAt: '2025-03-01T10:00:00.000Z',
    status: 'pending',
    ...overrides,
  };
}

export function failureFixture(overrides: Partial<FailureRecord> = {}): FailureRecord {
  return { kind: 'transient', status: 503, message: 'Service Unavailable', at: '2025-03-01T10:00:01.000Z', ...overrides };
}

/**
 * The behaviour every `StateStore` shares (src/state/store.ts, with MemoryStateStore as the reference).
 * `open` gives a fresh, empty store for each test.
 */
export function describeStateStoreContract(name: string, open: () => Promise<StateStore> | StateStore): void {
  describe(`${name}: StateStore contract`, () => {
    let store: StateStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    it('knows nothing about a customer never recorded', async () => {
      expect(await store.get('cus_1', 'yativo')).toBeUndefined();
    });

    it('gives back a recorded intent exactly, nested request included', async () => {
      const intent = intentFixture();
      await store.recordIntent('cus_1', 'yativo', intent);
      expect(await store.get('cus_1', 'yativo')).toEqual({ intent });
    });

    it('returns copies: changing what get returned changes nothing stored', async () => {
      await store.recordIntent('cus_1', 'yativo', intentFixture());
      const first = await store.get('cus_1', 'yativo');
      if (first?.intent?.request.body) first.intent.request.body.name = 'changed';
      expect((await store.get('cus_1', 'yativo'))?.intent).toEqual(intentFixture());
    });

    it('replaces an intent with a newer one and keeps what else it knows', async () => {
      await store.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h1' });
      await store.recordFailure('cus_1', 'fatora', failureFixture({ kind: 'not_found', status: 404 }), 'keep');
      await store.recordIntent('cus_1', 'fatora', intentFixture());
      const newer = intentFixture({ idempotencyKey: 'key-2', createdAt: '2025-03-02T00:00:00.000Z' });
      await store.recordIntent('cus_1', 'fatora', newer);
      expect(await store.get('cus_1', 'fatora')).toEqual({
        providerId: 'F-1',
        payloadHash: 'h1',
        lastFailure: failureFixture({ kind: 'not_found', status: 404 }),
        intent: newer,
      });
    });

    it('a success clears the intent and the failure', async () => {
      await store.recordIntent('cus_1', 'yativo', intentFixture());
      await store.recordFailure('cus_1', 'yativo', failureFixture(), 'keep');
      await store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'hash-1' });
      expect(await store.get('cus_1', 'yativo')).toEqual({ providerId: 'Y-1', payloadHash: 'hash-1' });
    });

    it('a success without a provider id keeps the one known', async () => {
      await store.recordSuccess('cus_1', 'bluetape', { providerId: 'B-1', payloadHash: 'h1' });
      await store.recordSuccess('cus_1', 'bluetape', { providerId: undefined, payloadHash: 'h2' });
      expect(await store.get('cus_1', 'bluetape')).toEqual({ providerId: 'B-1', payloadHash: 'h2' });
    });

    it('a success with a provider id replaces the one known', async () => {
      await store.recordSuccess('cus_1', 'bluetape', { providerId: 'B-1', payloadHash: 'h1' });
      await store.recordSuccess('cus_1', 'bluetape', { providerId: 'B-2', payloadHash: 'h1' });
      expect((await store.get('cus_1', 'bluetape'))?.providerId).toBe('B-2');
    });

    it('a success without any provider id records only the hash', async () => {
      await store.recordSuccess('cus_1', 'invisible-collector', { providerId: undefined, payloadHash: 'h1' });
      const link = await store.get('cus_1', 'invisible-collector');
      expect(link).toEqual({ payloadHash: 'h1' });
      expect(link?.providerId).toBeUndefined();
    });

    it('a failure with `keep` records the failure and keeps the intent as it was', async () => {
      await store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h1' });
      await store.recordIntent('cus_1', 'yativo', intentFixture());
      await store.recordFailure('cus_1', 'yativo', failureFixture(), 'keep');
      expect(await store.get('cus_1', 'yativo')).toEqual({
        providerId: 'Y-1',
        payloadHash: 'h1',
        lastFailure: failureFixture(),
        intent: intentFixture(),
      });
    });

    it('a failure with `unknown` marks the intent unknown_outcome and changes nothing else in it', async () => {
      await store.recordIntent('cus_1', 'fatora', intentFixture());
      const failure = failureFixture({ kind: 'unknown_outcome', status: undefined, message: 'socket hang up' });
      await store.recordFailure('cus_1', 'fatora', failure, 'unknown');
      const link = await store.get('cus_1', 'fatora');
      expect(link?.intent).toEqual(intentFixture({ status: 'unknown_outcome' }));
      expect(link?.lastFailure).toEqual(failure);
    });

    it('a failure with `clear` drops the intent', async () => {
      await store.recordIntent('cus_1', 'fatora', intentFixture());
      await store.recordFailure('cus_1', 'fatora', failureFixture({ kind: 'rejected', status: 422 }), 'clear');
      expect(await store.get('cus_1', 'fatora')).toEqual({ lastFailure: failureFixture({ kind: 'rejected', status: 422 }) });
    });

    it.each(['keep', 'unknown', 'clear'] as const)('a failure with `%s` and no intent records only the failure', async (mode) => {
      await store.recordFailure('cus_1', 'fatora', failureFixture(), mode);
      expect(await store.get('cus_1', 'fatora')).toEqual({ lastFailure: failureFixture() });
    });

    it('a later failure replaces the earlier one', async () => {
      await store.recordFailure('cus_1', 'fatora', failureFixture(), 'keep');
      await store.recordFailure('cus_1', 'fatora', failureFixture({ kind: 'auth', status: 401, message: 'no' }), 'keep');
      expect((await store.get('cus_1', 'fatora'))?.lastFailure).toEqual(failureFixture({ kind: 'auth', status: 401, message: 'no' }));
    });

    it('keeps each provider of a customer apart', async () => {
      await store.recordIntent('cus_1', 'yativo', intentFixture());
      await store.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h1' });
      await store.recordFailure('cus_1', 'bluetape', failureFixture(), 'clear');
      expect(await store.get('cus_1', 'yativo')).toEqual({ intent: intentFixture() });
      expect(await store.get('cus_1', 'fatora')).toEqual({ providerId: 'F-1', payloadHash: 'h1' });
      expect(await store.get('cus_1', 'bluetape')).toEqual({ lastFailure: failureFixture() });
      expect(await store.get('cus_1', 'invisible-collector')).toBeUndefined();
    });

    it('keeps each customer at a provider apart', async () => {
      await store.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h1' });
      await store.recordSuccess('cus_2', 'fatora', { providerId: 'F-2', payloadHash: 'h2' });
      await store.recordFailure('cus_2', 'fatora', failureFixture(), 'keep');
      expect(await store.get('cus_1', 'fatora')).toEqual({ providerId: 'F-1', payloadHash: 'h1' });
      expect((await store.get('cus_2', 'fatora'))?.providerId).toBe('F-2');
      expect(await store.get('cus_10', 'fatora')).toBeUndefined();
      expect(await store.get('CUS_1', 'fatora')).toBeUndefined();
    });

    const oddIds: Array<[string, string]> = [
      ['a slash', 'acme/eu/42'],
      ['quotes', `o'brien "q" \`b\``],
      ['SQL', "x'); DROP TABLE links; --"],
      ['LIKE wildcards', '%_%'],
      ['unicode', 'Zoë-客户-🧾'],
      ['spaces and a newline', ' padded id \n'],
      ['128 characters', 'x'.repeat(127) + 'é'],
    ];

    it.each(oddIds)('keeps an id with %s as it is', async (_label, id) => {
      await store.recordIntent(id, 'yativo', intentFixture());
      await store.recordSuccess(id, 'fatora', { providerId: id, payloadHash: 'h' });
      expect(await store.get(id, 'yativo')).toEqual({ intent: intentFixture() });
      expect(await store.get(id, 'fatora')).toEqual({ providerId: id, payloadHash: 'h' });
      expect(await store.get(id.slice(0, -1), 'yativo')).toBeUndefined();
    });

    it('tells apart ids that differ only in Unicode normalization or case', async () => {
      const ids = ['caf\u00e9', 'cafe\u0301', 'CAF\u00c9'];
      for (const [i, id] of ids.entries()) await store.recordSuccess(id, 'fatora', { providerId: `F-${i}`, payloadHash: 'h' });
      for (const [i, id] of ids.entries()) expect((await store.get(id, 'fatora'))?.providerId).toBe(`F-${i}`);
    });

    it('can be closed twice', async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}
