import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bluetape } from '../../adapters/bluetape/index.js';
import { fatora } from '../../adapters/fatora/index.js';
import { invisibleCollector } from '../../adapters/invisible-collector/index.js';
import { yativo } from '../../adapters/yativo/index.js';
import type { Adapter } from '../../src/adapter/adapter.js';
import { createAdapter } from '../../src/adapter/create-adapter.js';
import type { BodyResult, CommonAdapterOptions, ProviderDefinition } from '../../src/adapter/definition.js';
import { mappingProbes, providerIdProbes } from '../../src/job/mapping-probes.js';
import { rawFingerprint, rawLineHasher } from '../../src/job/raw-lines.js';
import { runSync } from '../../src/job/run-sync.js';
import { CUSTOMER_FIELD_PATHS, customerModel, validateCustomer } from '../../src/model/customer.js';
import type { Customer } from '../../src/model/types.js';
import { SyncEngine } from '../../src/push/engine.js';
import { BUILT_IN_DEFINITIONS } from '../../src/registry.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { isUnparsed, openSource, type SourceItem } from '../../src/sources/index.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { customer as sampleCustomer, ndjson, tempDir } from '../cli/helpers.js';

type Definition = ProviderDefinition<CommonAdapterOptions>;

/** Every built-in provider, with options enough to make an adapter (nothing is sent in these tests but the last). */
const PROVIDERS: ReadonlyArray<{ definition: Definition; options: CommonAdapterOptions }> = [
  { definition: yativo.definition as Definition, options: { token: 't' } as CommonAdapterOptions },
  { definition: fatora.definition as Definition, options: { token: 't', createMissing: true } as CommonAdapterOptions },
  { definition: bluetape.definition as Definition, options: { apiKey: 'k', accountId: 'a' } as CommonAdapterOptions },
  {
    definition: invisibleCollector.definition as Definition,
    options: { token: 't', createMissing: true } as CommonAdapterOptions,
  },
];

const adapters = (): Adapter[] => PROVIDERS.map(({ definition, options }) => createAdapter(definition, options));

/** Appends `!` to the first text field of a successful body, for customers with an `address.state` only. */
function changedWhenState(result: BodyResult, customer: Customer): BodyResult {
  if (!result.ok || customer.address?.state === undefined) return result;
  const [key, value] = Object.entries(result.body).find(([, v]) => typeof v === 'string') ?? [];
  return key === undefined ? result : { ...result, body: { ...result.body, [key]: `${String(value)}!` } };
}

