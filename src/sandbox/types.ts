// The sandbox's public API. Per-provider types come from each built-in provider's own sandbox.ts, through
// `BuiltInSandboxes` (provider.ts); nothing here knows one provider from another.
import type { BuiltInProviderId } from '../providers.js';
import type { Behaviour, PublishedOptions } from './behaviour.js';
import type { BuiltInSandboxes, ConfigOf, CredentialsOf, SandboxProvider, StoredOf } from './provider.js';
import type { RequestHeaders } from './emulation.js';

export type ProviderId = BuiltInProviderId;
export type { Behaviour, PublishedOptions };

type SandboxOf<P extends string> = P extends keyof BuiltInSandboxes ? BuiltInSandboxes[P] : SandboxProvider;

/** Fails to compile, naming it, when a built-in provider's sandbox.ts does not declare itself in `BuiltInSandboxes`. */
type Undeclared<Ids extends never> = Ids;
export type EveryBuiltInSandboxDeclared = Undeclared<Exclude<BuiltInProviderId, keyof BuiltInSandboxes>>;

/** One value per provider served: a built-in one's by its id, any other's by index. */
export type ByProvider<T extends { [P in BuiltInProviderId]: unknown }, Other> = T & { [providerId: string]: Other };

/** An option given for every provider at once, or by provider id. */
export type PerProvider<T> = { readonly [providerId: string]: T | undefined };

/** The credentials each provider served accepts (DESIGN §3 auth row), by provider id. */
export type SandboxCredentials = ByProvider<
  { [P in BuiltInProviderId]: CredentialsOf<SandboxOf<P>> },
  Record<string, string>
>;

/** A customer as each built-in provider's sandbox keeps it (`sandbox.customers(id)`). */
export type StoredCustomers = { [P in BuiltInProviderId]: StoredOf<SandboxOf<P>> };

/** The `providers` section of a config file pointing at the sandbox: each provider's options. */
export type SandboxProvidersConfig = ByProvider<
  { [P in BuiltInProviderId]: ConfigOf<SandboxOf<P>> },
  Record<string, unknown>
>;

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
  /** Send `Retry-After` at all (some providers document none). @default true when `retryAfterSeconds` is given */
  disclose?: boolean;
}

export interface SandboxOptions {
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Overrides of the providers' default credentials, by provider id and per field. */
  credentials?: PerProvider<Readonly<Record<string, string>>>;
  faults?: PerProvider<Faults>;
  rateLimits?: PerProvider<RateLimit>;
  /** Delay added to every answer, for all providers or by provider id. @default 0 */
  latencyMs?: number | PerProvider<number>;
  /** Keep a log of every request (`sandbox.requests(provider)`). @default false */
  log?: boolean;
  /**
   * Lifetime of the tokens the providers issue at their token exchanges, for all providers or by provider id.
   * @default each provider's own (src/sandbox/README.md)
   */
  tokenTtlSeconds?: number | PerProvider<number>;
  /** Seed for generated ids and tokens, so runs are repeatable. @default random */
  seed?: number;
  /**
   * A JSON file that keeps the providers' customers across restarts, with what faithful behaviour needs besides
   * (id counters and seeded id streams, so new ids never collide with loaded ones; idempotency keys, so a replay
   * after a restart is still deduplicated) but no tokens, faults, stats or logs. Read at start when it exists (a
   * missing file starts empty; one that cannot be read or is not a sandbox data file makes `startSandbox` reject,
   * naming the path); written atomically (temp file + rename) on `close()`, on `save()`, and about 500 ms after a
   * change, so a killed process loses at most a moment of data.
   * @default none: everything is kept in memory only
   */
  dataFile?: string;
  /**
   * Follow the providers' pages (`documented`) or their published code (`published`, see `Behaviour`). Not kept in
   * the `dataFile`; `setBehaviour()` changes it at run time.
   * @default 'documented'
   */
  behaviour?: Behaviour;
  /**
   * Providers' own settings of the `published` behaviour, by provider id (kept while `documented`, used once
   * `published`); src/sandbox/README.md lists them. An unknown provider or setting is refused (a RangeError).
   */
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
  headers: RequestHeaders;
  /** Parsed JSON; the raw text when it is not JSON; `undefined` when empty. */
  body: unknown;
  /** `Date.now()` on arrival. */
  at: number;
}

export interface Sandbox {
  /** The ids of the providers served, in registry order. */
  readonly providers: readonly string[];
  /** Base URL of each provider, e.g. `http://127.0.0.1:PORT/<id>/api/v1`. */
  readonly urls: ByProvider<{ [P in BuiltInProviderId]: string }, string>;
  /** `http://host:port`, without a provider prefix. */
  readonly origin: string;
  readonly port: number;
  /** The credentials in force (defaults merged with the options). */
  readonly credentials: SandboxCredentials;
  /** Copies of the customers each provider holds, in creation order. */
  customers<P extends string>(
    provider: P,
  ): Array<P extends BuiltInProviderId ? StoredCustomers[P] : Record<string, unknown>>;
  /** The `providers` section of a config file pointing at this sandbox, by provider id (static credentials). */
  providersConfig(): SandboxProvidersConfig;
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
   * published-mode settings (else they stay). Either way each provider's published settings start over (a rotation
   * from its first step). Customers are kept. Throws a RangeError, changing nothing, on an unknown behaviour or
   * setting.
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
