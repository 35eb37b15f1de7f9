// Shared by the chaos run and the crash runs (issue 4): the customers, the config, the fault mix, and the checks
// that every provider holds each customer exactly once and as the source says.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorKind } from '../../src/errors/kinds.js';
import type { SyncReport } from '../../src/job/report.js';
import { PROVIDER_IDS, type BuiltInProviderId as ProviderId } from '../../src/providers.js';
import { sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import type { FaultKind, Faults, RateLimit, Sandbox, SandboxStats, StoredCustomers } from '../../src/sandbox/index.js';

export { PROVIDER_IDS };
export type { ProviderId };

// ---------------------------------------------------------------------------------------------------------------
// Customers

const FIRST_NAMES = ['Ana', 'João', 'Maria', 'Pedro', 'Inês', 'Rui', 'Sofia', 'Tiago'];
const STREETS = ['Rua Augusta', 'Avenida da Liberdade', 'Rua do Ouro', 'Travessa do Carmo'];
const CITIES = ['Lisboa', 'Porto', 'Braga', 'Coimbra', 'Faro'];
const LOCALES = ['pt', 'en-US', 'fr-FR', 'de', 'it'];

/** A canonical customer as the source holds it: plain JSON, one NDJSON line. */
export type SourceCustomer = {
  id: string;
  email: string;
  name?: string;
  firstName: string;
  lastName: string;
  phone: string;
  country: string;
  address?: { street: string; number: string; city: string; state?: string; postalCode: string };
  vatNumber: string;
  locale: string;
  notes?: string;
  identityDocument?: { type: string; number: string; country: string; expiresOn: string };
  updatedAt: string;
};

const pad = (i: number): string => String(i).padStart(6, '0');

/** Seven digits that follow `+351 91` (a Portuguese mobile number), different for each version of a customer. */
function phoneDigits(i: number, version: number): string {
  return String((i * 7919 + version * 104_729) % 10_000_000).padStart(7, '0');
}

/**
 * Customer `i` (1-based), deterministic, every provider able to take it (BlueTape needs names and a phone, Invisible
 * Collector a VAT number, Yativo a country). Varied: national and international phones, alpha-2 and alpha-3
 * countries, no address on some, a state on some, notes on some, an identity document (Yativo create-only) on some,
 * an explicit company name on some, and a locale Invisible Collector does not take (`it`: left out, a warning).
 * `version` > 0 is the same customer changed later (names, phone, notes, updatedAt), never with a field removed.
 */
export function chaosCustomer(i: number, version = 0): SourceCustomer {
  const id = pad(i);
  const digits = phoneDigits(i, version);
  const alpha3 = i % 3 === 0;
  // A national number needs an alpha-2 country to be read in (the model reads only alpha-2 as a region).
  const phone = alpha3 || i % 2 === 0 ? `+351 91${digits.slice(0, 1)} ${digits.slice(1, 4)} ${digits.slice(4)}` : `91${digits}`;
  const suffix = version === 0 ? '' : ` v${version}`;
  const customer: SourceCustomer = {
    id: `cus-${id}`,
    email: `customer.${id}@example.com`,
    firstName: FIRST_NAMES[i % FIRST_NAMES.length] ?? 'Ana',
    lastName: `Tester ${id}${suffix}`,
    phone,
    country: alpha3 ? 'PRT' : 'PT',
    vatNumber: `PT${500_000_000 + i}`,
    locale: LOCALES[i % LOCALES.length] ?? 'pt',
    updatedAt: version === 0 ? '2026-11-01T10:00:00Z' : `2026-11-0${Math.min(version + 1, 9)}T10:00:00.000Z`,
  };
  if (i % 5 === 0) customer.name = `Empresa ${id}${suffix}, Lda`;
  if (i % 7 !== 0) {
    customer.address = {
      street: STREETS[i % STREETS.length] ?? 'Rua Augusta',
      number: String((i % 300) + 1),
      city: CITIES[i % CITIES.length] ?? 'Lisboa',
      postalCode: `${1000 + (i % 900)}-${String(i % 1000).padStart(3, '0')}`,
    };
    if (i % 2 === 1) customer.address.state = 'Distrito';
  }
  if (i % 4 === 0) customer.notes = `note for ${id}${suffix}`;
  if (i % 10 === 0) customer.identityDocument = { type: 'PASSPORT', number: `P${id}`, country: 'PT', expiresOn: '2031-06' };
  return customer;
}

export function customers(count: number, version: (i: number) => number = () => 0): SourceCustomer[] {
  return Array.from({ length: count }, (_, k) => chaosCustomer(k + 1, version(k + 1)));
}

// ---------------------------------------------------------------------------------------------------------------
// Conflicts (issue 10): customers of ours that a provider cannot hold beside another one of ours.

/** A customer of ours (`sharer`) that a provider refuses to hold beside an earlier one (`holder`). */
export interface ConflictPair {
  kind: 'vat' | 'email';
  holder: SourceCustomer;
  sharer: SourceCustomer;
  /** The providers that refuse the sharer: Invisible Collector for a VAT number; Yativo and Fatora for an email. */
  providers: readonly ProviderId[];
}

/** The email of `c` with its first letter upper-cased: the same mailbox to every provider, another string to us. */
const otherCase = (email: string): string => email.charAt(0).toUpperCase() + email.slice(1);

/**
 * `count` customers sharing the VAT number of one of `customers(n)` (two contacts of one company: Invisible
 * Collector answers a second create 409) and `count` sharing the email of another (Yativo's published server answers
 * 422, Fatora's lookup finds the holder's client, linked to the holder). Holders are spread over the source, none
 * holds twice; half the email sharers write the holder's email in another case. Each sharer is otherwise a customer
 * of its own, numbered after `n` (its own id, names, phone and other key), so every other provider takes it.
 */
export function conflictPairs(n: number, count: number): ConflictPair[] {
  if (2 * count > n) throw new RangeError(`${count} pairs of each kind need at least ${2 * count} customers, got ${n}`);
  const step = n / (2 * count);
  const pairs: ConflictPair[] = [];
  for (let k = 0; k < count; k++) {
    const vatHolder = chaosCustomer(1 + Math.floor(2 * k * step));
    const vatSharer = { ...chaosCustomer(n + 1 + k), vatNumber: vatHolder.vatNumber };
    pairs.push({ kind: 'vat', holder: vatHolder, sharer: vatSharer, providers: ['invisible-collector'] });
    const mailHolder = chaosCustomer(1 + Math.floor((2 * k + 1) * step));
    const email = k % 2 === 0 ? mailHolder.email : otherCase(mailHolder.email);
    const mailSharer = { ...chaosCustomer(n + count + 1 + k), email };
    pairs.push({ kind: 'email', holder: mailHolder, sharer: mailSharer, providers: ['yativo', 'fatora'] });
  }
  return pairs;
}

/** The source customers each provider must not hold (the sharers it refuses), by customer id. */
export function refusedAt(pairs: readonly ConflictPair[]): Record<ProviderId, Set<string>> {
  const out = Object.fromEntries(PROVIDER_IDS.map((p) => [p, new Set<string>()])) as Record<ProviderId, Set<string>>;
  for (const pair of pairs) for (const provider of pair.providers) out[provider].add(pair.sharer.id);
  return out;
}

export function writeNdjson(path: string, records: readonly SourceCustomer[]): void {
  writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// What each provider must hold: written out from the DESIGN §3 table, not computed with the adapters' own mappers.

const e164 = (c: SourceCustomer): string => `+35191${c.phone.replace(/\D/g, '').slice(-7)}`;
const fullName = (c: SourceCustomer): string => c.name ?? `${c.firstName} ${c.lastName}`;
const IC_LOCALE: Record<string, string> = { pt: 'pt', 'en-US': 'en', 'fr-FR': 'fr-fr', de: 'de' };

/** The natural key each provider is counted by: a second customer under one key is a duplicate create. */
export const NATURAL_KEY: { [P in ProviderId]: (stored: StoredCustomers[P]) => string | null } = {
  yativo: (c) => (typeof c.customer_email === 'string' ? c.customer_email : null),
  fatora: (c) => c.email,
  bluetape: (c) => c.id,
  'invisible-collector': (c) => c.externalId,
};

const SOURCE_KEY: Record<ProviderId, (c: SourceCustomer) => string> = {
  yativo: (c) => c.email,
  fatora: (c) => c.email,
  bluetape: (c) => c.id,
  'invisible-collector': (c) => c.id,
};

/** The fields a provider must hold for `c` (DESIGN §3), by the provider's own field names. */
export function expectedAt(provider: ProviderId, c: SourceCustomer): Record<string, unknown> {
  const a = c.address;
  switch (provider) {
    case 'yativo': {
      const expected: Record<string, unknown> = {
        customer_name: fullName(c),
        customer_email: c.email,
        customer_phone: e164(c),
        customer_country: 'PRT',
        customer_address: a && {
          street: a.street,
          number: a.number,
          city: a.city,
          ...(a.state === undefined ? {} : { state: a.state }),
          zipcode: a.postalCode,
          country: 'PRT',
        },
      };
      // Create-only: sent once, with the create, and kept.
      if (c.identityDocument) {
        Object.assign(expected, {
          customer_idType: 'PASSPORT',
          customer_idNumber: c.identityDocument.number,
          customer_idCountry: 'Portugal',
          customer_idExpiration: '06/31',
        });
      }
      return expected;
    }
    case 'fatora':
      return {
        name: fullName(c),
        email: c.email,
        phone: e164(c),
        address: a ? [`${a.street} ${a.number}`, a.city, a.state === undefined ? a.postalCode : `${a.state} ${a.postalCode}`, 'PT'].join(', ') : null,
        note: c.notes ?? null,
      };
    case 'bluetape':
      return {
        id: c.id,
        firstName: c.firstName,
        lastName: c.lastName,
        emailAddress: c.email,
        cellPhoneNumber: e164(c),
        sourceModifiedDate: c.updatedAt,
      };
    case 'invisible-collector':
      return {
        name: fullName(c),
        externalId: c.id,
        vatNumber: c.vatNumber,
        address: a ? `${a.street} ${a.number}` : null,
        zipCode: a?.postalCode ?? null,
        city: a?.city ?? null,
        country: 'PT',
        email: c.email,
        phone: e164(c),
        // `it` is left out, so the provider's default stays.
        locale: IC_LOCALE[c.locale] ?? 'pt',
      };
  }
}

export interface ProviderCheck {
  provider: ProviderId;
  /** Customers the provider holds. */
  count: number;
  /** Customers held more than once under one natural key (extra copies counted). */
  duplicates: number;
  /** Source customers the provider does not hold. */
  missing: number;
  /** Source customers held with other values than the source's; the first few are described in `examples`. */
  mismatched: number;
  examples: string[];
}

function stored(sandbox: Sandbox, provider: ProviderId): Array<Record<string, unknown>> {
  return sandbox.customers(provider) as unknown as Array<Record<string, unknown>>;
}

/**
 * Duplicates by the keys the providers themselves compare, stricter than `duplicatesAt`: emails ignoring case (a
 * second Yativo customer or Fatora client under `Ada@…` beside `ada@…` is a duplicate), and at Invisible Collector
 * the VAT number as well as the externalId (a second customer with one VAT number is what its 409 forbids).
 */
export function duplicatesIgnoringCase(sandbox: Sandbox): Record<ProviderId | 'invisible-collector by VAT number', number> {
  const count = (keys: Array<string | null>): number => keys.length - new Set(keys).size;
  const lower = (value: unknown): string | null => (typeof value === 'string' ? value.toLowerCase() : null);
  const ic = sandbox.customers('invisible-collector');
  return {
    yativo: count(sandbox.customers('yativo').map((c) => lower(c.customer_email))),
    fatora: count(sandbox.customers('fatora').map((c) => lower(c.email))),
    bluetape: count(sandbox.customers('bluetape').map((c) => c.id)),
    'invisible-collector': count(ic.map((c) => c.externalId)),
    'invisible-collector by VAT number': count(ic.map((c) => c.vatNumber)),
  };
}

/** Every field `expectedAt` can name, per provider: what a provider customer is compared on. */
const COMPARED_FIELDS: Record<ProviderId, readonly string[]> = {
  yativo: [
    'customer_name',
    'customer_email',
    'customer_phone',
    'customer_country',
    'customer_address',
    'customer_idType',
    'customer_idNumber',
    'customer_idCountry',
    'customer_idExpiration',
  ],
  fatora: ['name', 'email', 'phone', 'address', 'note'],
  bluetape: ['id', 'firstName', 'lastName', 'emailAddress', 'cellPhoneNumber', 'sourceModifiedDate'],
  'invisible-collector': ['name', 'externalId', 'vatNumber', 'address', 'zipCode', 'city', 'country', 'email', 'phone', 'locale'],
};

/** The compared fields that have a value, keys sorted: equal for a provider customer and the record it holds. */
function fingerprint(provider: ProviderId, fields: Record<string, unknown>): string {
  const present = COMPARED_FIELDS[provider].filter((f) => fields[f] !== undefined && fields[f] !== null).map((f) => [f, fields[f]]);
  return JSON.stringify(sortKeys(Object.fromEntries(present)));
}

export interface HeldCheck {
  provider: ProviderId;
  held: number;
  /** Provider customers whose fields are no source record's mapping: written over, mixed, or made up. */
  matchingNoRecord: number;
  /** Provider customers whose fields are the mapping of more than one source record (cannot happen with our data). */
  matchingSeveral: number;
  examples: string[];
}

/**
 * The converse of `checkProviders`: every customer a provider holds carries exactly the fields one source record
 * maps to (records in `refused` left out at that provider), so none was written over with another record's data.
 */
export function heldAsRecords(
  sandbox: Sandbox,
  source: readonly SourceCustomer[],
  refused: Partial<Record<ProviderId, ReadonlySet<string>>> = {},
): HeldCheck[] {
  return PROVIDER_IDS.map((provider) => {
    const records = new Map<string, number>();
    for (const c of source) {
      if (refused[provider]?.has(c.id)) continue;
      const key = fingerprint(provider, expectedAt(provider, c));
      records.set(key, (records.get(key) ?? 0) + 1);
    }
    const held = stored(sandbox, provider);
    const check: HeldCheck = { provider, held: held.length, matchingNoRecord: 0, matchingSeveral: 0, examples: [] };
    for (const customer of held) {
      const matches = records.get(fingerprint(provider, customer)) ?? 0;
      if (matches === 1) continue;
      if (matches === 0) check.matchingNoRecord += 1;
      else check.matchingSeveral += 1;
      if (check.examples.length < 5) check.examples.push(`${matches} records: ${fingerprint(provider, customer)}`);
    }
    return check;
  });
}

/** Duplicates only: cheap enough to run after every run. */
export function duplicatesAt(sandbox: Sandbox): Record<ProviderId, number> {
  const out = {} as Record<ProviderId, number>;
  for (const provider of PROVIDER_IDS) {
    const key = NATURAL_KEY[provider] as (c: Record<string, unknown>) => string | null;
    const keys = stored(sandbox, provider).map(key);
    out[provider] = keys.length - new Set(keys).size;
  }
  return out;
}

/**
 * Every provider against the source: how many customers it holds, duplicates by natural key, source customers it
 * lacks, and those whose mapped fields differ from the source's.
 */
export function checkProviders(
  sandbox: Sandbox,
  source: readonly SourceCustomer[],
  /** Source customers a provider must not hold (the sharers of a conflict it refuses), by customer id. */
  refused: Partial<Record<ProviderId, ReadonlySet<string>>> = {},
): ProviderCheck[] {
  return PROVIDER_IDS.map((provider) => {
    const key = NATURAL_KEY[provider] as (c: Record<string, unknown>) => string | null;
    const held = stored(sandbox, provider);
    const byKey = new Map<string | null, Array<Record<string, unknown>>>();
    for (const customer of held) {
      const k = key(customer);
      const list = byKey.get(k);
      if (list) list.push(customer);
      else byKey.set(k, [customer]);
    }
    const check: ProviderCheck = { provider, count: held.length, duplicates: held.length - byKey.size, missing: 0, mismatched: 0, examples: [] };
    for (const customer of source) {
      if (refused[provider]?.has(customer.id)) continue;
      const found = byKey.get(SOURCE_KEY[provider](customer))?.[0];
      if (found === undefined) {
        check.missing += 1;
        if (check.examples.length < 5) check.examples.push(`${customer.id}: missing`);
        continue;
      }
      const expected = expectedAt(provider, customer);
      const differing = Object.keys(expected).filter((field) => !sameValue(found[field] ?? undefined, expected[field] ?? undefined));
      if (differing.length > 0) {
        check.mismatched += 1;
        if (check.examples.length < 5) {
          const detail = differing.map((f) => `${f}: ${JSON.stringify(found[f])} ≠ ${JSON.stringify(expected[f])}`).join('; ');
          check.examples.push(`${customer.id}: ${detail}`);
        }
      }
    }
    return check;
  });
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === null) a = undefined;
  if (b === null) b = undefined;
  if (typeof a === 'object' && typeof b === 'object' && a !== undefined && b !== undefined) {
    return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
  }
  return a === b;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}

/** What a clean finish looks like: every customer exactly once everywhere, as the source says. */
export function cleanChecks(count: number): ProviderCheck[] {
  return PROVIDER_IDS.map((provider) => ({ provider, count, duplicates: 0, missing: 0, mismatched: 0, examples: [] }));
}

// ---------------------------------------------------------------------------------------------------------------
// Config and faults

export interface ClientLimits {
  perSecond: number;
  concurrency: number;
  /** Per-attempt timeout; the `timeout` fault costs this much each time. */
  timeoutMs: number;
  retry: { retries: number; minDelayMs: number; maxDelayMs: number };
}

/** A config (DESIGN §6) for the sandbox: all four providers, `createMissing` wherever it exists. */
export function sandboxConfig(sandbox: Sandbox, limits: ClientLimits): Record<string, unknown> {
  const providers = sandboxProvidersConfig(sandbox);
  const common = { rateLimit: { perSecond: limits.perSecond, concurrency: limits.concurrency }, timeoutMs: limits.timeoutMs };
  return {
    providers: {
      yativo: { ...providers.yativo, ...common },
      fatora: { ...providers.fatora, ...common, createMissing: true },
      bluetape: { ...providers.bluetape, ...common, createMissing: true },
      'invisible-collector': { ...providers['invisible-collector'], ...common, createMissing: true },
    },
    retry: limits.retry,
  };
}

/**
 * Relative weights of the injected faults. Every transient kind is there; 429 is rare on purpose: one 429 pauses
 * the whole provider for its Retry-After (1 s, or up to 2 s as an HTTP date, which has whole seconds), and as the
 * records in flight soon all wait on that provider, the whole run waits with it. At ~0.05 % of requests (two in
 * ~900 faults) a 2,000-customer run meets about ten of them, plus the two scripted at its start; a 429 share as
 * large as the others (~2 % of requests) would make each run mostly pauses.
 */
export const FAULT_WEIGHTS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['500', 120],
  ['502', 120],
  ['503', 120],
  ['reset-before', 120],
  ['reset-after', 140],
  ['timeout', 90],
  ['slow', 80],
  ['bad-body', 120],
  ['429-seconds', 1],
  ['429-date', 1],
];

