// The Acme Billing provider end to end, over a real socket (server.ts): through the library, alone, beside a
// built-in adapter, and through the CLI with a config entry that names its module.
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createCustomerSync, customerModel, CustomerValidationError, type CustomerSync } from 'customer-sync';
import { bluetape } from 'customer-sync/adapters/bluetape';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// Internals, for the test only: the sandbox of the built-in providers, and the CLI run in-process.
import type { SyncReport } from '../../src/job/report.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { cli, ndjson, tempDir } from '../../test/cli/helpers.js';
import acmeDefault, { acmeBilling } from './provider.js';
import { startAcmeServer, type AcmeServer } from './server.js';

const PROVIDER_MODULE = join(import.meta.dirname, 'provider.ts');
const FAST_RETRY = { retries: 2, minDelayMs: 5, maxDelayMs: 20 };

let server: AcmeServer;
const closers: Array<() => Promise<unknown> | void> = [];

beforeEach(async () => {
  server = await startAcmeServer({ pageSize: 2 });
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await server.close();
});

function acme(extra: Record<string, unknown> = {}) {
  return acmeBilling({ baseUrl: server.baseUrl, token: server.token, createMissing: true, retry: FAST_RETRY, ...extra });
}

function syncOf(...adapters: Parameters<typeof createCustomerSync>[0]['adapters']): CustomerSync {
  const sync = createCustomerSync({ adapters });
  closers.push(() => sync.close());
  return sync;
}

const ada = {
  id: 'cus_1042',
  email: 'Ada@Example.COM',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '(415) 555-2671',
  country: 'US',
  address: { street: 'Market Street', number: '1', city: 'San Francisco', state: 'CA', postalCode: '94105' },
  vatNumber: 'US123456789',
  updatedAt: '2026-11-20T09:47:57Z',
};

/** The account body Ada's record makes. */
const adaAccount = {
  email: 'Ada@example.com',
  name: 'Ada Lovelace',
  phone: '+14155552671',
  country: 'US',
  billingAddress: { line1: 'Market Street 1', city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'US' },
  taxId: 'US123456789',
  externalRef: 'cus_1042',
};

const authorized = { authorization: `Bearer acme-test-token`, accept: 'application/json' };

describe('the definition', () => {
  it('is a provider factory carrying its id, whose default and named exports are the same', () => {
    expect(acmeDefault).toBe(acmeBilling);
    expect(acmeBilling.id).toBe('acme-billing');
    expect(acmeBilling.definition.idType).toBe('integer');
  });

  it('checks its options: token is required, unknown options are refused, names never values', () => {
    expect(() => acmeBilling({ baseUrl: server.baseUrl } as never)).toThrow(/token: is required/);
    expect(() => acmeBilling({ token: 't', createMising: true } as never)).toThrow(/createMising: unknown option/);
    expect(() => acmeBilling({ token: 'secret-token', baseUrl: 'http://acme.example' })).toThrow(/baseUrl: must use https/);
    expect(() => acmeBilling({ token: 'secret-token', baseUrl: 'http://acme.example' })).not.toThrow(/secret-token/);
  });

  it('accepts its id in providerIds, as an integer', () => {
    const model = customerModel([acmeBilling.definition]);
    expect(model.parse({ ...ada, providerIds: { 'acme-billing': '42' } }).providerIds).toEqual({ 'acme-billing': 42 });
    expect(model.parse({ ...ada, providerIds: { 'acme-billing': 42 } }).providerIds).toEqual({ 'acme-billing': 42 });
    const bad = model.validate({ ...ada, providerIds: { 'acme-billing': 'forty-two' } });
    expect(bad.ok).toBe(false);
  });
});