describe('rawFingerprint', () => {
  it('is the same for the same adapters, and for adapters made apart with equal options', () => {
    const first = adapters();
    expect(rawFingerprint(first)).toBe(rawFingerprint(first));
    expect(rawFingerprint(adapters())).toBe(rawFingerprint(first));
    for (const [i, adapter] of first.entries()) {
      expect(rawFingerprint([adapters()[i] as Adapter])).toBe(rawFingerprint([adapter]));
    }
    // A digest, not a description: it prefixes every line hashed.
    expect(rawFingerprint(first)).toMatch(/^[\w-]{43}$/);
  });

  it('changes with the providers synced, their order, and their create rules', () => {
    const [first, second] = adapters() as [Adapter, Adapter];
    const base = rawFingerprint([first, second]);
    expect(rawFingerprint([first])).not.toBe(base);
    expect(rawFingerprint([second, first])).not.toBe(base);
    expect(rawFingerprint([first, fatora({ token: 't' })])).not.toBe(base);
  });

  it('keys a line by the first 16 bytes of the digest schema 3 stored (sha256 of fingerprint, newline, line), however long', () => {
    const fingerprint = rawFingerprint(adapters());
    const hasher = rawLineHasher(fingerprint);
    const schema3 = (line: Buffer): string => createHash('sha256').update(`${fingerprint}\n`).update(line).digest('base64url');
    const key = (line: Buffer): string => Buffer.from(hasher(line), 'latin1').toString('hex');
    const short = Buffer.from(JSON.stringify(sampleCustomer(1)));
    const long = Buffer.from(JSON.stringify({ ...sampleCustomer(2), notes: 'ü'.repeat(40_000) }));
    const empty = Buffer.alloc(0);
    // Short, longer than the hasher's scratch buffer, then short again (nothing of the long line is left over).
    for (const line of [short, long, short, empty]) {
      expect(key(line)).toBe(Buffer.from(schema3(line), 'base64url').subarray(0, 16).toString('hex'));
    }
    expect(hasher(short)).toHaveLength(16);
  });

  it('is what a line is hashed with: an identical line hashes the same until a mapping changes', () => {
    const line = Buffer.from(JSON.stringify(sampleCustomer(1)));
    const hashed = (adapter: Adapter): string => rawLineHasher(rawFingerprint([adapter]))(line);
    const { definition } = yativo;
    const updateRequest: Definition['updateRequest'] = (id, body) => ({ ...definition.updateRequest(id, body), retrySafe: false });
    expect(hashed(yativo({ token: 't' }))).toBe(hashed(yativo({ token: 't' })));
    expect(hashed(createAdapter({ ...definition, updateRequest }, { token: 't' }))).not.toBe(hashed(yativo({ token: 't' })));
  });

  const byId = PROVIDERS.map((provider) => [provider.definition.id, provider] as const);
  describe.each(byId)('for %s, a changed', (_id, { definition, options }) => {
    const original = rawFingerprint([createAdapter(definition, options)]);
    const fingerprint = (changes: Partial<Definition>): string =>
      rawFingerprint([createAdapter({ ...definition, ...changes }, options)]);

    it('update body, even one seen only on records with a state', () => {
      expect(fingerprint({ updateBody: (c) => changedWhenState(definition.updateBody(c), c) })).not.toBe(original);
    });

    it('update body warning', () => {
      const updateBody = (c: Customer): BodyResult => {
        const result = definition.updateBody(c);
        return result.ok && c.locale?.startsWith('it') === true ? { ...result, warnings: [...result.warnings, 'it'] } : result;
      };
      expect(fingerprint({ updateBody })).not.toBe(original);
    });

    it('create body', () => {
      const create = definition.create;
      if (create === undefined) return;
      const body = (c: Customer): BodyResult => changedWhenState(create.body(c), c);
      expect(fingerprint({ create: { ...create, body } })).not.toBe(original);
    });

    it('update path', () => {
      const updateRequest: Definition['updateRequest'] = (id, body) => {
        const spec = definition.updateRequest(id, body);
        return { ...spec, path: spec.path.replace(/^\//, '/v2/') };
      };
      expect(fingerprint({ updateRequest })).not.toBe(original);
    });

    it('create request', () => {
      const create = definition.create;
      if (create === undefined) return;
      const request: typeof create.request = (body) => {
        const spec = create.request(body);
        return { ...spec, retrySafe: !spec.retrySafe };
      };
      expect(fingerprint({ create: { ...create, request } })).not.toBe(original);
    });

    it('lookup request, even on a later page only', () => {
      const lookup = definition.lookup;
      if (lookup === undefined) return;
      const request: typeof lookup.request = (c, page) => {
        const spec = lookup.request(c, page);
        return page === 1 ? spec : { ...spec, query: { ...spec.query, limit: '10' } };
      };
      expect(fingerprint({ lookup: { ...lookup, request } })).not.toBe(original);
    });

    it('default id and skip reason', () => {
      expect(fingerprint({ defaultId: (c) => `x-${c.id}` })).not.toBe(original);
      expect(fingerprint({ skipReason: (c) => `${definition.skipReason(c)}.` })).not.toBe(original);
    });

    it('mapping that throws on some records, without throwing itself', () => {
      const updateBody = (c: Customer): BodyResult => {
        if (c.identityDocument?.expiresOn !== undefined) throw new RangeError('boom');
        return definition.updateBody(c);
      };
      expect(fingerprint({ updateBody })).not.toBe(original);
      const thrower = (): never => {
        throw new Error('always');
      };
      expect(() => fingerprint({ updateBody: thrower, updateRequest: thrower, skipReason: thrower })).not.toThrow();
    });
  });

  it('is computed once per adapter (its cost is the probe count, bounded below)', () => {
    const { definition } = bluetape;
    let calls = 0;
    const updateBody: Definition['updateBody'] = (c) => {
      calls += 1;
      return definition.updateBody(c);
    };
    const adapter = createAdapter({ ...definition, updateBody }, { apiKey: 'k', accountId: 'a' });
    const fingerprint = rawFingerprint([adapter]);
    const once = calls;
    expect(once).toBeGreaterThanOrEqual(50);
    expect(rawFingerprint([adapter, ...adapters()])).not.toBe(fingerprint);
    expect(rawFingerprint([adapter])).toBe(fingerprint);
    expect(calls).toBe(once);
  });
});

describe('a provider of the user\'s own', () => {
  // Another provider's mapping under a new id whose ids are integers: the model that knows it reads its probes.
  const base = invisibleCollector.definition as Definition;
  const acme: Definition = { ...base, id: 'acme', name: 'Acme', idType: 'integer' };
  const make = (definition: Definition): Adapter => createAdapter(definition, { token: 't' } as CommonAdapterOptions);

  it('has its id given in probes, as the integers its ids are, and a mapping change there is seen', () => {
    const model = customerModel([acme]);
    const given = providerIdProbes(acme)
      .map((record) => model.validate(record))
      .flatMap((result) => (result.ok && result.customer.providerIds?.acme !== undefined ? [result.customer.providerIds.acme] : []));
    expect(given).toEqual([4711, 815, 42, Number.MAX_SAFE_INTEGER]);

    const updateBody = (c: Customer): BodyResult => {
      const result = base.updateBody(c);
      return result.ok && c.providerIds?.acme === 815 ? { ...result, body: { ...result.body, acme: true } } : result;
    };
    expect(rawFingerprint([make({ ...acme, updateBody })])).not.toBe(rawFingerprint([make(acme)]));
    expect(rawFingerprint([make(acme)])).not.toBe(rawFingerprint([make(base)]));
  });
});

describe('the probes', () => {
  const corpus = mappingProbes(BUILT_IN_DEFINITIONS);
  const customers = corpus.map((record) => validateCustomer(record)).flatMap((result) => (result.ok ? [result.customer] : []));
  const ids = BUILT_IN_DEFINITIONS.map((definition) => definition.id);

  /** Whether the dot path holds a value in the record. */
  const has = (record: object, path: string): boolean =>
    path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], record) !== undefined;

  it('are valid records, a few dozen to ~150 of them', () => {
    expect(corpus.map((record) => validateCustomer(record).ok)).not.toContain(false);
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    expect(corpus.length).toBeLessThanOrEqual(150);
  });

  it('set every field of the model, each in some record, as validated', () => {
    expect(CUSTOMER_FIELD_PATHS.filter((path) => path.startsWith('providerIds.'))).toHaveLength(ids.length);
    for (const path of CUSTOMER_FIELD_PATHS) expect(customers.some((c) => has(c, path)), path).toBe(true);
  });

  it('name each provider id and leave it out', () => {
    for (const id of ids) expect(customers.filter((c) => c.providerIds?.[id] !== undefined).length, id).toBeGreaterThanOrEqual(4);
    expect(customers.some((c) => c.providerIds === undefined)).toBe(true);
  });

  it('take the branches mappings have', () => {
    const families = ['pt', 'es', 'en', 'fr', 'de', 'zh'];
    const languages = new Set(customers.map((c) => c.locale?.split('-')[0]));
    for (const language of [...families, undefined]) expect(languages.has(language), String(language)).toBe(true);
    expect([...languages].some((l) => l !== undefined && !families.includes(l))).toBe(true);
    expect(customers.some((c) => c.address === undefined)).toBe(true);
    expect(customers.some((c) => c.address !== undefined && c.address.country === undefined)).toBe(true);
    expect(corpus.some((r) => typeof r.country === 'string' && r.country.length === 3)).toBe(true);
    expect(corpus.some((r) => (r.address as { country?: string } | undefined)?.country?.length === 3)).toBe(true);
    expect(corpus.some((r) => typeof r.phone === 'string' && !r.phone.trim().startsWith('+'))).toBe(true);
    expect(new Set(customers.map((c) => c.kind))).toEqual(new Set(['individual', 'business', undefined]));
    expect(customers.some((c) => Object.keys(c.identityDocument ?? {}).length === 6)).toBe(true);
    expect(customers.some((c) => c.identityDocument !== undefined && Object.keys(c.identityDocument).length < 6)).toBe(true);
    expect(corpus.some((r) => r.name !== undefined && r.firstName === undefined)).toBe(true);
    expect(corpus.some((r) => r.name === undefined && r.firstName !== undefined && r.lastName !== undefined)).toBe(true);
    expect(customers.some((c) => (c.name?.length ?? 0) >= 1000)).toBe(true);
    expect(customers.some((c) => /[\u0100-\uffff]/.test(c.name ?? ''))).toBe(true);
  });

  it('are the same every time', () => {
    expect(JSON.stringify(mappingProbes(BUILT_IN_DEFINITIONS))).toBe(JSON.stringify(corpus));
  });
});

