// Harness of the fault matrix (test/reliability/fault-matrix.test.ts): one case = one provider, one fault, one
// mode (update a seeded customer, or create one), played over a real socket against its own sandbox, so that
// every case can run concurrently with the others. Nothing here decides what is right: the matrix does.
import type { Adapter } from '../../src/adapter/adapter.js';
import type { RateLimitEvent, RetryEvent } from '../../src/events.js';
import type { ProviderOutcome } from '../../src/push/outcome.js';
import { startSandbox, type Behaviour, type FaultKind, type LoggedRequest, type ProviderId, type Sandbox } from '../../src/sandbox/index.js';
import { createCustomerSync } from '../../src/sync.js';
import { bluetape } from '../../adapters/bluetape/index.js';
import { fatora } from '../../adapters/fatora/index.js';
import { invisibleCollector } from '../../adapters/invisible-collector/index.js';
import { yativo } from '../../adapters/yativo/index.js';

/**
 * The faults of the matrix: the sandbox's own, plus `bad-body-shape`, the sandbox's second kind of bad body
 * (`bad-body` alternates a truncated JSON text and `{"result":"ok"}`, valid JSON of no provider's shape). The
 * harness spends the first one on a throw-away request so that the customer's request gets the second.
 */
export type MatrixFault =
  | Exclude<FaultKind, 'slow'>
  | 'bad-body-shape';

export type Mode = 'update' | 'create';

/** `Retry-After` of the 429 faults, in seconds (the sandbox default, stated here because the matrix relies on it). */
export const RETRY_AFTER_SECONDS = 1;
/**
 * Per-attempt timeout of the `timeout` cases: short, so the file stays fast, yet long enough that the attempts
 * after the fault do not time out as well on a loaded machine (at 500 ms they did, with three runs of this file
 * and a busy loop on two cores: one attempt more than the matrix says).
 */
export const TIMEOUT_MS = 1_000;
/** Per-attempt timeout of every other case: far beyond any answer, so only a `timeout` fault ever times out. */
export const CALM_TIMEOUT_MS = 10_000;
/** Two retries allowed, so "exactly one retry" is a decision of the code, not the end of the budget. */
export const RETRY = { retries: 2, minDelayMs: 20, maxDelayMs: 40, maxRetryAfterMs: 5_000 } as const;
/** Loose enough not to slow anything down; the limiter has its own tests. */
export const RATE_LIMIT = { perSecond: 50, concurrency: 2 } as const;

/** The customer pushed in every case. Update cases seed an older version of it first (`OLD_FIELDS`). */
export const CUSTOMER = {
  id: 'cus_fault_matrix',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+14155552671',
  country: 'US',
  vatNumber: 'US123456789',
  updatedAt: '2026-03-01T10:00:00.000Z',
} as const;

