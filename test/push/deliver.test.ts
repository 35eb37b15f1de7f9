import { describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../src/adapter/definition.js';
import type { CustomerSyncError } from '../../src/errors/customer-sync-error.js';
import type { SendContext } from '../../src/push/deliver.js';
import { providerError } from '../../src/errors/provider-errors.js';
import { deliver } from '../../src/push/deliver.js';
import { payloadHash } from '../../src/push/hash.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import type { Customer } from '../../src/model/types.js';
import { fakeDefinition, ScriptedSender, type Scripted } from './fake-provider.js';

const ada: Customer = { id: 'c-1', email: 'ada@example.com', name: 'Ada Lovelace' };
const PROVIDER = 'invisible-collector' as const;

function setup(script: Scripted[], opts: { createMissing?: boolean; definition?: Parameters<typeof fakeDefinition>[0] } = {}) {
  const sender = new ScriptedSender(script);
  const store = new MemoryStateStore();
  const target = { definition: fakeDefinition(opts.definition), sender, createMissing: opts.createMissing ?? false };
  return { sender, store, target };
}

describe('deliver', () => {
  it('updates at the default id, then reports an unchanged payload without sending', async () => {
    const { sender, store, target } = setup([{ status: 200, body: { gid: 'g-1' } }]);
    const first = await deliver(ada, target, store);
    expect(first).toEqual({ status: 'updated', providerId: 'g-1', warnings: [], requests: 1, retries: 0 });
    expect(sender.log).toEqual([
      { method: 'PUT', path: '/customers/c-1', body: { name: 'Ada Lovelace', email: 'ada@example.com' }, query: undefined, key: expect.any(String) },
    ]);

    // Addressed by its own id again (DESIGN §3), the unchanged payload sends nothing; the learned gid is kept.
    const second = await deliver(ada, target, store);
    expect(second).toEqual({ status: 'unchanged', providerId: 'g-1', warnings: [], requests: 0, retries: 0 });
    expect(sender.log).toHaveLength(1);
  });

  it('sends again when a field changed, and with full even when nothing did', async () => {
    const { sender, store, target } = setup([
      { status: 200, body: { gid: 'g-1' } },
      { status: 200, body: { gid: 'g-1' } },
      { status: 200, body: { gid: 'g-1' } },
    ]);
    await deliver(ada, target, store);
    expect((await deliver({ ...ada, name: 'Ada King' }, target, store)).status).toBe('updated');
    expect((await deliver({ ...ada, name: 'Ada King' }, target, store, { full: true })).status).toBe('updated');
    expect(sender.log.map((r) => r.path)).toEqual(['/customers/c-1', '/customers/c-1', '/customers/c-1']);
  });

  it('prefers the id the record names over the one in the state', async () => {
    const { sender, store, target } = setup([{ status: 200, body: { gid: 'named' } }]);
    await store.recordSuccess('c-1', PROVIDER, { providerId: 'old', payloadHash: 'x' });
    await deliver({ ...ada, providerIds: { 'invisible-collector': 'named' } }, target, store);
    expect(sender.log[0]?.path).toBe('/customers/named');
  });

  it('fails a 404 as not_found when createMissing is off, and records the failure', async () => {
    const { store, target } = setup([{ status: 404, body: { message: 'Customer not found' } }]);
    const outcome = await deliver(ada, target, store);
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.kind).toBe('not_found');
    expect(outcome.error?.providerMessage).toBe('Customer not found');
    expect((await store.get('c-1', PROVIDER))?.lastFailure).toMatchObject({ kind: 'not_found', status: 404 });
  });

  it('creates on 404 with createMissing, recording the intent before the POST', async () => {
    const { sender, store, target } = setup([{ status: 404 }, { status: 201, body: { gid: 'g-new' } }], { createMissing: true });
    const outcome = await deliver(ada, target, store);
    expect(outcome).toMatchObject({ status: 'created', providerId: 'g-new', requests: 2 });
    expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /customers/c-1', 'POST /customers']);
    expect(await store.get('c-1', PROVIDER)).toEqual({
      providerId: 'g-new',
      payloadHash: payloadHash('c-1', { name: 'Ada Lovelace', email: 'ada@example.com' }),
    });
  });

  it('adopts the customer a 409 names only when the lookup finds it under our externalId', async () => {
    const { sender, store, target } = setup(
      [
        { status: 404 },
        { status: 409, body: { code: 409, message: 'exists', gid: 'g-9' } },
        { status: 200, body: [{ gid: 'g-9', externalId: 'c-1' }] },
        { status: 200, body: { gid: 'g-9' } },
      ],
      { createMissing: true },
    );
    const outcome = await deliver(ada, target, store);
    expect(outcome).toMatchObject({ status: 'updated', providerId: 'g-9' });
    expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /customers/c-1',
      'POST /customers',
      'GET /customers/find',
      'PUT /customers/c-1',
    ]);
  });

  it('never writes over the customer a 409 names when it is not ours: rejected, naming it, and again next run', async () => {
    const conflict = { status: 409, body: { code: 409, message: 'Customer already registered', gid: 'g-other' } };
    const { sender, store, target } = setup([{ status: 404 }, conflict, { status: 200, body: [] }], { createMissing: true });
    const outcome = await deliver(ada, target, store);
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatchObject({ kind: 'rejected', status: 409, providerMessage: 'Customer already registered' });
    expect(outcome.error?.message).toBe(
      'Fake: VAT number is already held by another customer, gid g-other; not written (no customer there has our externalId)',
    );
    expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /customers/c-1', 'POST /customers', 'GET /customers/find']);
    const link = await store.get('c-1', PROVIDER);
    expect(link?.providerId).toBeUndefined();
    expect(link?.payloadHash).toBeUndefined();
    expect(link?.intent).toBeUndefined();

    // The next run asks again and is refused again: nothing "fixes" it silently.
    sender.script.push({ status: 404 }, conflict, { status: 200, body: [] });
    expect((await deliver(ada, target, store)).error?.kind).toBe('rejected');
    expect(sender.log.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual(['/customers/c-1', '/customers/c-1']);
  });

  it('refuses a lookup match that the state links to another customer of ours, naming both', async () => {
    const { sender, store, target } = setup([{ status: 200, body: [{ gid: 'g-7' }] }], {
      createMissing: true,
      definition: { defaultId: undefined },
    });
    await store.recordSuccess('c-other', PROVIDER, { providerId: 'g-7', payloadHash: 'x' });
    const outcome = await deliver(ada, target, store);
    expect(outcome.error).toMatchObject({ kind: 'rejected' });
    expect(outcome.error?.message).toBe(
      'Fake: the customer found by externalId, Fake id g-7, is already linked to our customer c-other, not to c-1; not written',
    );
    expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /customers/find']);
  });

  it('refuses several exact matches rather than guess', async () => {
    const { store, target } = setup([{ status: 200, body: [{ gid: 'g-1' }, { gid: 'g-2' }] }], {
      createMissing: true,
      definition: { defaultId: undefined },
    });
    const outcome = await deliver(ada, target, store);
    expect(outcome.error?.message).toBe('Fake: 2 customers there have exactly our externalId; cannot tell which is ours; not written');
  });

  it('reads every page of a lookup: an exact match behind full pages is found, not created again', async () => {
    const { sender, store, target } = setup(
      [
        { status: 200, body: { page: [{ gid: 'near-1', externalId: 'c-10' }], more: true } },
        { status: 200, body: { page: [{ gid: 'near-2', externalId: 'c-11' }], more: true } },
        { status: 200, body: { page: [{ gid: 'g-3', externalId: 'c-1' }], more: false } },
        { status: 200, body: { gid: 'g-3' } },
      ],
      { createMissing: true, definition: { defaultId: undefined } },
    );
    expect(await deliver(ada, target, store)).toMatchObject({ status: 'updated', providerId: 'g-3' });
    expect(sender.log.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query ?? {})}`)).toEqual([
      'GET /customers/find {"externalId":"c-1","page":"1"}',
      'GET /customers/find {"externalId":"c-1","page":"2"}',
      'GET /customers/find {"externalId":"c-1","page":"3"}',
      'PUT /customers/g-3 {}',
    ]);
  });

  it('marks a create whose outcome is unknown and does not send it again', async () => {
    const unknown = providerError('unknown_outcome', 'Fake: the create may have been applied', { provider: PROVIDER, customerId: 'c-1' });
    const { sender, store, target } = setup([{ status: 404 }, unknown], {
      createMissing: true,
      definition: { lookup: undefined },
    });
    expect((await deliver(ada, target, store)).error?.kind).toBe('unknown_outcome');
    expect((await store.get('c-1', PROVIDER))?.intent?.status).toBe('unknown_outcome');

    const again = await deliver(ada, target, store);
    expect(again.error?.kind).toBe('unknown_outcome');
    expect(again.requests).toBe(0);
    expect(sender.log).toHaveLength(2);
  });

  it('leaves a create cut off by a timeout to the next run, which resolves it by a lookup that finds it', async () => {
    const timedOut = providerError('unknown_outcome', 'Fake: no answer in time', {
      provider: PROVIDER,
      customerId: 'c-1',
      cause: { name: 'NetworkFailure', code: 'ETIMEDOUT', message: 'no complete answer within 15000 ms' },
    });
    const { sender, store, target } = setup(
      [{ status: 404 }, timedOut, { status: 200, body: [{ gid: 'g-found' }] }, { status: 200, body: { gid: 'g-found' } }],
      { createMissing: true },
    );
    expect((await deliver(ada, target, store)).error?.kind).toBe('unknown_outcome');
    expect(sender.log).toHaveLength(2);
    const outcome = await deliver(ada, target, store);
    expect(outcome).toMatchObject({ status: 'updated', providerId: 'g-found' });
    expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /customers/c-1',
      'POST /customers',
      'GET /customers/find',
      'PUT /customers/c-1',
    ]);
    expect((await store.get('c-1', PROVIDER))?.intent).toBeUndefined();
  });

  it('settles an unknown create in the same run: a lookup that finds nothing replays it once, with the same key', async () => {
    const reset = providerError('unknown_outcome', 'Fake: connection reset', {
      provider: PROVIDER,
      customerId: 'c-1',
      cause: { name: 'NetworkFailure', code: 'ECONNRESET', message: 'connection reset' },
    });
    const { sender, store, target } = setup(
      [{ status: 404 }, reset, { status: 200, body: [] }, { status: 201, body: { gid: 'g-new' } }],
      { createMissing: true },
    );
    expect(await deliver(ada, target, store)).toMatchObject({ status: 'created', providerId: 'g-new' });
    const [, first, lookup, replay] = sender.log;
    expect(lookup).toMatchObject({ method: 'GET', path: '/customers/find' });
    expect(replay).toEqual(first);
  });

  it('settles an unknown create in the same run by adopting what the lookup finds', async () => {
    const reset = providerError('unknown_outcome', 'Fake: connection reset', {
      provider: PROVIDER,
      customerId: 'c-1',
      cause: { name: 'NetworkFailure', code: 'ECONNRESET', message: 'connection reset' },
    });
    const { sender, store, target } = setup(
      [{ status: 404 }, reset, { status: 200, body: [{ gid: 'g-1', externalId: 'c-1' }] }, { status: 200, body: { gid: 'g-1' } }],
      { createMissing: true },
    );
    expect(await deliver(ada, target, store)).toMatchObject({ status: 'created', providerId: 'g-1' });
    expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /customers/c-1',
      'POST /customers',
      'GET /customers/find',
      'PUT /customers/c-1',
    ]);
    expect(await store.get('c-1', PROVIDER)).toEqual({
      providerId: 'g-1',
      payloadHash: payloadHash('c-1', { name: 'Ada Lovelace', email: 'ada@example.com' }),
    });
  });

  const retrySafeCreate = {
    defaultId: undefined,
    create: {
      when: 'no-id' as const,
      body: (c: Customer) => ({ ok: true as const, body: { name: c.name, email: c.email }, warnings: [] }),
      request: (body: Record<string, unknown>) => ({ method: 'POST' as const, path: '/customers', body, retrySafe: true }),
    },
  };

  it('replays a create intent that carries a key with the same key and payload, then updates to the record', async () => {
    const transient = providerError('transient', 'Fake: 503 after retries', { provider: PROVIDER, customerId: 'c-1', status: 503 });
    const definition = { ...retrySafeCreate, idempotencyHeader: 'Idempotency-Key' };
    const { sender, store, target } = setup([transient, { status: 201, body: { gid: 'g-1' } }], { definition });
    expect((await deliver(ada, target, store)).status).toBe('failed');
    // The key's intent keeps its body (a key must come back with the same bytes) and only a hash of the update.
    const intent = (await store.get('c-1', PROVIDER))?.intent;
    expect(intent?.request.body).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(intent?.updateHash).toBe(payloadHash(undefined, { name: 'Ada Lovelace', email: 'ada@example.com' }));
    expect(intent).not.toHaveProperty('updateBody');
    // The record changed meanwhile: the replay still sends the intent as it was, then updates to the new name.
    const renamed = { ...ada, name: 'Ada King' };
    sender.script.push({ status: 200, body: { gid: 'g-1' } });
    const outcome = await deliver(renamed, target, store);
    expect(outcome).toMatchObject({ status: 'created', providerId: 'g-1' });
    const [first, replay, update] = sender.log;
    expect(replay).toEqual(first);
    expect(update).toMatchObject({ method: 'PUT', path: '/customers/g-1', body: { name: 'Ada King', email: 'ada@example.com' } });
    expect(update?.key).not.toBe(first?.key);
  });

  it('keeps no body in the intent of a provider without keys: the replay is built from the record as it is', async () => {
    const transient = providerError('transient', 'Fake: 503 after retries', { provider: PROVIDER, customerId: 'c-1', status: 503 });
    const { sender, store, target } = setup([transient, { status: 201, body: { gid: 'g-1' } }], { definition: retrySafeCreate });
    expect((await deliver(ada, target, store)).status).toBe('failed');
    const intent = (await store.get('c-1', PROVIDER))?.intent;
    expect(intent?.request).toEqual({ method: 'POST', path: '/customers', retrySafe: true });
    const renamed = { ...ada, name: 'Ada King' };
    expect(await deliver(renamed, target, store)).toMatchObject({ status: 'created', providerId: 'g-1' });
    const [first, replay] = sender.log;
    expect(sender.log).toHaveLength(2);
    expect(replay).toMatchObject({ method: 'POST', path: '/customers', body: { name: 'Ada King', email: 'ada@example.com' }, key: first?.key });
    expect(await store.get('c-1', PROVIDER)).toEqual({
      providerId: 'g-1',
      payloadHash: payloadHash('g-1', { name: 'Ada King', email: 'ada@example.com' }),
    });
  });

  it('clears the intent when the provider refuses a create outright', async () => {
    const { store, target } = setup([{ status: 404 }, { status: 422, body: { code: 422, message: 'vatNumber is invalid' } }], {
      createMissing: true,
      definition: { lookup: undefined },
    });
    const outcome = await deliver(ada, target, store);
    expect(outcome.error).toMatchObject({ kind: 'rejected', status: 422, providerMessage: 'vatNumber is invalid' });
    expect((await store.get('c-1', PROVIDER))?.intent).toBeUndefined();
  });

  it('skips with the reason when no id is known and no create is allowed', async () => {
    const { sender, store, target } = setup([], { definition: { defaultId: undefined } });
    expect(await deliver(ada, target, store)).toEqual({ status: 'skipped', reason: 'no id known', warnings: [], requests: 0, retries: 0 });
    expect(sender.log).toEqual([]);
  });

  it('looks up by natural key before creating, and updates what it finds', async () => {
    const { sender, store, target } = setup([{ status: 200, body: [{ gid: 'g-7' }] }, { status: 200, body: { gid: 'g-7' } }], {
      createMissing: true,
      definition: { defaultId: undefined },
    });
    expect(await deliver(ada, target, store)).toMatchObject({ status: 'updated', providerId: 'g-7' });
    expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /customers/find', 'PUT /customers/g-7']);
  });

  it('fails invalid without a request when the provider cannot take the record', async () => {
    const { sender, store, target } = setup([], {
      definition: { updateBody: () => ({ ok: false, message: 'Fake requires country; the record has none' }) },
    });
    const outcome = await deliver(ada, target, store);
    expect(outcome.error).toMatchObject({ kind: 'invalid', message: 'Fake requires country; the record has none' });
    expect(sender.log).toEqual([]);
  });

  it('reports a 2xx whose body does not parse as bad_response', async () => {
    const { store, target } = setup([{ status: 200, body: { unexpected: true } }]);
    const outcome = await deliver(ada, target, store);
    expect(outcome.error?.kind).toBe('bad_response');
    expect(outcome.error?.message).toBe('Fake: the update response does not match the documented shape (HTTP 200)');
    expect(outcome.error?.status).toBe(200);
  });
});

describe('deliver with an id that cannot be a path segment', () => {
  it('fails invalid and sends nothing', async () => {
    const { sender, store, target } = setup([]);
    const outcome = await deliver({ ...ada, providerIds: { 'invisible-collector': '..' } }, target, store);
    expect(outcome.error).toMatchObject({ kind: 'invalid' });
    expect(sender.log).toEqual([]);
  });
});

describe('deliver with createMissing and an id the record names', () => {
  it('reports a 404 as not_found instead of creating a second customer every run', async () => {
    const { sender, store, target } = setup([{ status: 404, body: { message: 'Customer not found' } }], { createMissing: true });
    const outcome = await deliver({ ...ada, providerIds: { 'invisible-collector': 'gone' } }, target, store);
    expect(outcome.error).toMatchObject({ kind: 'not_found', status: 404 });
    expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /customers/gone']);
  });
});

describe('deliver: two customers of ours with one email, at once', () => {
  /** A provider keyed by email, answering after a turn of the event loop so deliveries interleave. */
  class EmailKeyedProvider {
    readonly clients: Array<{ id: string; email: string; name: unknown }> = [];
    readonly log: string[] = [];
    async send(spec: RequestSpec, ctx: SendContext): Promise<{ status: number; body: unknown }> {
      ctx.stats.requests += 1;
      this.log.push(`${spec.method} ${spec.path}`);
      await new Promise((resolve) => setImmediate(resolve));
      const body = spec.body ?? {};
      if (spec.method === 'GET') {
        const page = spec.query?.page === '1' ? this.clients.filter((c) => c.email === spec.query?.email) : [];
        return { status: 200, body: page.map((c) => ({ gid: c.id, externalId: undefined })) };
      }
      if (spec.method === 'POST') {
        const client = { id: `g-${this.clients.length + 1}`, email: String(body.email), name: body.name };
        this.clients.push(client);
        return { status: 201, body: { gid: client.id } };
      }
      const client = this.clients.find((c) => spec.path === `/customers/${c.id}`);
      if (!client) return { status: 404, body: { message: 'not found' } };
      client.name = body.name;
      return { status: 200, body: { gid: client.id } };
    }
    errorFor(status: number, _body: unknown, ctx: SendContext, summary?: string): CustomerSyncError {
      return providerError('rejected', `Fake: ${summary ?? status}`, { provider: PROVIDER, customerId: ctx.customerId, status });
    }
  }

  it('creates one customer and refuses the second, which the state links to the first: nothing is written over', async () => {
    const provider = new EmailKeyedProvider();
    const store = new MemoryStateStore();
    const definition = fakeDefinition({
      defaultId: undefined,
      lookup: {
        key: 'email',
        request: (c: Customer, page: number) => ({
          method: 'GET',
          path: '/customers/find',
          query: { email: c.email, page: String(page) },
          retrySafe: true,
        }),
        parse: (body: unknown) => ({ matches: (body as Array<{ gid: string }>).map((c) => c.gid), more: false }),
      },
    });
    const target = { definition, sender: provider, createMissing: true };
    const [first, second] = await Promise.all([
      deliver({ ...ada, id: 'c-1', name: 'Ada' }, target, store),
      deliver({ ...ada, id: 'c-2', name: 'Someone Else' }, target, store),
    ]);
    expect(first).toMatchObject({ status: 'created', providerId: 'g-1' });
    expect(second.error?.message).toBe(
      'Fake: the customer found by email, Fake id g-1, is already linked to our customer c-1, not to c-2; not written',
    );
    expect(provider.clients).toEqual([{ id: 'g-1', email: 'ada@example.com', name: 'Ada' }]);
    expect(provider.log.filter((line) => line.startsWith('POST'))).toHaveLength(1);
  });
});

describe('deliver: one customer pushed twice at once in one process', () => {
  it('creates it once: the second push reads what the first recorded', async () => {
    const { sender, store, target } = setup(
      [{ status: 404 }, { status: 201, body: { gid: 'g-1' } }],
      { createMissing: true },
    );
    const [first, second] = await Promise.all([deliver(ada, target, store), deliver(ada, target, store)]);
    expect(first).toMatchObject({ status: 'created', providerId: 'g-1' });
    expect(second).toMatchObject({ status: 'unchanged', providerId: 'g-1', requests: 0 });
    expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /customers/c-1', 'POST /customers']);
  });
});

describe('deliver: a conflict whose lookup fails', () => {
  it('is rejected with the conflict: a customer not provably ours is not written, and the intent is dropped', async () => {
    const lookupDown = providerError('transient', 'Fake: lookup failed after retries', { provider: PROVIDER, customerId: 'c-1', status: 503 });
    const { sender, store, target } = setup(
      [{ status: 404 }, { status: 409, body: { code: 409, message: 'Customer already registered', gid: 'g-x' } }, lookupDown],
      { createMissing: true },
    );
    const outcome = await deliver(ada, target, store);
    expect(outcome.error).toMatchObject({ kind: 'rejected', status: 409 });
    expect(outcome.error?.message).toBe(
      'Fake: VAT number is already held by another customer, gid g-x; not written (the lookup by externalId failed: transient)',
    );
    expect(sender.log.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /customers/c-1', 'POST /customers', 'GET /customers/find']);
    expect((await store.get('c-1', PROVIDER))?.intent).toBeUndefined();
  });
});
