/**
 * Issue 4, item 5: hostile servers on real loopback sockets (test/reliability/hostile-server.ts). Every case must
 * end with a typed error (or the documented success), in bounded time and memory, with no secret in the error and
 * no request where none belongs. Table-driven over every adapter the case applies to.
 *
 * nock is never imported here, so nothing intercepts node:http: each assertion on what a server saw is a real
 * socket's account (vitest runs each test file in its own fork).
 */
import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bluetape } from '../../adapters/bluetape/index.js';
import { fatora } from '../../adapters/fatora/index.js';
import { invisibleCollector } from '../../adapters/invisible-collector/index.js';
import { yativo } from '../../adapters/yativo/index.js';
import type { Adapter } from '../../src/adapter/adapter.js';
import type { CommonAdapterOptions } from '../../src/adapter/definition.js';
import { CustomerSyncError } from '../../src/errors/customer-sync-error.js';
import type { ErrorKind } from '../../src/errors/kinds.js';
import { CustomerValidationError } from '../../src/errors/validation-error.js';
import type { ProviderId } from '../../src/providers.js';
import type { ProviderOutcome } from '../../src/push/outcome.js';
import { createCustomerSync } from '../../src/sync.js';
import {
  drip,
  hugeBody,
  json,
  raw,
  redirect,
  startHostileServer,
  within,
  type HostileServer,
  type HugeBodyOptions,
  type SeenRequest,
  type StreamStats,
} from './hostile-server.js';

const MiB = 1024 * 1024;
/** The documented default response cap (README: `maxResponseBytes` 1 MiB). */
const CAP = MiB;

const SECRET = {
  yativoToken: 'yat-SECRET-0b7c4e1f9a',
  yativoAppSecret: 'yat-APPSECRET-5d2e8c3b71',
  fatoraToken: 'fat-SECRET-8e1d6a2c44',
  fatoraApiKey: 'fat-APIKEY-3f9b7d1e02',
  bluetapeKey: 'bt-SECRET-c4a8e2f619',
  icToken: 'ic-SECRET-7a3e9d5b80',
} as const;

/** Fast limiter; no retry unless a case asks for one, so request counts are exact. */
const COMMON: CommonAdapterOptions = {
  rateLimit: { perSecond: 1000, concurrency: 4 },
  retry: { retries: 0, minDelayMs: 1, maxDelayMs: 2 },
};

type AdapterExtras = CommonAdapterOptions & { createMissing?: boolean };

interface Provider {
  id: ProviderId;
  /** Request headers that carry a credential. */
  secretHeaders: string[];
  secrets: string[];
  /** `createMissing` is passed on where the adapter has it (not Yativo, which always creates). */
  make(baseUrl: string, options?: AdapterExtras): Adapter;
  /** The update `CUSTOMER` gets, below the adapter's base URL. */
  updatePath: string;
  /** A documented success answer to that update. */
  success: { status: number; body: unknown };
}

/** A customer every adapter can address for an update: Yativo and Fatora by providerIds, the others by `id`. */
const CUSTOMER = {
  id: 'cus-1',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+351912345678',
  country: 'PT',
  vatNumber: 'PT500000001',
  updatedAt: '2026-11-01T10:00:00Z',
  providerIds: { yativo: 'y-1', fatora: 1024 },
};

/** The same customer unknown everywhere: Yativo creates, the others create on a 404 (with `createMissing`). */
const NEW_CUSTOMER = { ...CUSTOMER, providerIds: undefined };

const PROVIDERS: Provider[] = [
  {
    id: 'yativo',
    secretHeaders: ['authorization'],
    secrets: [SECRET.yativoToken],
    make: (baseUrl, { createMissing: _yativoAlwaysCreates, ...options } = {}) =>
      yativo({ ...COMMON, ...options, baseUrl, token: SECRET.yativoToken }),
    updatePath: '/customer/y-1',
    success: { status: 200, body: { status: 'success', data: { customer_id: 'y-1' } } },
  },
  {
    id: 'fatora',
    secretHeaders: ['authorization'],
    secrets: [SECRET.fatoraToken],
    make: (baseUrl, options) => fatora({ ...COMMON, ...options, baseUrl, token: SECRET.fatoraToken }),
    updatePath: '/v1/clients/1024',
    success: { status: 200, body: { status: 'SUCCESS', client: { id: 1024 } } },
  },
  {
    id: 'bluetape',
    secretHeaders: ['x-bluetape-key'],
    secrets: [SECRET.bluetapeKey],
    make: (baseUrl, options) =>
      bluetape({ ...COMMON, ...options, baseUrl, apiKey: SECRET.bluetapeKey, accountId: 'bt-account-1' }),
    updatePath: '/integration/customer/cus-1',
    success: { status: 202, body: { blueTapeId: 'bt-1' } },
  },
  {
    id: 'invisible-collector',
    secretHeaders: ['authorization'],
    secrets: [SECRET.icToken],
    make: (baseUrl, options) => invisibleCollector({ ...COMMON, ...options, baseUrl, token: SECRET.icToken }),
    updatePath: '/customers/cus-1',
    success: { status: 200, body: { gid: 'gid-1' } },
  },
];

