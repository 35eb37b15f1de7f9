import { describe, expect, it } from 'vitest';
import type { CreateIntent, LinkState } from '../../src/state/store.js';
import type { Customer } from '../../src/model/types.js';
import { deliver } from '../../src/push/deliver.js';
import { payloadHash } from '../../src/push/hash.js';
import { plan, planAt, type PlanTarget } from '../../src/push/plan.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { fakeDefinition, ScriptedSender, type Scripted } from './fake-provider.js';

const ada: Customer = { id: 'c-1', email: 'ada@example.com', name: 'Ada Lovelace' };
const PROVIDER = 'invisible-collector' as const;
const BODY = { name: 'Ada Lovelace', email: 'ada@example.com' };

function target(opts: { createMissing?: boolean; definition?: Parameters<typeof fakeDefinition>[0] } = {}): PlanTarget {
  return { definition: fakeDefinition(opts.definition), createMissing: opts.createMissing ?? false };
}

function intent(overrides: Partial<CreateIntent> = {}): CreateIntent {
  return {
    idempotencyKey: 'k-1',
    request: { method: 'POST', path: '/customers', retrySafe: false },
    updateHash: payloadHash(undefined, BODY),
    createdAt: '2024-01-01T00:00:00.000Z',
    status: 'pending',
    ...overrides,
  };
}

const lines = (planned: ReadonlyArray<{ method: string; path: string }>) => planned.map((r) => `${r.method} ${r.path}`);

describe('planAt (a dry run at one provider)', () => {
  it('plans the update without sending or writing state', async () => {
    const store = new MemoryStateStore();
    const outcome = await planAt(ada, target(), store);
    expect(outcome).toEqual({
      status: 'updated',
      providerId: 'c-1',
      warnings: [],
      requests: 0,
      retries: 0,
      planned: [{ method: 'PUT', path: '/customers/c-1', body: BODY, retrySafe: true }],
    });
    expect(await store.get('c-1', PROVIDER)).toBeUndefined();
  });

  it('plans a lookup then a create when no id is known and createMissing is on', async () => {
    const store = new MemoryStateStore();
    const outcome = await planAt(ada, target({ createMissing: true, definition: { defaultId: undefined } }), store);
    expect(outcome.status).toBe('created');
    expect(lines(outcome.planned ?? [])).toEqual(['GET /customers/find', 'POST /customers']);
    expect(await store.get('c-1', PROVIDER)).toBeUndefined();
  });

  it('plans nothing for an unchanged customer', async () => {
    const store = new MemoryStateStore();
    await store.recordSuccess('c-1', PROVIDER, { providerId: 'g-1', payloadHash: payloadHash('c-1', BODY) });
    expect(await planAt(ada, target(), store)).toMatchObject({ status: 'unchanged', planned: [] });
  });

  it('fails the provider, planning nothing, when the state cannot be read', async () => {
    const store = new MemoryStateStore();
    store.get = () => Promise.reject(new Error('disk gone'));
    expect(await planAt(ada, target(), store)).toMatchObject({ status: 'failed', error: { kind: 'transient' }, planned: [] });
  });
});