/** The fault kinds as the sandbox draws them: uniformly from a list, so a weight is a number of entries. */
export function weightedKinds(weights: ReadonlyArray<readonly [FaultKind, number]> = FAULT_WEIGHTS): FaultKind[] {
  return weights.flatMap(([kind, weight]) => Array.from({ length: weight }, () => kind));
}

/**
 * One provider's faults; `slowMs` above the client's timeout makes `slow` "applied, but no answer in time".
 * `script` faults come first, then the seeded draws.
 */
export function faultsFor(
  provider: ProviderId,
  options: { rate: number; seed: number; slowMs: number; kinds?: FaultKind[]; script?: FaultKind[] },
): Faults {
  return {
    rate: options.rate,
    script: options.script ?? [],
    kinds: options.kinds ?? weightedKinds(),
    seed: options.seed + PROVIDER_IDS.indexOf(provider) * 7_919,
    retryAfterSeconds: 1,
    slowMs: options.slowMs,
  };
}

export function setAllFaults(sandbox: Sandbox, faults: ((provider: ProviderId) => Faults) | undefined): void {
  for (const provider of PROVIDER_IDS) sandbox.setFaults(provider, faults?.(provider));
}

/** Yativo documents no Retry-After on its 429; the others send one. */
export function rateLimitFor(provider: ProviderId, perSecond: number): RateLimit {
  return provider === 'yativo' ? { perSecond, disclose: false } : { perSecond, retryAfterSeconds: 1 };
}