describe('a nightly run after a mapping changed', () => {
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

  const options = () => ({
    baseUrl: sandbox.urls['invisible-collector'],
    token: sandbox.credentials['invisible-collector'].token,
    createMissing: true,
  });

  /** One night through the NDJSON source's batches, with its own adapter; returns the lines the run parsed. */
  async function night(adapter: Adapter, lines: unknown[]) {
    const input = join(tmp.dir, 'customers.ndjson');
    writeFileSync(input, ndjson(lines));
    const store = SqliteStateStore.open(join(tmp.dir, 'state.db'));
    const engine = new SyncEngine([adapter], store, { retries: 0 });
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
    const requests = sandbox.stats('invisible-collector').requests;
    try {
      const report = await runSync({ engine, batches: counting(), rawFingerprint: rawFingerprint([adapter]) });
      return { report, parsed, requests: sandbox.stats('invisible-collector').requests - requests };
    } finally {
      await source.close();
      await engine.close();
    }
  }

  it('reads every line again and sends the payloads that changed, with nobody bumping a version', async () => {
    const withState = sampleCustomer(1, { address: { street: 'Rua Augusta', number: '1', city: 'Lisboa', state: 'Lisboa', postalCode: '1100-053' } });
    const lines = [withState, sampleCustomer(2), sampleCustomer(3)];

    const first = await night(invisibleCollector(options()), lines);
    expect(first.report.providers['invisible-collector']).toMatchObject({ created: 3 });

    const second = await night(invisibleCollector(options()), lines);
    expect(second.parsed).toEqual([]);
    expect(second.requests).toBe(0);
    expect(second.report.providers['invisible-collector']).toMatchObject({ unchanged: 3 });

    // The city gets a `!` on records with a state: one customer of three here.
    const { definition } = invisibleCollector;
    const updateBody = (c: Customer): BodyResult => {
      const result = definition.updateBody(c);
      return result.ok && c.address?.state !== undefined ? { ...result, body: { ...result.body, city: `${String(result.body.city)}!` } } : result;
    };
    const changed = createAdapter({ ...definition, updateBody }, options());
    const third = await night(changed, lines);
    expect(third.parsed).toEqual([1, 2, 3]);
    expect(third.report.providers['invisible-collector']).toMatchObject({ updated: 1, unchanged: 2, failed: 0 });
    expect(third.requests).toBe(1);
    expect(sandbox.customers('invisible-collector').find((c) => (c as { externalId?: string }).externalId === 'c-1')).toMatchObject({ city: 'Lisboa!' });

    // And the changed mapping's lines are remembered in their turn.
    const fourth = await night(createAdapter({ ...definition, updateBody }, options()), lines);
    expect(fourth.parsed).toEqual([]);
    expect(fourth.requests).toBe(0);
  });
});