const ALL_SECRETS = Object.values(SECRET);

let server: HostileServer;
/** Another host: a redirect target that must never be reached. */
let elsewhere: HostileServer;

beforeAll(async () => {
  server = await startHostileServer('127.0.0.1');
  try {
    elsewhere = await startHostileServer('127.0.0.2');
  } catch {
    // No 127.0.0.2 on this machine: another port is another origin all the same.
    elsewhere = await startHostileServer('127.0.0.1');
  }
});

afterEach(() => {
  server.clear();
  elsewhere.clear();
});

afterAll(async () => {
  await server.close();
  await elsewhere.close();
});

/** Base URL of a provider on the hostile server: its requests arrive under `/<provider id>`. */
const baseUrlOf = (provider: Provider): string => `${server.origin}/${provider.id}`;

/** Pushes one customer through a one-adapter sync; resolves with its outcome and how long the push took. */
async function pushOne(adapter: Adapter, customer: unknown): Promise<{ outcome: ProviderOutcome; ms: number }> {
  const sync = createCustomerSync({ adapters: [adapter] });
  const started = performance.now();
  try {
    const result = await within(sync.push(customer), 15_000, `${adapter.id} push`);
    const outcome = result.providers[adapter.id];
    if (outcome === undefined) throw new Error(`no outcome for ${adapter.id}`);
    return { outcome, ms: performance.now() - started };
  } finally {
    await sync.close();
  }
}

/** Every text form of an error, where a secret must never show. */
function errorTexts(error: CustomerSyncError): string {
  const cause: unknown = error.cause;
  return [error.message, error.stack ?? '', JSON.stringify(error), inspect(error, { depth: 5 }), inspect(cause)].join('\n');
}

/** A failed outcome with a typed error of `kind` about our provider and customer, no secret in it. */
function expectFailure(outcome: ProviderOutcome, provider: ProviderId, kind: ErrorKind, customerId = CUSTOMER.id): CustomerSyncError {
  expect(outcome.status).toBe('failed');
  const error = outcome.error;
  expect(error).toBeInstanceOf(CustomerSyncError);
  if (!(error instanceof CustomerSyncError)) throw new Error('unreachable');
  expect({ kind: error.kind, provider: error.provider, customerId: error.customerId }).toEqual({
    kind,
    provider,
    customerId,
  });
  const texts = errorTexts(error);
  for (const secret of ALL_SECRETS) expect(texts).not.toContain(secret);
  return error;
}

/** The path of a request below its provider's prefix, e.g. `/customer/y-1`. */
const pathOf = (provider: Provider, request: SeenRequest): string => request.url.slice(`/${provider.id}`.length);

const rssNow = (): number => process.memoryUsage().rss;

