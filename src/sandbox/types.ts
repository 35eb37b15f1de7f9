import type { IncomingHttpHeaders } from 'node:http';
import type { BuiltInProviderId as ProviderId } from '../providers.js';

export type { ProviderId };

/** Credentials each emulated provider accepts (DESIGN §3 auth row). */
export interface SandboxCredentials {
  /** A static bearer `token`, or `accountId` + `appSecret` exchanged at `POST /auth/login`. */
  yativo: { token: string; accountId: string; appSecret: string };
  /** A static bearer `token`, or `apiKey` exchanged at `GET /v1/Authorization/Authorize`. */
  fatora: { token: string; apiKey: string };
  /** Sent as `X-BlueTape-Key` and `X-Integration-AccountId`. */
  bluetape: { apiKey: string; accountId: string };
  /** The company API token, sent as `Authorization: Bearer …`. */
  'invisible-collector': { token: string };
}

/**
 * What a fault does to one request.
 * - `429-seconds` / `429-date`: 429 with `Retry-After` as delay-seconds or as an HTTP date; nothing applied.
 * - `500`, `502`, `503`, `401`, `403`, `404`, `409`, `422`: that status with the provider's own error shape; nothing applied.
 * - `reset-before`: the socket is reset before anything is applied.
 * - `reset-after`: the request is applied, then the socket is reset without an answer.
 * - `timeout`: nothing is applied and no answer ever comes (until the client gives up or the sandbox closes).
 * - `slow`: applied, answered after `slowMs`.
 * - `bad-body`: applied, answered 200 with a body that is not the documented shape (alternately not JSON at
 *   all, then JSON of the wrong shape).
 */
export type FaultKind =
  | '429-seconds'
  | '429-date'
  | '500'
  | '502'
  | '503'
  | 'reset-before'
  | 'reset-after'
  | 'timeout'
  | 'slow'
  | 'bad-body'
  | '401'
  | '403'
  | '404'
  | '409'
  | '422';

export const FAULT_KINDS: readonly FaultKind[] = [
  '429-seconds',
  '429-date',
  '500',
  '502',
  '503',
  'reset-before',
  'reset-after',
  'timeout',
  'slow',
  'bad-body',
  '401',
  '403',
  '404',
  '409',
  '422',
];

/** The faults a retrying client is expected to survive: the default `kinds` of random faults. */
export const TRANSIENT_FAULT_KINDS: readonly FaultKind[] = [
  '429-seconds',
  '429-date',
  '500',
  '502',
  '503',
  'reset-before',
  'reset-after',
];

export interface Faults {
  /** Chance (0..1) that a request not covered by `script` gets a random fault from `kinds`. @default 0 */
  rate?: number;
  /** The kinds random faults are drawn from. @default TRANSIENT_FAULT_KINDS */
  kinds?: readonly FaultKind[];
  /** Seed of the random draws: the same seed and the same requests give the same faults. @default random */
  seed?: number;
  /** Faults for the next requests, one each, in order, before any random one; `'pass'` answers one normally. */
  script?: ReadonlyArray<FaultKind | 'pass'>;
  /** `Retry-After` of the 429 faults, in seconds. @default 1 */
  retryAfterSeconds?: number;
  /** Delay of a `slow` answer, in milliseconds. @default 1000 */
  slowMs?: number;
}

export interface RateLimit {
  /**
   * Requests admitted in any sliding 1 s window (a positive integer); the others answer 429 and are not applied.
   * With `burst`, the rate at which the token bucket refills instead (tokens/s, > 0).
   */
  perSecond: number;
  /**
   * A token bucket instead of the sliding window: up to `burst` requests at once (the bucket starts full), refilled
   * at `perSecond` tokens/s; a request that finds no whole token answers 429 and takes none. @default none (a sliding window)
   */
  burst?: number;
  /**
   * `Retry-After` sent with the 429, in seconds. @default until the window frees a slot (or the bucket has a token),
   * rounded up to whole seconds
   */
  retryAfterSeconds?: number;
  /** Send `Retry-After` at all (Yativo documents none). @default true when `retryAfterSeconds` is given */
  disclose?: boolean;
}

/**
 * Which behaviour the emulations follow:
 * - `documented`: the providers' pages (shared/providers/*.txt and NOTES.md), as the sandbox always did;
 * - `published`: what the providers' published code does where it differs from the pages (NOTES.md, "What the
 *   providers' public code shows"): Yativo's Laravel server and Invisible Collector's official SDKs. Fatora and
 *   BlueTape have no known difference and behave the same in both.
 */
export type Behaviour = 'documented' | 'published';

export const BEHAVIOURS: readonly Behaviour[] = ['documented', 'published'];

/** How a published Invisible Collector 409 names the customer holding the VAT number: `gid`, `id`, or not at all. */
export type IcConflictShape = 'gid' | 'id' | 'none';

export const IC_CONFLICT_SHAPES: readonly IcConflictShape[] = ['gid', 'id', 'none'];

/** Settings of the `published` behaviour. */
export interface PublishedOptions {
  /**
   * Which shape Invisible Collector's 409 (VAT number already held) takes: one of `IC_CONFLICT_SHAPES` every time,
   * or `rotate`: `gid`, then `id`, then `none`, then `gid` again, one step per 409, starting over whenever the
   * behaviour is set (`setBehaviour`) or the sandbox reset.
   * @default 'rotate'
   */
  icConflictShape?: IcConflictShape | 'rotate';
}