describe('plan', () => {
  it('updates when the payload changed or with full, addressed at the id DESIGN §3 names', () => {
    const link: LinkState = { providerId: 'g-1', payloadHash: payloadHash('c-1', BODY) };
    expect(plan(ada, link, target())).toMatchObject({ status: 'unchanged', providerId: 'g-1', planned: [] });
    expect(plan(ada, link, target(), { full: true })).toMatchObject({ status: 'updated', providerId: 'c-1' });
    expect(plan({ ...ada, name: 'Ada King' }, link, target())).toMatchObject({ status: 'updated', planned: [{ method: 'PUT', path: '/customers/c-1' }] });
    // The id the record names wins over the default and the learned one.
    const named = plan({ ...ada, providerIds: { [PROVIDER]: 'named' } }, link, target());
    expect(lines(named.planned)).toEqual(['PUT /customers/named']);
    // Without a default id, the id learned at a create.
    expect(lines(plan(ada, { providerId: 'g-9' }, target({ definition: { defaultId: undefined } })).planned)).toEqual(['PUT /customers/g-9']);
  });

  it('creates at once when the provider creates whenever no id is known', () => {
    const definition = { defaultId: undefined, create: { ...fakeDefinition().create!, when: 'no-id' as const } };
    expect(plan(ada, {}, target({ definition }))).toMatchObject({
      status: 'created',
      planned: [{ method: 'POST', path: '/customers', body: { ...BODY, externalId: 'c-1' } }],
    });
  });

  it('skips with the provider’s reason when no id is known and no create is allowed', () => {
    expect(plan(ada, {}, target({ definition: { defaultId: undefined } }))).toEqual({ status: 'skipped', reason: 'no id known', warnings: [], planned: [] });
  });

  it('plans a create found pending as its replay: blindly where the provider deduplicates, after a lookup elsewhere', () => {
    const safe = { create: { ...fakeDefinition().create!, request: (body: Record<string, unknown>) => ({ method: 'POST' as const, path: '/customers', body, retrySafe: true }) } };
    expect(lines(plan(ada, { intent: intent() }, target({ definition: safe })).planned)).toEqual(['POST /customers']);
    const lookedUp = plan(ada, { intent: intent({ status: 'unknown_outcome' }) }, target());
    expect(lookedUp.status).toBe('created');
    expect(lines(lookedUp.planned)).toEqual(['GET /customers/find', 'POST /customers']);
    // An intent that kept its body is replayed with it, as recorded (the same bytes under the same key).
    const kept = { method: 'POST' as const, path: '/customers', body: { name: 'Then' }, retrySafe: false };
    expect(plan(ada, { intent: intent({ request: kept }) }, target()).planned[1]).toEqual(kept);
  });

  it('fails unknown_outcome for an intent no lookup can settle', () => {
    const outcome = plan(ada, { intent: intent() }, target({ definition: { lookup: undefined } }));
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'unknown_outcome' }, planned: [] });
  });

  it('fails invalid when the provider cannot take the record, or its id cannot be a path segment', () => {
    const refused = plan(ada, {}, target({ definition: { updateBody: () => ({ ok: false, message: 'Fake requires country; the record has none' }) } }));
    expect(refused).toMatchObject({ status: 'failed', error: { kind: 'invalid', message: 'Fake requires country; the record has none' } });
    expect(plan({ ...ada, providerIds: { [PROVIDER]: '..' } }, {}, target())).toMatchObject({ status: 'failed', error: { kind: 'invalid' } });
  });

  it('keeps the bodies’ warnings, once each', () => {
    const definition = {
      updateBody: (c: Customer) => ({ ok: true as const, body: { name: c.name }, warnings: ['locale xx left out'] }),
      defaultId: undefined,
    };
    const create = { ...fakeDefinition().create!, body: (c: Customer) => ({ ok: true as const, body: { name: c.name }, warnings: ['locale xx left out'] }) };
    expect(plan(ada, {}, target({ createMissing: true, definition: { ...definition, create } })).warnings).toEqual(['locale xx left out']);
  });

  it('is deterministic: the same customer and link plan the same', () => {
    const link: LinkState = { intent: intent({ status: 'unknown_outcome' }) };
    expect(plan(ada, link, target())).toEqual(plan(ada, link, target()));
  });
});

describe('plan and deliver agree', () => {
  /** Where every answer is a plain success and lookups find nothing, deliver sends what plan planned. */
  const cases: Array<{ name: string; customer: Customer; link?: LinkState; createMissing?: boolean; definition?: Parameters<typeof fakeDefinition>[0]; script: Scripted[] }> = [
    { name: 'update', customer: ada, script: [{ status: 200, body: { gid: 'g-1' } }] },
    { name: 'unchanged', customer: ada, link: { providerId: 'c-1', payloadHash: payloadHash('c-1', BODY) }, script: [] },
    { name: 'find then create', customer: ada, createMissing: true, definition: { defaultId: undefined }, script: [{ status: 200, body: [] }, { status: 200, body: { gid: 'g-2' } }] },
    { name: 'skip', customer: ada, definition: { defaultId: undefined }, script: [] },
    { name: 'replay after lookup', customer: ada, link: { intent: intent({ status: 'unknown_outcome' }) }, script: [{ status: 200, body: [] }, { status: 200, body: { gid: 'g-3' } }] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const t = target({ createMissing: c.createMissing, definition: c.definition });
      const planned = plan(c.customer, c.link ?? {}, t);
      const store = new MemoryStateStore();
      if (c.link?.providerId) await store.recordSuccess(c.customer.id, PROVIDER, { providerId: c.link.providerId, payloadHash: c.link.payloadHash ?? '' });
      if (c.link?.intent) await store.recordIntent(c.customer.id, PROVIDER, c.link.intent);
      const sender = new ScriptedSender(c.script);
      const outcome = await deliver(c.customer, { ...t, sender }, store);
      expect(outcome.status).toBe(planned.status);
      expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual(lines(planned.planned));
    });
  }
});