describe('a response body of hundreds of megabytes', () => {
  const TOTAL = 512 * MiB;
  const framings: Array<HugeBodyOptions['framing']> = ['length', 'chunked', 'gzip'];
  const cases = PROVIDERS.flatMap((provider) => framings.map((framing) => ({ provider, framing })));

  it.each(cases)('$provider.id, $framing: stops at the 1 MiB cap with bad_response and hangs up', async ({ provider, framing }) => {
    let stats: StreamStats | undefined;
    server.handle((_req, res) => {
      // gzip: 512 MiB of inflated body is a few hundred KiB on the wire, so the stream is made endless in effect.
      stats = hugeBody(res, { totalBytes: framing === 'gzip' ? 64 * 1024 * MiB : TOTAL, framing });
    });
    const before = rssNow();

    const { outcome } = await pushOne(provider.make(baseUrlOf(provider)), CUSTOMER);

    const growth = rssNow() - before;
    const error = expectFailure(outcome, provider.id, 'bad_response');
    expect(error.message).toContain(`response larger than ${CAP} bytes`);
    expect(outcome.requests).toBe(1);
    expect(server.requests.map((r) => `${r.method} ${pathOf(provider, r)}`)).toEqual([`PUT ${provider.updatePath}`]);
    if (stats === undefined) throw new Error('the server never answered');
    // The client hung up: the server saw its socket close before the body was through…
    const closed = await within(stats.closed, 5_000, 'server socket close');
    expect(closed.finished).toBe(false);
    // …after a few socket buffers' worth at most, not the hundreds of megabytes it would have sent.
    if (framing !== 'gzip') expect(closed.bytesWritten).toBeLessThan(32 * MiB);
    // Memory stays far below the body size (a body this big held whole would add 512 MiB or more).
    expect(growth).toBeLessThan(96 * MiB);
  });

  it('a token exchange answered with a huge body: bad_response, the customer request never sent', async () => {
    let stats: StreamStats | undefined;
    server.handle((_req, res) => {
      stats = hugeBody(res, { totalBytes: TOTAL, framing: 'chunked' });
    });
    const adapter = yativo({
      ...COMMON,
      baseUrl: `${server.origin}/yativo`,
      accountId: 'acct-1',
      appSecret: SECRET.yativoAppSecret,
    });
    const before = rssNow();
    const { outcome } = await pushOne(adapter, CUSTOMER);
    expect(rssNow() - before).toBeLessThan(96 * MiB);
    expectFailure(outcome, 'yativo', 'bad_response');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /yativo/auth/login']);
    if (stats === undefined) throw new Error('the server never answered');
    const closed = await within(stats.closed, 5_000, 'server socket close');
    expect(closed.finished).toBe(false);
    expect(closed.bytesWritten).toBeLessThan(32 * MiB);
  });
});

describe('a redirect to another host', () => {
  const statuses = [301, 302, 303, 307, 308];
  const cases = PROVIDERS.flatMap((provider) => statuses.map((status) => ({ provider, status })));

  it.each(cases)('$provider.id, HTTP $status: not followed, bad_response, the other host sees nothing', async ({ provider, status }) => {
    server.handle((_req, res, seen) => redirect(res, status, `${elsewhere.origin}/steal${seen.url}`));

    const { outcome } = await pushOne(provider.make(baseUrlOf(provider)), CUSTOMER);

    const error = expectFailure(outcome, provider.id, 'bad_response');
    expect(error.status).toBe(status);
    expect(error.message).toContain(`redirect not followed (HTTP ${status})`);
    // One request, to the configured host, with its credentials (so a followed redirect would have carried them).
    expect(server.requests).toHaveLength(1);
    const [sent] = server.requests;
    for (const header of provider.secretHeaders) expect(sent?.headers[header]).toContain(provider.secrets[0]);
    expect(elsewhere.connections).toBe(0);
    expect(elsewhere.requests).toEqual([]);
  });

  const exchanges = [
    {
      provider: 'yativo' as const,
      make: (baseUrl: string) => yativo({ ...COMMON, baseUrl, accountId: 'acct-1', appSecret: SECRET.yativoAppSecret }),
      exchange: 'POST /yativo/auth/login',
    },
    {
      provider: 'fatora' as const,
      make: (baseUrl: string) => fatora({ ...COMMON, baseUrl, apiKey: SECRET.fatoraApiKey }),
      exchange: 'GET /fatora/v1/Authorization/Authorize',
    },
  ];

  it.each(exchanges)('$provider token exchange answered 307: credentials never sent elsewhere, auth failure', async ({ provider, make, exchange }) => {
    // 307 keeps method and body: followed, it would post the app secret / api key to the other host.
    server.handle((_req, res, seen) => redirect(res, 307, `${elsewhere.origin}/steal${seen.url}`));

    const { outcome } = await pushOne(make(`${server.origin}/${provider}`), CUSTOMER);

    const error = expectFailure(outcome, provider, 'auth');
    expect(error.status).toBe(307);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([exchange]);
    expect(elsewhere.connections).toBe(0);
    expect(elsewhere.requests).toEqual([]);
  });
});