// ---------------------------------------------------------------------------------------------------------------
// Figures

export function totalRequests(sandbox: Sandbox): number {
  return PROVIDER_IDS.reduce((sum, id) => sum + sandbox.stats(id).requests, 0);
}

export interface SandboxFigures {
  requests: number;
  requestsByProvider: Record<ProviderId, number>;
  faults: Partial<Record<FaultKind, number>>;
  faultsTotal: number;
  /** Refused by the sandbox's own rate limit (not injected). */
  rateLimited: number;
  maxRatePerSecond: Record<ProviderId, number>;
  byStatus: Record<number, number>;
}

export function sandboxFigures(sandbox: Sandbox): SandboxFigures {
  const figures: SandboxFigures = {
    requests: 0,
    requestsByProvider: {} as Record<ProviderId, number>,
    faults: {},
    faultsTotal: 0,
    rateLimited: 0,
    maxRatePerSecond: {} as Record<ProviderId, number>,
    byStatus: {},
  };
  for (const provider of PROVIDER_IDS) {
    const stats: SandboxStats = sandbox.stats(provider);
    figures.requests += stats.requests;
    figures.requestsByProvider[provider] = stats.requests;
    figures.rateLimited += stats.rateLimited;
    figures.maxRatePerSecond[provider] = stats.maxRatePerSecond;
    for (const [kind, n] of Object.entries(stats.faults) as Array<[FaultKind, number]>) {
      figures.faults[kind] = (figures.faults[kind] ?? 0) + n;
      figures.faultsTotal += n;
    }
    for (const [status, n] of Object.entries(stats.byStatus)) {
      figures.byStatus[Number(status)] = (figures.byStatus[Number(status)] ?? 0) + n;
    }
  }
  return figures;
}

