import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN, PROVIDER_IDS } from '../../src/providers.js';
import { describeSandbox, sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import { bearerToken, json, type Emulation, type EmulationContext, type Route } from '../../src/sandbox/emulation.js';
import { startSandbox, type SandboxProvider, type SandboxSource } from '../../src/sandbox/index.js';
import { savedCustomers } from '../../src/sandbox/state.js';
import { isPlainObject } from '../../src/sandbox/validate.js';
import { call } from './helpers.js';

// A provider of one's own, served by nothing but the generic machinery: the sandbox knows it only through its
// definition's `sandbox()`, as it knows the built-in ones.

type AcmeCredentials = { key: string };
interface AcmeCustomer {
  ref: string;
  name: string;
}
/** What the emulation reads of its published settings: whether a create answers 200 rather than 201. */
interface AcmePublished {
  createStatus: number;
}

function emulate(ctx: EmulationContext<AcmeCredentials, AcmePublished>): Emulation<AcmeCustomer> {
  const customers = new Map<string, AcmeCustomer>();
  const routes: Route[] = [
    {
      method: 'POST',
      path: '/v2/people',
      handle(req) {
        if (!isPlainObject(req.body) || typeof req.body.name !== 'string') return json(422, { problem: 'name' });
        const customer = { ref: `acme-${ctx.ids.hex(6)}`, name: req.body.name };
        customers.set(customer.ref, customer);
        const status = ctx.behaviour.published ? ctx.behaviour.settings.createStatus : 201;
        return json(status, { ...customer, self: `${ctx.baseUrl()}/v2/people/${customer.ref}` });
      },
    },
    {
      method: 'GET',
      path: '/v2/people/:ref',
      handle(req) {
        const customer = customers.get(req.params.ref ?? '');
        return customer === undefined ? json(404, { problem: 'no such person' }) : json(200, customer);
      },
    },
  ];
  return {
    routes,
    authenticate: (req) => (bearerToken(req.headers) === ctx.credentials.key ? undefined : json(401, { problem: 'key' })),
    errorBody: (status, message) => ({ problem: message, status }),
    customers: () => [...customers.values()].map((customer) => ({ ...customer })),
    save: () => ({ customers: [...customers.values()] }),
    load(state) {
      for (const customer of savedCustomers<AcmeCustomer>(state, 'ref', { ref: 'string', name: 'string' }))
        customers.set(customer.ref, customer);
    },
  };
}

const acmeSandbox = {
  basePath: '/api',
  credentials: Object.freeze({ key: 'sandbox-acme-key' }),
  emulate,
  config: (baseUrl, credentials) => ({ baseUrl, apiKey: credentials.key }),
  published: {
    settings(given, where) {
      const { createStatus = 200, ...others } = given ?? {};
      if (Object.keys(others).length > 0) throw new RangeError(`${where}.${Object.keys(others)[0]} is not a setting`);
      if (createStatus !== 200 && createStatus !== 201) throw new RangeError(`${where}.createStatus must be 200 or 201`);
      return { createStatus: createStatus as number };
    },
  },
} satisfies SandboxProvider<AcmeCredentials, AcmeCustomer, AcmePublished>;

let loads = 0;
const acme: SandboxSource = {
  id: 'acme',
  sandbox: async () => {
    loads += 1;
    return acmeSandbox;
  },
};
/** A definition without a sandbox: served by nobody, refused by nothing. */
const bare: SandboxSource = { id: 'bare' };
const definitions = [...BUILT_IN.values(), acme, bare];

const auth = { authorization: 'Bearer sandbox-acme-key' };

describe('a fifth provider, through the generic machinery', () => {
  it('is loaded only when a sandbox starts, and served beside the built-in ones under /<id><basePath>', async () => {
    const before = loads;
    const sb = await startSandbox({ seed: 5 }, definitions);
    try {
      expect(loads).toBe(before + 1);
      expect(sb.providers).toEqual([...PROVIDER_IDS, 'acme']);
      expect(sb.urls.acme).toBe(`${sb.origin}/acme/api`);
      expect(sb.credentials.acme).toEqual({ key: 'sandbox-acme-key' });
      expect(sandboxProvidersConfig(sb).acme).toEqual({ baseUrl: sb.urls.acme, apiKey: 'sandbox-acme-key' });
      expect(describeSandbox(sb).at(-1)).toBe(`${'acme'.padEnd('invisible-collector'.length)}  ${sb.urls.acme}  key=sandbox-acme-key`);

      const created = await call(`${sb.urls.acme}/v2/people`, { method: 'POST', headers: auth, body: { name: 'Ada' } });
      expect(created.status).toBe(201);
      const { ref, self } = created.body as { ref: string; self: string };
      expect(self).toBe(`${sb.urls.acme}/v2/people/${ref}`);
      expect((await call(`${sb.urls.acme}/v2/people/${ref}`, { headers: auth })).body).toEqual({ ref, name: 'Ada' });
      expect(sb.customers('acme')).toEqual([{ ref, name: 'Ada' }]);

      // The generic answers, in its own error shape: credentials, unknown route, wrong method, bad JSON.
      expect((await call(`${sb.urls.acme}/v2/people/${ref}`)).status).toBe(401);
      expect((await call(`${sb.urls.acme}/v1/people`, { headers: auth })).body).toEqual({
        problem: 'No route for GET /v1/people',
        status: 404,
      });
      expect((await call(`${sb.urls.acme}/v2/people`, { headers: auth })).status).toBe(405);
      expect((await call(`${sb.urls.acme}/v2/people`, { method: 'POST', headers: auth, body: '{' })).status).toBe(400);

      const elsewhere = await call(`${sb.origin}/nobody`);
      expect(elsewhere.body).toEqual({
        message:
          'No sandbox provider at this path: use /yativo/api/v1, /fatora, /bluetape/genericBthubService, /invisible-collector or /acme/api',
      });
      expect(() => sb.customers('bare')).toThrow('unknown provider: bare');
    } finally {
      await sb.close();
    }
  });

  it('takes faults, rate limits, latency, credentials and token lifetimes by its id', async () => {
    const sb = await startSandbox(
      {
        credentials: { acme: { key: 'other' } },
        faults: { acme: { script: ['503'] } },
        rateLimits: { acme: { perSecond: 2, retryAfterSeconds: 1 } },
        latencyMs: { acme: 1 },
        tokenTtlSeconds: { acme: 5 },
      },
      definitions,
    );
    try {
      const headers = { authorization: 'Bearer other' };
      const url = `${sb.urls.acme}/v2/people`;
      expect((await call(url, { method: 'POST', headers, body: { name: 'A' } })).body).toEqual({
        problem: 'Service unavailable',
        status: 503,
      });
      expect((await call(url, { method: 'POST', headers, body: { name: 'A' } })).status).toBe(201);
      expect((await call(url, { method: 'POST', headers, body: { name: 'A' } })).status).toBe(429);
      expect(sb.stats('acme')).toMatchObject({ requests: 3, rateLimited: 1, faults: { '503': 1 } });
      expect(sb.stats('yativo').requests).toBe(0);
    } finally {
      await sb.close();
    }
  });

  it('refuses options for a provider it does not serve, and credentials it does not take', async () => {
    await expect(startSandbox({ faults: { acme: { rate: 1 } } })).rejects.toThrow(
      'faults.acme: no sandbox provider acme (expected one of yativo, fatora, bluetape, invisible-collector)',
    );
    await expect(startSandbox({ latencyMs: { bare: 1 } }, definitions)).rejects.toThrow('latencyMs.bare: no sandbox provider bare');
    await expect(startSandbox({ credentials: { acme: { token: 'x' } } }, definitions)).rejects.toThrow(
      'credentials.acme.token: acme takes key',
    );
    await expect(startSandbox({ tokenTtlSeconds: { acme: 0 } }, definitions)).rejects.toThrow(
      'tokenTtlSeconds.acme must be > 0, got 0',
    );
    await expect(startSandbox({}, [acme, { ...acme }])).rejects.toThrow('two sandbox providers share the id acme');
  });

  it('checks and applies its own published settings, fresh at every change of behaviour', async () => {
    await expect(
      startSandbox({ published: { acme: { createStatus: 202 } } }, definitions),
    ).rejects.toThrow('published.acme.createStatus must be 200 or 201');
    await expect(startSandbox({ published: { acme: { speed: 1 } } }, definitions)).rejects.toThrow(
      'published.acme.speed is not a setting',
    );
    await expect(startSandbox({ published: { fatora: {} } }, definitions)).rejects.toThrow(
      'published.fatora: fatora has no settings of its own in the published behaviour',
    );
    await expect(startSandbox({ published: { nobody: {} } }, definitions)).rejects.toThrow(
      'published.nobody: no sandbox provider nobody',
    );

    const sb = await startSandbox({ behaviour: 'published' }, definitions);
    try {
      const create = async () =>
        (await call(`${sb.urls.acme}/v2/people`, { method: 'POST', headers: auth, body: { name: 'A' } })).status;
      expect(await create()).toBe(200);
      sb.setBehaviour('published', { acme: { createStatus: 201 } });
      expect(await create()).toBe(201);
      expect(() => sb.setBehaviour('documented', { acme: { createStatus: 1 } })).toThrow(RangeError);
      expect(sb.behaviour).toBe('published'); // a refused change changes nothing
      sb.setBehaviour('documented');
      expect(await create()).toBe(201);
      sb.reset();
      expect(await create()).toBe(200);
    } finally {
      await sb.close();
    }
  });

  it('keeps its customers in the data file, in a part of its own, and takes them back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-fifth-'));
    const dataFile = join(dir, 'sandbox.json');
    try {
      const first = await startSandbox({ dataFile, seed: 1 }, definitions);
      await call(`${first.urls.acme}/v2/people`, { method: 'POST', headers: auth, body: { name: 'Ada' } });
      const held = first.customers('acme');
      await first.close();
      const saved = JSON.parse(await readFile(dataFile, 'utf8')) as { providers: Record<string, unknown> };
      expect(Object.keys(saved.providers)).toEqual([...PROVIDER_IDS, 'acme']);
      expect(saved.providers.acme).toEqual({ customers: held, ids: expect.any(Number) });

      const second = await startSandbox({ dataFile, seed: 1 }, definitions);
      try {
        expect(second.customers('acme')).toEqual(held);
        const again = await call(`${second.urls.acme}/v2/people`, { method: 'POST', headers: auth, body: { name: 'B' } });
        // The seeded id stream goes on where it stood: no loaded id is handed out again.
        expect((again.body as { ref: string }).ref).not.toBe(held[0]?.ref);
      } finally {
        await second.close();
      }
      // Served by the built-in sandbox alone, the same file loads; the part nobody serves is left out.
      const builtIn = await startSandbox({ dataFile });
      await builtIn.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