export interface SandboxOptions {
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Overrides of `SANDBOX_CREDENTIALS`, per provider and per field. */
  credentials?: { [P in ProviderId]?: Partial<SandboxCredentials[P]> };
  faults?: { [P in ProviderId]?: Faults };
  rateLimits?: { [P in ProviderId]?: RateLimit };
  /** Delay added to every answer, for all providers or per provider. @default 0 */
  latencyMs?: number | { [P in ProviderId]?: number };
  /** Keep a log of every request (`sandbox.requests(provider)`). @default false */
  log?: boolean;
  /** Lifetime of tokens issued by Yativo's `POST /auth/login`. @default 600 */
  yativoTokenTtlSeconds?: number;
  /** Seed for generated ids and tokens, so runs are repeatable. @default random */
  seed?: number;
  /**
   * A JSON file that keeps the providers' customers across restarts, with what faithful behaviour needs besides
   * (id counters and seeded id streams, so new ids never collide with loaded ones; Yativo's idempotency keys, so
   * a replay after a restart is still deduplicated) but no tokens, faults, stats or logs. Read at start when it
   * exists (a missing file starts empty; one that cannot be read or is not a sandbox data file makes
   * `startSandbox` reject, naming the path); written atomically (temp file + rename) on `close()`, on `save()`,
   * and about 500 ms after a change, so a killed process loses at most a moment of data.
   * @default none: everything is kept in memory only
   */
  dataFile?: string;
  /**
   * Follow the providers' pages (`documented`) or their published code (`published`, see `Behaviour`). Not kept in
   * the `dataFile`; `setBehaviour()` changes it at run time.
   * @default 'documented'
   */
  behaviour?: Behaviour;
  /** Settings of the `published` behaviour (ignored while `documented`). */
  published?: PublishedOptions;
}

export interface SandboxStats {
  /** Every request that reached the provider's prefix. */
  requests: number;
  /** Answers sent, by status (resets and timeouts send none). */
  byStatus: Record<number, number>;
  /** Requests refused by the rate limit. */
  rateLimited: number;
  /** The highest number of requests received in any sliding 1 s window. */
  maxRatePerSecond: number;
  /** Faults injected, by kind. */
  faults: Partial<Record<FaultKind, number>>;
}

export interface LoggedRequest {
  method: string;
  /** Path below the provider's base URL, e.g. `/customer/abc`, without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  /** Parsed JSON; the raw text when it is not JSON; `undefined` when empty. */
  body: unknown;
  /** `Date.now()` on arrival. */
  at: number;
}

/** A Yativo customer as stored; the identity document is kept here but never answered (as documented). */
export interface YativoStoredCustomer {
  customer_id: string;
  [field: string]: unknown;
}

export interface FatoraClient {
  id: number;
  name: string | null;
  phone: string | null;
  email: string;
  address: string | null;
  note: string | null;
}

export interface BlueTapeStoredCustomer {
  id: string;
  blueTapeId: string;
  firstName: string;
  lastName: string;
  emailAddress: string;
  cellPhoneNumber: string;
  sourceModifiedDate: string;
  companyId?: string;
}

export interface InvisibleCollectorCustomer {
  gid: string;
  name: string | null;
  externalId: string | null;
  vatNumber: string | null;
  address: string | null;
  zipCode: string | null;
  city: string | null;
  country: string;
  email: string | null;
  phone: string | null;
  locale: string;
}

export interface StoredCustomers {
  yativo: YativoStoredCustomer;
  fatora: FatoraClient;
  bluetape: BlueTapeStoredCustomer;
  'invisible-collector': InvisibleCollectorCustomer;
}

export interface Sandbox {
  /** Base URL of each provider, e.g. `http://127.0.0.1:PORT/yativo/api/v1`. */
  readonly urls: Record<ProviderId, string>;
  /** `http://host:port`, without a provider prefix. */
  readonly origin: string;
  readonly port: number;
  /** The credentials in force (defaults merged with the options). */
  readonly credentials: SandboxCredentials;
  /** Copies of the customers each provider holds, in creation order. */
  customers<P extends string>(provider: P): Array<P extends ProviderId ? StoredCustomers[P] : Record<string, unknown>>;
  stats(provider: string): SandboxStats;
  /** The request log (empty unless logging is on). */
  requests(provider: string): LoggedRequest[];
  /** Replaces the provider's faults; `undefined` removes them. The script and the random draws start over. */
  setFaults(provider: string, faults: Faults | undefined): void;
  /** Replaces the provider's rate limit; `undefined` removes it. */
  setRateLimit(provider: string, limit: RateLimit | undefined): void;
  setLatency(provider: string, latencyMs: number): void;
  setLog(enabled: boolean): void;
  /** The behaviour in force (`options.behaviour` until `setBehaviour()`). */
  readonly behaviour: Behaviour;
  /**
   * Switches every provider to `behaviour` from its next request on; `published`, when given, replaces the
   * published-mode settings (else they stay). The rotation of Invisible Collector's 409 shapes starts over.
   * Customers are kept. Throws a RangeError on an unknown behaviour or shape.
   */
  setBehaviour(behaviour: Behaviour, published?: PublishedOptions): void;
  /**
   * Back to an empty sandbox: no customers, tokens, keys, stats or logs; faults, limits, latency and behaviour as
   * in the options. With a `dataFile`, the emptiness is saved too (debounced).
   */
  reset(): void;
  /** Writes the `dataFile` now (atomically), after any write under way; resolves at once without one. */
  save(): Promise<void>;
  /** Stops listening and drops every connection, held ones included; then writes the `dataFile`, if any. */
  close(): Promise<void>;
}