export interface ReportTotals {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  requests: number;
  retries: number;
  failuresByKind: Partial<Record<ErrorKind, number>>;
}

export function emptyTotals(): ReportTotals {
  return { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, requests: 0, retries: 0, failuresByKind: {} };
}

export function reportTotals(report: SyncReport): ReportTotals {
  const totals = emptyTotals();
  for (const counts of Object.values(report.providers)) {
    totals.created += counts.created;
    totals.updated += counts.updated;
    totals.unchanged += counts.unchanged;
    totals.skipped += counts.skipped;
    totals.failed += counts.failed;
    totals.requests += counts.requests;
    totals.retries += counts.retries;
  }
  for (const failure of report.failures) totals.failuresByKind[failure.kind] = (totals.failuresByKind[failure.kind] ?? 0) + 1;
  return totals;
}

// ---------------------------------------------------------------------------------------------------------------

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

// ─── The setting both chaos runs share ───────────────────────────────────────────────────────────────────────

export const FAULT_RATE = 0.2;
/** Faulted reruns after the first run, at most; then one clean run with the faults off. */
export const MAX_FAULTED_RERUNS = 5;
/**
 * The sandbox admits this many requests per provider in any sliding second, and answers 429 beyond. Fatora, BlueTape
 * and Invisible Collector send `Retry-After: 1` with it, and their limit is above the client's: it is there to catch
 * a client that bursts. Yativo's is below the client's configured rate, as when a user guesses its unpublished
 * limit too high: its 429s carry no Retry-After (as documented), and the client must back off by itself. Yativo
 * takes one request per customer, so it still keeps up with the others.
 */
export const SANDBOX_PER_SECOND: Record<ProviderId, number> = { yativo: 100, fatora: 500, bluetape: 500, 'invisible-collector': 500 };
export const LIMITS: ClientLimits = {
  // Below the sandbox's limit, spaced evenly: the limit is there to catch a client that bursts or ignores it.
  perSecond: 400,
  concurrency: 16,
  // Short, so a `timeout` fault costs half a second, not 15.
  timeoutMs: 500,
  retry: { retries: 6, minDelayMs: 20, maxDelayMs: 400 },
};
/** `slow` answers after the client has given up: "applied, but no answer in time". */
export const SLOW_MS = 800;
/** What transient faults can turn into once retries are spent or not allowed (DESIGN §4, §5). */
export const FAULT_KINDS_OF_FAILURE: readonly ErrorKind[] = ['transient', 'rate_limited', 'unknown_outcome', 'bad_response'];