/** What each provider holds for `CUSTOMER` once it has it (the fields the push sends, in the provider's words). */
export const NEW_FIELDS: Record<ProviderId, Record<string, unknown>> = {
  yativo: {
    customer_name: 'Ada Lovelace',
    customer_email: 'ada@example.com',
    customer_phone: '+14155552671',
    customer_country: 'USA',
  },
  fatora: { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+14155552671' },
  bluetape: {
    id: 'cus_fault_matrix',
    firstName: 'Ada',
    lastName: 'Lovelace',
    emailAddress: 'ada@example.com',
    cellPhoneNumber: '+14155552671',
    sourceModifiedDate: '2026-03-01T10:00:00.000Z',
  },
  'invisible-collector': {
    externalId: 'cus_fault_matrix',
    name: 'Ada Lovelace',
    vatNumber: 'US123456789',
    country: 'US',
    email: 'ada@example.com',
    phone: '+14155552671',
  },
};

/** What update cases seed: the same customer, older name, phone and country. */
export const OLD_FIELDS: Record<ProviderId, Record<string, unknown>> = {
  yativo: {
    customer_name: 'Ada Byron',
    customer_email: 'ada@example.com',
    customer_phone: '+351912345678',
    customer_country: 'PRT',
  },
  fatora: { name: 'Ada Byron', email: 'ada@example.com', phone: '+351912345678' },
  bluetape: {
    id: 'cus_fault_matrix',
    firstName: 'Ada',
    lastName: 'Byron',
    emailAddress: 'ada@example.com',
    cellPhoneNumber: '+351912345678',
    sourceModifiedDate: '2025-01-01T00:00:00.000Z',
  },
  'invisible-collector': {
    externalId: 'cus_fault_matrix',
    name: 'Ada Byron',
    vatNumber: 'US123456789',
    country: 'PT',
    email: 'ada@example.com',
    phone: '+351912345678',
  },
};

/** The route each method reaches at each provider, below its base URL (the customer's own requests only). */
export const ROUTES: Record<ProviderId, Partial<Record<string, RegExp>>> = {
  yativo: { GET: /^\/customer$/, POST: /^\/customer$/, PUT: /^\/customer\/[0-9a-f-]{36}$/ },
  fatora: { GET: /^\/v1\/clients$/, POST: /^\/v1\/clients$/, PUT: /^\/v1\/clients\/\d+$/ },
  bluetape: { POST: /^\/integration\/customer$/, PUT: /^\/integration\/customer\/cus_fault_matrix$/ },
  'invisible-collector': {
    GET: /^\/customers\/find$/,
    POST: /^\/customers$/,
    PUT: /^\/customers\/(cus_fault_matrix|[0-9a-f-]{36})$/,
  },
};

/**
 * The query of every lookup (a GET): by email at Yativo (its filter matches substrings; `page` from the second page on) and Fatora
 * (pages of 20), by externalId at Invisible Collector (DESIGN §5). The matrix's customer is alone at its provider,
 * so one page always answers.
 */
export const LOOKUP_QUERY: Record<ProviderId, Record<string, string> | undefined> = {
  yativo: { email: CUSTOMER.email },
  fatora: { email: CUSTOMER.email, page: '1', page_size: '20' },
  bluetape: undefined,
  'invisible-collector': { externalId: CUSTOMER.id },
};

/** One customer as a provider holds it: its id there and the fields of `NEW_FIELDS`/`OLD_FIELDS`. */
export interface StoredView {
  providerId: string;
  fields: Record<string, unknown>;
}

/** One `push` of `CUSTOMER` and what it did. */
export interface PushRecord {
  outcome: ProviderOutcome;
  /** The requests the provider received during this push, in arrival order (with `at`, from the sandbox log). */
  wire: LoggedRequest[];
  retryEvents: RetryEvent[];
  rateLimitEvents: RateLimitEvent[];
  /** What the provider holds right after the push. */
  stored: StoredView[];
}

export interface CaseSpec {
  provider: ProviderId;
  mode: Mode;
  fault: MatrixFault;
  /** Requests let through untouched before the fault hits (a Fatora lookup, the 404 before a create-on-missing). */
  passBefore: number;
  /** What the sandbox follows: the providers' pages, or their published code (NOTES.md). @default 'documented' */
  behaviour?: Behaviour;
}

export interface CaseRun {
  /** The push under the fault. */
  first: PushRecord;
  /** The same customer pushed again by the same sync (same state, same halted providers), faults off. */
  rerun: PushRecord;
  /** Faults the sandbox injected during the first push, by kind (`slow` = a pass-through). */
  injected: Partial<Record<FaultKind, number>>;
}

const pick = (source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(keys.map((key) => [key, source[key]]));

/** The provider's customers, reduced to the fields the matrix compares. */
export function storedCustomers(sandbox: Sandbox, provider: ProviderId): StoredView[] {
  const keys = Object.keys(NEW_FIELDS[provider]);
  switch (provider) {
    case 'yativo':
      return sandbox.customers('yativo').map((c) => ({ providerId: c.customer_id, fields: pick(c, keys) }));
    case 'fatora':
      return sandbox.customers('fatora').map((c) => ({ providerId: String(c.id), fields: pick({ ...c }, keys) }));
    case 'bluetape':
      return sandbox.customers('bluetape').map((c) => ({ providerId: c.blueTapeId, fields: pick({ ...c }, keys) }));
    case 'invisible-collector':
      return sandbox.customers('invisible-collector').map((c) => ({ providerId: c.gid, fields: pick({ ...c }, keys) }));
  }
}

/** A request straight to the sandbox (no customer-sync), for seeding. Rejects unless the answer is a 2xx. */
async function direct(url: string, method: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CALM_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`seeding ${method} ${url}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Creates the older version of `CUSTOMER` at the provider with plain HTTP (not through the code under test) and
 * returns the `providerIds` an update needs (BlueTape and Invisible Collector address it by our own id).
 */
async function seed(sandbox: Sandbox, provider: ProviderId): Promise<Record<string, string | number>> {
  const url = sandbox.urls[provider];
  const c = sandbox.credentials;
  switch (provider) {
    case 'yativo': {
      const headers = { authorization: `Bearer ${c.yativo.token}`, 'idempotency-key': 'seed-0000' };
      // customer_type: optional in Yativo's pages, required by its published server.
      const body = await direct(`${url}/customer`, 'POST', headers, { ...OLD_FIELDS.yativo, customer_type: 'individual' });
      const id = field(body, 'data', 'customer_id');
      if (typeof id !== 'string') throw new Error('seeding Yativo: no customer_id');
      return { yativo: id };
    }
    case 'fatora': {
      const body = await direct(`${url}/v1/clients`, 'POST', { authorization: `Bearer ${c.fatora.token}` }, OLD_FIELDS.fatora);
      const id = field(body, 'client', 'id');
      if (typeof id !== 'number') throw new Error('seeding Fatora: no client id');
      return { fatora: id };
    }
    case 'bluetape': {
      const headers = { 'x-bluetape-key': c.bluetape.apiKey, 'x-integration-accountid': c.bluetape.accountId };
      await direct(`${url}/integration/customer`, 'POST', headers, OLD_FIELDS.bluetape);
      return {};
    }
    case 'invisible-collector': {
      const headers = { authorization: `Bearer ${c['invisible-collector'].token}` };
      await direct(`${url}/customers`, 'POST', headers, OLD_FIELDS['invisible-collector']);
      return {};
    }
  }
}

/** The adapter under test: static credentials, the matrix's retry policy, `createMissing` in create cases. */
function adapterFor(sandbox: Sandbox, spec: CaseSpec): Adapter {
  const common = {
    baseUrl: sandbox.urls[spec.provider],
    retry: { ...RETRY },
    rateLimit: { ...RATE_LIMIT },
    timeoutMs: spec.fault === 'timeout' ? TIMEOUT_MS : CALM_TIMEOUT_MS,
  };
  const createMissing = spec.mode === 'create';
  const c = sandbox.credentials;
  switch (spec.provider) {
    case 'yativo':
      // Yativo creates whenever no id is known: it has no createMissing option.
      return yativo({ ...common, token: c.yativo.token });
    case 'fatora':
      return fatora({ ...common, token: c.fatora.token, createMissing });
    case 'bluetape':
      return bluetape({ ...common, apiKey: c.bluetape.apiKey, accountId: c.bluetape.accountId, createMissing });
    case 'invisible-collector':
      return invisibleCollector({ ...common, token: c['invisible-collector'].token, createMissing });
  }
}

/**
 * Scripts the fault: `passBefore` pass-throughs (`slow` with `slowMs: 0` applies and answers at once), then the
 * fault, then nothing. For `bad-body-shape`, a first `bad-body` is spent on a request to a path no route has.
 */
async function armFault(sandbox: Sandbox, spec: CaseSpec): Promise<void> {
  const pass: FaultKind[] = Array.from({ length: spec.passBefore }, () => 'slow');
  const { fault: matrixFault } = spec;
  const shape = matrixFault === 'bad-body-shape';
  const fault: FaultKind = matrixFault === 'bad-body-shape' ? 'bad-body' : matrixFault;
  const script: FaultKind[] = [...(shape ? ['bad-body' as const] : []), ...pass, fault];
  sandbox.setFaults(spec.provider, { script, retryAfterSeconds: RETRY_AFTER_SECONDS, slowMs: 0 });
  if (!shape) return;
  const res = await fetch(`${sandbox.urls[spec.provider]}/fault-matrix-spent`, { signal: AbortSignal.timeout(CALM_TIMEOUT_MS) });
  const text = await res.text();
  if (res.status !== 200 || text !== '{"status":"succ') {
    throw new Error(`the first bad body was not spent: HTTP ${res.status} ${text}`);
  }
}

/** Runs one case: its own sandbox (logging), seed, arm the fault, push, faults off, push again, tear down. */
export async function runCase(spec: CaseSpec): Promise<CaseRun> {
  const { provider } = spec;
  const sandbox = await startSandbox({ log: true, behaviour: spec.behaviour ?? 'documented' });
  try {
    const providerIds = spec.mode === 'update' ? await seed(sandbox, provider) : {};
    const customer = Object.keys(providerIds).length > 0 ? { ...CUSTOMER, providerIds } : { ...CUSTOMER };
    const sync = createCustomerSync({ adapters: [adapterFor(sandbox, spec)] });
    const retryEvents: RetryEvent[] = [];
    const rateLimitEvents: RateLimitEvent[] = [];
    sync.on('retry', (event) => retryEvents.push(event));
    sync.on('rateLimit', (event) => rateLimitEvents.push(event));

    const push = async (): Promise<PushRecord> => {
      const logged = sandbox.requests(provider).length;
      const retried = retryEvents.length;
      const limited = rateLimitEvents.length;
      const result = await sync.push(customer);
      const outcome = result.providers[provider];
      if (outcome === undefined) throw new Error(`no outcome for ${provider}`);
      return {
        outcome,
        wire: sandbox.requests(provider).slice(logged),
        retryEvents: retryEvents.slice(retried),
        rateLimitEvents: rateLimitEvents.slice(limited),
        stored: storedCustomers(sandbox, provider),
      };
    };

    try {
      await armFault(sandbox, spec);
      // Counted after arming: the bad body spent by `bad-body-shape` is the harness's, not the case's.
      const faultsBefore = { ...sandbox.stats(provider).faults };
      const first = await push();
      const injected = subtract(sandbox.stats(provider).faults, faultsBefore);
      sandbox.setFaults(provider, undefined);
      const rerun = await push();
      return { first, rerun, injected };
    } finally {
      await sync.close();
    }
  } finally {
    await sandbox.close();
  }
}

function subtract(
  after: Partial<Record<FaultKind, number>>,
  before: Partial<Record<FaultKind, number>>,
): Partial<Record<FaultKind, number>> {
  const out: Partial<Record<FaultKind, number>> = {};
  for (const [kind, count] of Object.entries(after) as Array<[FaultKind, number]>) {
    const delta = count - (before[kind] ?? 0);
    if (delta !== 0) out[kind] = delta;
  }
  return out;
}