describe('a server that drips its answer', () => {
  const TIMEOUT_MS = 500;
  /**
   * The creates' timeout: their lookups (answered at once) share it, so it must not run out on a busy machine
   * before this same process has answered one (at 500 ms the fault matrix saw that happen).
   */
  const CREATE_TIMEOUT_MS = 1_000;
  /** Upper bounds only catch a wait far too long (a body dripped to its end); a busy machine may add seconds. */
  const GENEROUS_MS = 10_000;
  /** Retried once when safe: two attempts, each cut at the timeout. */
  const RETRY_ONCE = { retries: 1, minDelayMs: 1, maxDelayMs: 2 };
  const intervals = [1000, 100];
  const cases = PROVIDERS.flatMap((provider) => intervals.map((intervalMs) => ({ provider, intervalMs })));

  /** Where the drips are tracked: every one must end with the socket closed by the client, unfinished. */
  let drips: StreamStats[] = [];
  afterEach(async () => {
    const ends = await within(Promise.all(drips.map((d) => d.closed)), 5_000, 'dripping sockets closed');
    drips = [];
    for (const end of ends) expect(end.finished).toBe(false);
  });

  const dripping = (res: ServerResponse, provider: Provider, intervalMs: number): void => {
    drips.push(drip(res, JSON.stringify(provider.success.body), intervalMs));
  };

  it.each(cases)('$provider.id update, a byte every $intervalMs ms: transient after timeoutMs, retried once', async ({ provider, intervalMs }) => {
    server.handle((_req, res) => dripping(res, provider, intervalMs));

    const adapter = provider.make(baseUrlOf(provider), { timeoutMs: TIMEOUT_MS, retry: RETRY_ONCE });
    const { outcome, ms } = await pushOne(adapter, CUSTOMER);

    const error = expectFailure(outcome, provider.id, 'transient');
    expect(error.message).toContain(`no complete answer within ${TIMEOUT_MS} ms`);
    expect(outcome.requests).toBe(2);
    expect(server.requests.map((r) => `${r.method} ${pathOf(provider, r)}`)).toEqual([
      `PUT ${provider.updatePath}`,
      `PUT ${provider.updatePath}`,
    ]);
    // Bounded by the whole-exchange deadline, not by the body (which would take seconds to drip).
    expect(ms).toBeGreaterThanOrEqual(2 * TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(2 * TIMEOUT_MS + GENEROUS_MS);
  });

  /** Creates: what each provider answers before the create, and how a create cut off must end (DESIGN §5). */
  const creates: Array<{ provider: Provider; kind: ErrorKind; before: (path: string, res: ServerResponse) => boolean; posts: number }> = [
    // Its Idempotency-Key is sent but not trusted (DESIGN §5), and a timeout is not settled in the run (the create
    // may still be running): unknown_outcome after one POST, for the next run's lookup by email.
    { provider: PROVIDERS[0] as Provider, kind: 'unknown_outcome', before: () => false, posts: 1 },
    // No keys: a create cut off by the timeout is not settled in the run (no second lookup, no replay).
    {
      provider: PROVIDERS[1] as Provider,
      kind: 'unknown_outcome',
      before: (path, res) => path.startsWith('/v1/clients?') && (json(res, 200, { status: 'SUCCESS', clients: [] }), true),
      posts: 1,
    },
    // A repeat answers 409: safe to retry.
    {
      provider: PROVIDERS[2] as Provider,
      kind: 'transient',
      before: (path, res) => path === '/integration/customer/cus-1' && (json(res, 404, { code: '404', reason: 'Customer not found.' }), true),
      posts: 2,
    },
    // No keys: a create cut off by the timeout is left for the next run's lookup by externalId.
    {
      provider: PROVIDERS[3] as Provider,
      kind: 'unknown_outcome',
      before: (path, res) => path === '/customers/cus-1' && (json(res, 404, { code: 404, message: 'Customer not found' }), true),
      posts: 1,
    },
  ];

  it.each(creates)('$provider.id create cut off by the timeout: $kind, POST sent $posts time(s)', async ({ provider, kind, before, posts }) => {
    server.handle((_req, res, seen) => {
      if (seen.method === 'POST' && !before(pathOf(provider, seen), res)) {
        drips.push(drip(res, JSON.stringify({ partial: true }), 100));
        return;
      }
      if (!before(pathOf(provider, seen), res)) json(res, 500, { message: 'unexpected request' });
    });

    const adapter = provider.make(baseUrlOf(provider), { timeoutMs: CREATE_TIMEOUT_MS, retry: RETRY_ONCE, createMissing: true });
    const { outcome, ms } = await pushOne(adapter, NEW_CUSTOMER);

    expectFailure(outcome, provider.id, kind);
    const sentPosts = server.requests.filter((r) => r.method === 'POST');
    expect(sentPosts).toHaveLength(posts);
    // The create carries its intent's key when the provider takes one; a replay (BlueTape's) is the same request.
    if (provider.id === 'yativo') expect(sentPosts[0]?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    if (sentPosts.length > 1) expect(sentPosts[1]?.body).toEqual(sentPosts[0]?.body);
    expect(ms).toBeLessThan(posts * CREATE_TIMEOUT_MS + GENEROUS_MS);
  });
});

describe('a 200 that is not JSON', () => {
  const PAGE = '<!doctype html><html><head><title>Sign in</title></head><body><form action="/login"></form></body></html>';

  it.each(PROVIDERS)('$id: an HTML page (text/html) is bad_response, not retried', async (provider) => {
    server.handle((_req, res) => raw(res, provider.success.status, 'text/html; charset=utf-8', PAGE));

    const { outcome } = await pushOne(provider.make(baseUrlOf(provider), { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 2 } }), CUSTOMER);

    const error = expectFailure(outcome, provider.id, 'bad_response');
    expect(error.status).toBe(provider.success.status);
    expect(outcome.requests).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  // DESIGN §4 "JSON only": a body labelled text/html is not the provider's JSON API answering (a proxy, a captive
  // portal, an error page), even when its text happens to parse as the documented success.
  it.each(PROVIDERS)('$id: a text/html answer is bad_response even when its text parses as the success shape', async (provider) => {
    server.handle((_req, res) => raw(res, provider.success.status, 'text/html; charset=utf-8', JSON.stringify(provider.success.body)));

    const { outcome } = await pushOne(provider.make(baseUrlOf(provider)), CUSTOMER);

    const error = expectFailure(outcome, provider.id, 'bad_response');
    expect(error.status).toBe(provider.success.status);
    expect(server.requests).toHaveLength(1);
  });

  it.each(PROVIDERS)('$id: the same body as application/json is a success (control)', async (provider) => {
    server.handle((_req, res) => json(res, provider.success.status, provider.success.body));
    const { outcome } = await pushOne(provider.make(baseUrlOf(provider)), CUSTOMER);
    expect(outcome.status).toBe('updated');
    expect(outcome.error).toBeUndefined();
  });
});

describe('ids that are not plain path segments', () => {
  /** Where an id comes from, per adapter that addresses customers by a string id (Fatora's ids are integers). */
  const sources: Array<{ name: string; provider: Provider; prefix: string; customer: (id: string) => Record<string, unknown>; success: unknown }> = [
    {
      name: 'yativo providerIds.yativo',
      provider: PROVIDERS[0] as Provider,
      prefix: '/customer/',
      customer: (id) => ({ ...CUSTOMER, providerIds: { yativo: id } }),
      success: { status: 'success', data: {} },
    },
    {
      name: 'bluetape providerIds.bluetape',
      provider: PROVIDERS[2] as Provider,
      prefix: '/integration/customer/',
      customer: (id) => ({ ...CUSTOMER, providerIds: { bluetape: id } }),
      success: { blueTapeId: 'bt-1' },
    },
    {
      name: 'bluetape id',
      provider: PROVIDERS[2] as Provider,
      prefix: '/integration/customer/',
      customer: (id) => ({ ...CUSTOMER, id, providerIds: undefined }),
      success: { blueTapeId: 'bt-1' },
    },
    {
      name: 'invisible-collector providerIds',
      provider: PROVIDERS[3] as Provider,
      prefix: '/customers/',
      customer: (id) => ({ ...CUSTOMER, providerIds: { 'invisible-collector': id } }),
      success: { gid: 'gid-1' },
    },
    {
      name: 'invisible-collector id',
      provider: PROVIDERS[3] as Provider,
      prefix: '/customers/',
      customer: (id) => ({ ...CUSTOMER, id, providerIds: undefined }),
      success: { gid: 'gid-1' },
    },
  ];

  const ODD_IDS = [
    'a/b',
    '../admin',
    'x/..',
    '../../../etc/passwd',
    'a?b=c',
    'a#b',
    '/',
    '?',
    '#',
    '%2e%2e',
    '%2F',
    '...',
    '.x',
    'a b',
    'ü/€',
    '..\\..\\x',
    '..;/x',
    'a&b=c',
  ];
  const oneSegment = sources.flatMap((source) => ODD_IDS.map((id) => ({ ...source, id })));

  it.each(oneSegment)('$name = $id: the server sees exactly one encoded segment', async ({ provider, prefix, customer, success, id }) => {
    server.handle((_req, res) => json(res, provider.success.status, success));

    const input = customer(id);
    const { outcome } = await pushOne(provider.make(baseUrlOf(provider)), input);

    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('updated');
    expect(server.requests).toHaveLength(1);
    const url = server.requests[0]?.url ?? '';
    expect(url).toBe(`/${provider.id}${prefix}${encodeURIComponent(id)}`);
    // No query, no fragment, and exactly one segment after the prefix, which decodes back to the id.
    expect(url).not.toMatch(/[?#]/);
    const segments = url.split('/');
    expect(segments).toHaveLength(`/${provider.id}${prefix}`.split('/').length);
    expect(decodeURIComponent(segments[segments.length - 1] ?? '')).toBe(id);
  });

  const REFUSED = ['.', '..', ' .. ', '\t.\n'];
  const refused = sources.flatMap((source) => REFUSED.map((id) => ({ ...source, id })));

  it.each(refused)('$name = $id: refused as invalid, nothing sent', async ({ provider, customer, id }) => {
    server.handle((_req, res) => json(res, 500, { message: 'no request was expected' }));
    const input = customer(id);
    const customerId = String(input.id);
    const { outcome } = await pushOne(provider.make(baseUrlOf(provider), { createMissing: true }), input);

    const error = expectFailure(outcome, provider.id, 'invalid', customerId.trim());
    expect(error.message).toMatch(/cannot be (used as )?a URL path segment/);
    expect(outcome.requests).toBe(0);
    expect(server.connections).toBe(0);
  });

  // A string that is not well-formed UTF-16 (a lone surrogate) has no percent-encoding at all: encodeURIComponent
  // throws. Such an id must be refused up front (by validation, or as `invalid` with nothing sent), never reported
  // as a `transient` internal error that every later run retries.
  const LONE = [
    { label: 'U+D800 alone', id: '\ud800' },
    { label: 'a U+DFFF b', id: 'a\udfffb' },
  ];
  const lone = sources.flatMap((source) => LONE.map(({ label, id }) => ({ ...source, label, id })));

  it.each(lone)('$name = lone surrogate ($label): refused (validation or invalid), nothing sent', async ({ provider, customer, id }) => {
    server.handle((_req, res) => json(res, 500, { message: 'no request was expected' }));
    const input = customer(id);
    const sync = createCustomerSync({ adapters: [provider.make(baseUrlOf(provider))] });
    try {
      let outcome: ProviderOutcome | undefined;
      try {
        outcome = (await sync.push(input)).providers[provider.id];
      } catch (error) {
        expect(error).toBeInstanceOf(CustomerValidationError);
      }
      if (outcome !== undefined) {
        expectFailure(outcome, provider.id, 'invalid', String(input.id));
        expect(outcome.requests).toBe(0);
      }
      expect(server.connections).toBe(0);
    } finally {
      await sync.close();
    }
  });

  // Ids a provider hands back are as untrusted as its bodies: Yativo's learned id addresses later updates.
  it.each(['../../admin', 'a/b?c=d#e', '%2e%2e'])('Yativo create answering customer_id %j: later updates stay one segment', async (learned) => {
    server.handle((_req, res, seen) =>
      seen.method === 'POST'
        ? json(res, 201, { status: 'success', data: { customer_id: learned } })
        : json(res, 200, { status: 'success', data: {} }),
    );
    const sync = createCustomerSync({ adapters: [PROVIDERS[0]?.make(`${server.origin}/yativo`) as Adapter] });
    try {
      const first = (await sync.push(NEW_CUSTOMER)).providers.yativo;
      expect(first?.status).toBe('created');
      const second = (await sync.push({ ...NEW_CUSTOMER, name: 'Ada King' })).providers.yativo;
      expect(second?.status).toBe('updated');
      expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'POST /yativo/customer',
        `PUT /yativo/customer/${encodeURIComponent(learned)}`,
      ]);
    } finally {
      await sync.close();
    }
  });

  it.each(['..', '.'])('Yativo create answering customer_id %j: the update is refused as invalid, nothing sent', async (learned) => {
    server.handle((_req, res) => json(res, 201, { status: 'success', data: { customer_id: learned } }));
    const sync = createCustomerSync({ adapters: [PROVIDERS[0]?.make(`${server.origin}/yativo`) as Adapter] });
    try {
      await sync.push(NEW_CUSTOMER);
      const second = (await sync.push({ ...NEW_CUSTOMER, name: 'Ada King' })).providers.yativo;
      if (second === undefined) throw new Error('no outcome');
      expectFailure(second, 'yativo', 'invalid');
      expect(second.requests).toBe(0);
      expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /yativo/customer']);
    } finally {
      await sync.close();
    }
  });
});