describe('createCustomerSync with Acme Billing', () => {
  it('creates (lookup, then POST), then sends nothing for the same record, then updates the account by its id', async () => {
    const sync = syncOf(acme());

    const first = await sync.push(ada);
    expect(first.providers['acme-billing']).toMatchObject({ status: 'created', providerId: '100', requests: 2, retries: 0 });
    expect(server.requests).toHaveLength(2);
    const [lookup, create] = server.requests;
    expect(lookup).toMatchObject({ method: 'GET', path: '/v2/accounts', query: { email: 'Ada@example.com', page: '1' }, headers: authorized, body: undefined });
    expect(create).toMatchObject({
      method: 'POST',
      path: '/v2/accounts',
      query: {},
      headers: { ...authorized, 'content-type': 'application/json' },
      body: adaAccount,
    });
    expect(create?.body).toEqual(adaAccount);
    // No idempotency key: Acme takes none.
    expect(create?.headers).not.toHaveProperty('idempotency-key');
    expect(server.accounts()).toEqual([expect.objectContaining({ id: 100, ...adaAccount })]);

    server.clearRequests();
    const second = await sync.push(ada);
    expect(second.providers['acme-billing']).toMatchObject({ status: 'unchanged', providerId: '100', requests: 0 });
    expect(server.requests).toHaveLength(0);

    const third = await sync.push({ ...ada, phone: '+14155550000' });
    expect(third.providers['acme-billing']).toMatchObject({ status: 'updated', providerId: '100', requests: 1 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      method: 'PUT',
      path: '/v2/accounts/100',
      headers: { ...authorized, 'content-type': 'application/json' },
      body: { ...adaAccount, phone: '+14155550000' },
    });
    expect(server.account(100)?.phone).toBe('+14155550000');
  });

  it("addresses the account providerIds['acme-billing'] names, given as a string of digits", async () => {
    server.seed({ id: 42, email: 'ada.old@example.com', name: 'A. Lovelace', externalRef: null });
    const sync = syncOf(acme());
    const result = await sync.push({ ...ada, providerIds: { 'acme-billing': '42' } });
    expect(result.providers['acme-billing']).toMatchObject({ status: 'updated', providerId: '42', requests: 1 });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /v2/accounts/42']);
    expect(server.account(42)).toMatchObject(adaAccount);
    expect(server.accounts()).toHaveLength(1);
  });

  it('reports an id it names that Acme does not have as not_found, never creating', async () => {
    const sync = syncOf(acme());
    const result = await sync.push({ ...ada, providerIds: { 'acme-billing': 7 } });
    expect(result.providers['acme-billing']).toMatchObject({ status: 'failed', error: { kind: 'not_found', status: 404 } });
    expect(server.accounts()).toHaveLength(0);
  });

  it('rejects a misspelt provider id in providerIds, with a did-you-mean, before sending anything', async () => {
    const sync = syncOf(acme());
    const error = await sync.push({ ...ada, providerIds: { 'acme-billng': 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CustomerValidationError);
    expect((error as CustomerValidationError).issues).toEqual([
      { path: 'providerIds.acme-billng', message: expect.stringContaining('did you mean "acme-billing"') },
    ]);
    expect(server.requests).toHaveLength(0);
  });

  it('skips a record with no account id when createMissing is off', async () => {
    const sync = syncOf(acme({ createMissing: false }));
    const result = await sync.push(ada);
    expect(result.providers['acme-billing']).toMatchObject({ status: 'skipped', reason: expect.stringContaining('createMissing is off') });
    expect(server.requests).toHaveLength(0);
  });

  it('adopts its own account found on a later page (exact email and externalRef), skipping near matches', async () => {
    // The email filter matches part of an address: two near matches fill page 1.
    server.seed({ id: 1, email: 'joAda@example.com', name: 'Jo', externalRef: 'other-1' });
    server.seed({ id: 2, email: 'ada@example.com.au', name: 'Au', externalRef: 'other-2' });
    server.seed({ id: 3, email: 'ada@example.com', name: 'Ada', externalRef: 'cus_1042' });
    const sync = syncOf(acme());
    const result = await sync.push(ada);
    expect(result.providers['acme-billing']).toMatchObject({ status: 'updated', providerId: '3' });
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.query.page ?? ''}`.trim())).toEqual([
      'GET /v2/accounts 1',
      'GET /v2/accounts 2',
      'PUT /v2/accounts/3',
    ]);
    expect(server.account(1)).toMatchObject({ name: 'Jo' });
    expect(server.account(2)).toMatchObject({ name: 'Au' });
  });

  it("fails rejected on the 409 for an email another account holds, and leaves that account untouched (DESIGN §5)", async () => {
    const holder = server.seed({ id: 7, email: 'ada@example.com', name: 'Someone Else', externalRef: 'crm-9' });
    const sync = syncOf(acme());
    const result = await sync.push(ada);
    const outcome = result.providers['acme-billing'];
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'rejected', status: 409 } });
    expect(outcome?.error?.message).toContain('account 7 already holds this email; not written');
    // Lookup (not ours: another externalRef), the create refused, the lookup of the conflict: never a PUT.
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/accounts', 'POST /v2/accounts', 'GET /v2/accounts']);
    expect(server.account(7)).toEqual(holder);
    expect(server.accounts()).toHaveLength(1);
  });

  it('settles a create whose answer was lost by a lookup, adopting the account it made instead of a second one', async () => {
    server.failNextCreateAfterApplying();
    const sync = syncOf(acme());
    const result = await sync.push(ada);
    expect(result.providers['acme-billing']).toMatchObject({ status: 'created', providerId: '100' });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v2/accounts',
      'POST /v2/accounts',
      'GET /v2/accounts',
      'PUT /v2/accounts/100',
    ]);
    expect(server.accounts()).toHaveLength(1);
    server.clearRequests();
    expect((await sync.push(ada)).providers['acme-billing']).toMatchObject({ status: 'unchanged' });
    expect(server.requests).toHaveLength(0);
  });

  it('fails auth on a wrong token, naming no secret', async () => {
    const sync = syncOf(acme({ token: 'wrong-token-value' }));
    const result = await sync.push(ada);
    const outcome = result.providers['acme-billing'];
    expect(outcome).toMatchObject({ status: 'failed', error: { kind: 'auth', status: 401 } });
    expect(JSON.stringify(outcome?.error)).not.toContain('wrong-token-value');
  });

  it('fails invalid, creating nothing, when a create has no name', async () => {
    const sync = syncOf(acme());
    const { firstName: _f, lastName: _l, ...nameless } = ada;
    const result = await sync.push(nameless);
    expect(result.providers['acme-billing']).toMatchObject({ status: 'failed', error: { kind: 'invalid' } });
    expect(result.providers['acme-billing']?.error?.message).toContain('requires a name');
    // The lookup still runs: an account of ours it finds is updated, and an update needs no name.
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/accounts']);
    expect(server.accounts()).toHaveLength(0);
  });
});

describe('beside a built-in adapter', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
    closers.push(() => sandbox.close());
  });

  it('gives one outcome per provider, each under its id', async () => {
    const bt = sandbox.credentials.bluetape;
    const sync = syncOf(
      bluetape({ baseUrl: sandbox.urls.bluetape, apiKey: bt.apiKey, accountId: bt.accountId, createMissing: true, retry: FAST_RETRY }),
      acme(),
    );
    const result = await sync.push(ada);
    expect(Object.keys(result.providers).sort()).toEqual(['acme-billing', 'bluetape']);
    expect(result.providers.bluetape).toMatchObject({ status: 'created' });
    expect(result.providers['acme-billing']).toMatchObject({ status: 'created', providerId: '100' });
    expect(sandbox.customers('bluetape')).toHaveLength(1);
    expect(server.accounts()).toHaveLength(1);

    const only = await sync.push({ ...ada, phone: '+14155550000' }, { only: ['acme-billing'] });
    expect(Object.keys(only.providers)).toEqual(['acme-billing']);
    expect(only.providers['acme-billing']).toMatchObject({ status: 'updated' });
  });
});

describe('adapter.push alone', () => {
  it('creates, then finds the record unchanged', async () => {
    const adapter = acme();
    closers.push(() => adapter.close());
    expect(await adapter.push(ada)).toMatchObject({ status: 'created', providerId: '100', requests: 2 });
    expect(await adapter.push(ada)).toMatchObject({ status: 'unchanged', providerId: '100', requests: 0 });
    expect(server.requests).toHaveLength(2);
  });
});

describe('the CLI, with a config entry naming the module', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
    closers.push(() => tmp.remove());
  });

  const env = () => ({ ACME_TOKEN: server.token });

  function writeConfig(providers: Record<string, unknown>, name = 'config.json'): string {
    const path = join(tmp.dir, name);
    writeFileSync(path, JSON.stringify({ providers, retry: FAST_RETRY, state: join(tmp.dir, 'state.db') }, null, 2));
    return path;
  }

  const acmeEntry = (extra: Record<string, unknown> = {}) => ({
    module: PROVIDER_MODULE,
    baseUrl: server.baseUrl,
    token: '${ACME_TOKEN}',
    createMissing: true,
    ...extra,
  });

  function input(records: unknown[]): string {
    const path = join(tmp.dir, 'customers.ndjson');
    writeFileSync(path, ndjson(records));
    return path;
  }

  async function sync(config: string, file: string, extra: string[] = []) {
    const run = await cli(['sync', '--config', config, '--input', file, '--json', ...extra], { cwd: tmp.dir, env: env() });
    return { ...run, report: run.stdout === '' ? undefined : (JSON.parse(run.stdout) as SyncReport) };
  }

  const grace = { ...ada, id: 'cus_2001', email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', phone: '+12025550101' };

  it('syncs a file, reports under the provider id, and sends nothing on the rerun', async () => {
    const config = writeConfig({ 'acme-billing': acmeEntry() });
    const file = input([ada, grace]);

    const first = await sync(config, file);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.report?.records).toEqual({ read: 2, invalid: 0 });
    expect(first.report?.providers).toEqual({
      'acme-billing': { created: 2, updated: 0, unchanged: 0, skipped: 0, failed: 0, requests: 4, retries: 0 },
    });
    expect(server.accounts().map((a) => a.externalRef)).toEqual(['cus_1042', 'cus_2001']);

    server.clearRequests();
    const second = await sync(config, file);
    expect(second.code).toBe(0);
    expect(second.report?.providers['acme-billing']).toMatchObject({ created: 0, unchanged: 2, requests: 0 });
    expect(server.requests).toHaveLength(0);

    const third = await sync(config, input([ada, { ...grace, phone: '+12025550199' }]));
    expect(third.code).toBe(0);
    expect(third.report?.providers['acme-billing']).toMatchObject({ updated: 1, unchanged: 1, requests: 1 });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /v2/accounts/101']);
  });

  it('reports a failure under the provider id: the 409 for an email another account holds', async () => {
    server.seed({ id: 7, email: 'ada@example.com', name: 'Someone Else', externalRef: 'crm-9' });
    const config = writeConfig({ 'acme-billing': acmeEntry() });
    const run = await sync(config, input([ada, grace]));
    expect(run.code).toBe(1);
    expect(run.report?.providers['acme-billing']).toMatchObject({ created: 1, failed: 1 });
    expect(run.report?.failures).toEqual([
      expect.objectContaining({ customerId: 'cus_1042', provider: 'acme-billing', kind: 'rejected', status: 409 }),
    ]);
    expect(server.account(7)).toMatchObject({ name: 'Someone Else', externalRef: 'crm-9' });

    // A person checks: account 7 is Ada after all. Attached, the next run updates it.
    const state = join(tmp.dir, 'state.db');
    const listed = await cli(['state', 'list', '--state', state], { cwd: tmp.dir });
    expect(listed.stdout).toMatch(/^cus_1042 +acme-billing +failed +.* rejected 409: Acme Billing: account 7 already holds this email/m);
    const resolved = await cli(['state', 'resolve', '--state', state, '--customer', 'cus_1042', '--provider', 'acme-billing', '--provider-id', '7'], { cwd: tmp.dir });
    expect(resolved.code).toBe(0);
    server.clearRequests();
    const again = await sync(config, input([ada, grace]));
    expect(again.code).toBe(0);
    expect(again.report?.providers['acme-billing']).toMatchObject({ updated: 1, unchanged: 1, failed: 0 });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /v2/accounts/7']);
    expect(server.account(7)).toMatchObject(adaAccount);
  });

  // The CLI validates with the config's model: a provider of your own's id is a known providerIds field and CSV column.
  it("accepts providerIds['acme-billing'] in an NDJSON input, and updates that account", async () => {
    server.seed({ id: 42, email: 'ada.old@example.com', name: 'A. Lovelace', externalRef: null });
    const config = writeConfig({ 'acme-billing': acmeEntry() });
    const run = await sync(config, input([{ ...ada, providerIds: { 'acme-billing': '42' } }]));
    expect(run.report?.invalid).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.report?.providers['acme-billing']).toMatchObject({ updated: 1, requests: 1 });
    expect(server.account(42)).toMatchObject(adaAccount);
  });

  it("suggests 'acme-billing' for a misspelt providerIds key in the input", async () => {
    const config = writeConfig({ 'acme-billing': acmeEntry() });
    const run = await sync(config, input([{ ...ada, providerIds: { 'acme-billng': 1 } }]));
    expect(run.code).toBe(1);
    expect(run.report?.invalid[0]?.issues).toEqual([
      { path: 'providerIds.acme-billng', message: expect.stringContaining('did you mean "acme-billing"') },
    ]);
  });

  it('takes a providerIds.acme-billing column in a CSV input', async () => {
    server.seed({ id: 43, email: 'grace.old@example.com', name: 'G. Hopper', externalRef: null });
    const config = writeConfig({ 'acme-billing': acmeEntry() });
    const csv = join(tmp.dir, 'customers.csv');
    writeFileSync(csv, 'id,email,name,providerIds.acme-billing\ncus_2001,grace@example.com,Grace Hopper,43\n');
    const run = await sync(config, csv);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.report?.providers['acme-billing']).toMatchObject({ updated: 1 });
    expect(server.account(43)).toMatchObject({ email: 'grace@example.com', name: 'Grace Hopper', externalRef: 'cus_2001' });
  });

  it('resolves a relative module path from the config file’s folder', async () => {
    const config = writeConfig({ 'acme-billing': acmeEntry({ module: relative(tmp.dir, PROVIDER_MODULE) }) });
    const run = await sync(config, input([ada]));
    expect(run.code).toBe(0);
    expect(run.report?.providers['acme-billing']).toMatchObject({ created: 1 });
  });

  it('takes --only with the id of the provider of its own, beside a built-in one', async () => {
    const sandbox = await startSandbox();
    closers.push(() => sandbox.close());
    const bt = sandbox.credentials.bluetape;
    const config = writeConfig({
      bluetape: { baseUrl: sandbox.urls.bluetape, apiKey: bt.apiKey, accountId: bt.accountId, createMissing: true },
      'acme-billing': acmeEntry(),
    });
    const run = await sync(config, input([ada]), ['--only', 'acme-billing']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.report?.providers['acme-billing']).toMatchObject({ created: 1 });
    expect(sandbox.stats('bluetape').requests).toBe(0);

    const both = await sync(config, input([ada]));
    expect(both.code).toBe(0);
    expect(both.report?.providers).toMatchObject({ bluetape: { created: 1 }, 'acme-billing': { unchanged: 1 } });
  });

  it('exits 2 naming providers.acme-billing.module when the module does not exist', async () => {
    const config = writeConfig({ 'acme-billing': acmeEntry({ module: './no-such-provider.js' }) });
    const run = await sync(config, input([ada]));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('providers.acme-billing.module');
    expect(run.stderr).toContain(join(tmp.dir, 'no-such-provider.js'));
    expect(server.requests).toHaveLength(0);
  });

  it('exits 2 when the module’s default export is not a provider', async () => {
    const module = join(tmp.dir, 'not-a-provider.mjs');
    writeFileSync(module, "export default { id: 'acme-billing' };\n");
    const config = writeConfig({ 'acme-billing': acmeEntry({ module }) });
    const run = await sync(config, input([ada]));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`providers.acme-billing.module: ${module} must export by default what defineProvider() returned`);
  });

  it('exits 2 when the module defines another id than the entry’s key', async () => {
    const module = join(tmp.dir, 'misnamed.mjs');
    writeFileSync(
      module,
      [
        "import { defineProvider } from 'customer-sync';",
        `import acme from ${JSON.stringify(PROVIDER_MODULE)};`,
        "export default defineProvider({ ...acme.definition, id: 'acme' });",
        '',
      ].join('\n'),
    );
    const config = writeConfig({ 'acme-billing': acmeEntry({ module }) });
    const run = await sync(config, input([ada]));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('providers.acme-billing.module');
    expect(run.stderr).toContain('defines the provider "acme": configure it under that id');
  });

  it('exits 2 naming the option when the entry lacks the token', async () => {
    const { token: _token, ...entry } = acmeEntry();
    const config = writeConfig({ 'acme-billing': entry });
    const run = await sync(config, input([ada]));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('providers.acme-billing.token');
  });
});
