import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerLink, ForgottenCustomer, StateStore } from '../../src/state/store.js';
import { failureFixture, intentFixture } from './contract.js';

/** A store with `forget` and the `linksOf` that `customer-sync state` reads with it. */
export type ForgettingStore = StateStore & {
  forget(customerId: string): Promise<ForgottenCustomer>;
  linksOf(customerId: string): Promise<CustomerLink[]>;
};

/**
 * What `forget(customerId)` does in every store (`customer-sync state forget`): it erases every link of that
 * customer (provider ids, payload hashes, intents, failures), says what they held, and touches no other customer.
 * `open` gives a fresh, empty store for each test.
 */
export function describeForgetContract(name: string, open: () => Promise<ForgettingStore> | ForgettingStore): void {
  describe(`${name}: forget`, () => {
    let store: ForgettingStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    it('erases every link of the customer and returns them as they were, by provider', async () => {
      await store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h1' });
      await store.recordIntent('cus_1', 'fatora', intentFixture({}, 'fatora'));
      await store.recordFailure('cus_1', 'fatora', failureFixture({ kind: 'unknown_outcome' }), 'unknown');
      await store.recordFailure('cus_1', 'bluetape', failureFixture(), 'keep');

      expect((await store.linksOf('cus_1')).map((link) => link.provider)).toEqual(['bluetape', 'fatora', 'yativo']);
      const forgotten = await store.forget('cus_1');
      expect(forgotten.links).toEqual([
        { provider: 'bluetape', lastFailure: failureFixture() },
        {
          provider: 'fatora',
          intent: intentFixture({ status: 'unknown_outcome' }, 'fatora'),
          lastFailure: failureFixture({ kind: 'unknown_outcome' }),
        },
        { provider: 'yativo', providerId: 'Y-1', payloadHash: 'h1' },
      ]);
      for (const provider of ['yativo', 'fatora', 'bluetape']) expect(await store.get('cus_1', provider)).toBeUndefined();
      expect(await store.linksOf('cus_1')).toEqual([]);
      // The provider's id is free again: adopting it later is not refused as another customer's.
      expect(await store.customersLinkedTo('yativo', 'Y-1')).toEqual([]);
    });

    it('touches no other customer, however alike their ids', async () => {
      for (const id of ['cus_1', 'cus_10', 'CUS_1', 'cus_1 ']) {
        await store.recordSuccess(id, 'yativo', { providerId: `Y-${id}`, payloadHash: 'h' });
      }
      await store.forget('cus_1');
      for (const id of ['cus_10', 'CUS_1', 'cus_1 ']) {
        expect(await store.get(id, 'yativo')).toEqual({ providerId: `Y-${id}`, payloadHash: 'h' });
      }
    });

    it('forgets nothing of a customer it never saw, and a forgotten customer starts afresh', async () => {
      expect(await store.forget('nobody')).toEqual({ links: [], rawLine: false });
      await store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h1' });
      await store.forget('cus_1');
      expect(await store.forget('cus_1')).toMatchObject({ links: [] });
      await store.recordIntent('cus_1', 'yativo', intentFixture());
      expect(await store.get('cus_1', 'yativo')).toEqual({ intent: intentFixture() });
    });
  });
}
