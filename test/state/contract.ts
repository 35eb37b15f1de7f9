import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../src/providers.js';
import { payloadHash } from '../../src/push/hash.js';
import { isWatermarkStore, type CreateIntent, type FailureRecord, type StateStore } from '../../src/state/store.js';

/** The update body the fixture's `updateHash` is the hash of. */
export const FIXTURE_UPDATE_BODY = { name: 'Zoë O\'Brien "the 2nd"', nested: { deep: [1, { two: 2.5 }] } };

/**
 * A create intent as the delivery records it for `provider`: the request body only at Yativo (the provider taking
 * an idempotency key), the update body as its hash.
 */
export function intentFixture(overrides: Partial<CreateIntent> = {}, provider: ProviderId = 'yativo'): CreateIntent {
  const request: CreateIntent['request'] = {
    method: 'POST',
    path: '/customer',
    query: { dryRun: 'false', 'a b': 'ü/?&=' },
    headers: { 'X-Trace': 'abc' },
    retrySafe: false,
  };
  if (provider === 'yativo') {
    request.body = {
      name: 'Zoë O\'Brien "the 2nd"',
      address: { lines: ['Rua Ça 1', '2º esq.'], country: 'PT', geo: { lat: 38.72, lng: -9.139, exact: true } },
      tags: [],
      notes: null,
      emoji: '🧾\u2028',
    };
  }
  return {
    idempotencyKey: '3f1c2b8e-6a0d-4c57-9a3e-0b1d2c3e4f50',
    request,
    updateHash: payloadHash(undefined, FIXTURE_UPDATE_BODY),
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

    it('gives back an intent without a request body as it was: no body appears', async () => {
      const intent = intentFixture({}, 'invisible-collector');
      expect(intent.request.body).toBeUndefined();
      await store.recordIntent('cus_1', 'invisible-collector', intent);
      const stored = (await store.get('cus_1', 'invisible-collector'))?.intent;
      expect(stored).toEqual(intent);
      expect(stored && 'body' in stored.request).toBe(false);
      expect(stored && 'updateBody' in stored).toBe(false);
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
      await store.recordIntent('cus_1', 'fatora', intentFixture({}, 'fatora'));
      const newer = intentFixture({ idempotencyKey: 'key-2', createdAt: '2025-03-02T00:00:00.000Z' }, 'fatora');
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
      await store.recordIntent('cus_1', 'fatora', intentFixture({}, 'fatora'));
      const failure = failureFixture({ kind: 'unknown_outcome', status: undefined, message: 'socket hang up' });
      await store.recordFailure('cus_1', 'fatora', failure, 'unknown');
      const link = await store.get('cus_1', 'fatora');
      expect(link?.intent).toEqual(intentFixture({ status: 'unknown_outcome' }, 'fatora'));
      expect(link?.lastFailure).toEqual(failure);
    });

    it('a failure with `clear` drops the intent', async () => {
      await store.recordIntent('cus_1', 'fatora', intentFixture({}, 'fatora'));
      await store.recordFailure('cus_1', 'fatora', failureFixture({ kind: 'rejected', status: 422 }), 'clear');
      expect(await store.get('cus_1', 'fatora')).toEqual({ lastFailure: failureFixture({ kind: 'rejected', status: 422 }) });
    });

    it.each(['keep', 'unknown', 'clear'] as const)('a failure with `%s` and no intent records only the failure', async (mode) => {
      await store.recordFailure('cus_1', 'fatora', failureFixture(), mode);
      expect(await store.get('cus_1', 'fatora')).toEqual({ lastFailure: failureFixture() });
    });

    it('keeps a failure with the emails and phone numbers of its message masked', async () => {
      const failure = failureFixture({ kind: 'rejected', status: 422, message: 'email ada.lovelace@example.com is taken (+351 912 345 678)' });
      await store.recordFailure('cus_1', 'yativo', failure, 'keep');
      expect((await store.get('cus_1', 'yativo'))?.lastFailure).toEqual({ ...failure, message: 'email a***@example.com is taken (+3***78)' });
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

    describe('customersLinkedTo', () => {
      it('knows no customer for an id no link has', async () => {
        expect(await store.customersLinkedTo('fatora', 'F-1')).toEqual([]);
        await store.recordIntent('cus_1', 'fatora', intentFixture({}, 'fatora'));
        await store.recordFailure('cus_2', 'fatora', failureFixture(), 'keep');
        await store.recordSuccess('cus_3', 'invisible-collector', { providerId: undefined, payloadHash: 'h' });
        expect(await store.customersLinkedTo('fatora', 'F-1')).toEqual([]);
        expect(await store.customersLinkedTo('invisible-collector', '')).toEqual([]);
      });

      it('names the customer linked to the id at that provider only', async () => {
        await store.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h1' });
        await store.recordSuccess('cus_2', 'yativo', { providerId: 'F-1', payloadHash: 'h2' });
        await store.recordSuccess('cus_3', 'fatora', { providerId: 'F-10', payloadHash: 'h3' });
        expect(await store.customersLinkedTo('fatora', 'F-1')).toEqual(['cus_1']);
        expect(await store.customersLinkedTo('yativo', 'F-1')).toEqual(['cus_2']);
        expect(await store.customersLinkedTo('fatora', 'f-1')).toEqual([]);
        expect(await store.customersLinkedTo('fatora', 'F-')).toEqual([]);
        expect(await store.customersLinkedTo('bluetape', 'F-1')).toEqual([]);
      });

      it('names every customer linked to one id, in code point order', async () => {
        for (const id of ['cus_b', 'cus_a', 'CUS_c', 'cus_\u00e9']) {
          await store.recordSuccess(id, 'fatora', { providerId: 'F-shared', payloadHash: 'h' });
        }
        expect(await store.customersLinkedTo('fatora', 'F-shared')).toEqual(['CUS_c', 'cus_a', 'cus_b', 'cus_\u00e9']);
      });

      it('follows the link: a new id moves it, a success without an id, a failure or an intent keep it', async () => {
        await store.recordSuccess('cus_1', 'bluetape', { providerId: 'B-1', payloadHash: 'h1' });
        await store.recordSuccess('cus_1', 'bluetape', { providerId: undefined, payloadHash: 'h2' });
        await store.recordFailure('cus_1', 'bluetape', failureFixture(), 'clear');
        await store.recordIntent('cus_1', 'bluetape', intentFixture({}, 'bluetape'));
        expect(await store.customersLinkedTo('bluetape', 'B-1')).toEqual(['cus_1']);
        await store.recordSuccess('cus_1', 'bluetape', { providerId: 'B-2', payloadHash: 'h3' });
        expect(await store.customersLinkedTo('bluetape', 'B-1')).toEqual([]);
        expect(await store.customersLinkedTo('bluetape', 'B-2')).toEqual(['cus_1']);
      });

      it.each(oddIds)('matches a provider id with %s exactly', async (_label, id) => {
        await store.recordSuccess('cus_1', 'yativo', { providerId: id, payloadHash: 'h' });
        await store.recordSuccess('cus_2', 'yativo', { providerId: `${id}x`, payloadHash: 'h' });
        expect(await store.customersLinkedTo('yativo', id)).toEqual(['cus_1']);
        expect(await store.customersLinkedTo('yativo', id.slice(0, -1))).toEqual([]);
      });
    });

    it('can be closed twice', async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });

    describe('watermarks (sync --since-last-run)', () => {
      const key = { input: 'postgresql://db.internal:5432/crm', source: 'f'.repeat(64), column: 'updated_at' };

      it('keeps one watermark per input, source and column, replaced as a whole', async () => {
        if (!isWatermarkStore(store)) throw new Error(`${name} keeps no watermarks`);
        expect(await store.getWatermark(key)).toBeUndefined();
        await store.setWatermark(key, { value: '2026-12-01 10:00:00.123456+00', type: 'timestamp with time zone' });
        await store.setWatermark({ ...key, column: 'id' }, { value: '41', type: 'bigint' });
        await store.setWatermark({ ...key, source: 'e'.repeat(64) }, { value: 'x', type: 'text' });
        await store.setWatermark({ ...key, input: 'postgresql://db.internal:5432/other' }, { value: 'y', type: 'text' });
        expect(await store.getWatermark(key)).toEqual({ value: '2026-12-01 10:00:00.123456+00', type: 'timestamp with time zone' });
        expect(await store.getWatermark({ ...key, column: 'id' })).toEqual({ value: '41', type: 'bigint' });
        await store.setWatermark(key, { value: "O'Brien ü \\ \"x\"", type: 'text' });
        expect(await store.getWatermark(key)).toEqual({ value: "O'Brien ü \\ \"x\"", type: 'text' });
        expect(await store.getWatermark({ ...key, column: 'Updated_At' })).toBeUndefined();
      });
    });
  });
}
