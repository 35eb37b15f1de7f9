import type { z } from 'zod';
import type { ErrorKind } from '../errors/kinds.js';
import type { Customer, ValidationIssue } from '../model/types.js';
import type { SandboxProvider } from '../sandbox/provider.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT';
export type Operation = 'create' | 'update';

/** One HTTP request, relative to the adapter's `baseUrl`. Pure data: a dry run prints it, a hash reads it. */
export interface RequestSpec {
  method: HttpMethod;
  /** Path below `baseUrl`, starting with `/`; every dynamic segment passed through `encodeURIComponent`. */
  path: string;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
  /** Extra headers this request needs beyond the auth headers (e.g. an API key header on a token exchange). */
  headers?: Record<string, string>;
  /** Safe to send again when its outcome is unknown (a PUT, a GET, a create the provider deduplicates). */
  retrySafe: boolean;
}

/** A body built from a customer, or the reason this provider cannot take the record. */
export type BodyResult =
  | { ok: true; body: Record<string, unknown>; warnings: string[] }
  | { ok: false; message: string };

/** What a successful response tells us. */
export interface SuccessInfo {
  /** The customer's id at the provider, when the response carries one. */
  providerId?: string;
}

/** Exchange of long-lived credentials for a short-lived bearer token. */
export interface TokenExchange {
  request: RequestSpec;
  /** The token and its lifetime; `undefined` when the body is not a token answer. */
  parse(body: unknown): { token: string; expiresInSeconds?: number } | undefined;
}

export interface AuthSpec {
  /** Headers every request to the provider carries. `token` is the bearer token, for providers that use one. */
  headers(token: string | undefined): Record<string, string>;
  /** A static bearer token, when configured. */
  token?: string;
  /** How to obtain a token, when configured with exchangeable credentials instead of a token. */
  exchange?: TokenExchange;
}

/** How a provider's ids are written in `providerIds`. */
export type ProviderIdType = 'text' | 'integer';

/** Options every adapter takes (DESIGN §6 config); each provider adds its credentials. */
export interface CommonAdapterOptions {
  /** @default the provider's production URL */
  baseUrl?: string;
  rateLimit?: { perSecond?: number; concurrency?: number };
  retry?: RetryOptions;
  /** Per-attempt timeout. @default 15000 */
  timeoutMs?: number;
  /** Largest response body accepted. @default 1048576 */
  maxResponseBytes?: number;
}

export interface RetryOptions {
  /** Retries after the first attempt. @default 5 */
  retries?: number;
  /** First backoff delay. @default 250 */
  minDelayMs?: number;
  /** Longest backoff delay. @default 30000 */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the request fails as rate limited. @default 120000 */
  maxRetryAfterMs?: number;
}

/**
 * Everything customer-sync knows about one provider: data and pure functions, no I/O.
 * The generic delivery (src/push/deliver.ts) drives it:
 * id known → update; no id → create (`create.when: 'no-id'`) or, with `createMissing`, lookup then create;
 * an update answered 404 with `createMissing` → create; a create refused as a conflict → `create.conflict`.
 */
export interface ProviderDefinition<Options extends CommonAdapterOptions = CommonAdapterOptions> {
  /**
   * The provider's id: its key in a config's `providers`, in `providerIds`, in reports and in `--only`. Lower-case
   * letters, digits and `-`, starting with a letter (it is also a path segment of the sandbox).
   */
  id: string;
  /** Human name for messages, e.g. `Acme Billing`. */
  name: string;
  /**
   * The provider's emulation for `customer-sync sandbox`; built-in providers have one; a provider of your own may.
   * Loaded only when the sandbox asks for it, so that using the adapter never loads sandbox code.
   */
  sandbox?: () => Promise<SandboxProvider>;
  /**
   * What `providerIds.<id>` holds: `text` (trimmed, non-empty), or `integer` (a positive integer, given as a number
   * or a string of its decimal digits; a CSV cell is read as a number). @default 'text'
   */
  idType?: ProviderIdType;
  defaultBaseUrl: string;
  /** Default client-side limits; the providers publish none, so these are conservative. */
  defaultRateLimit: { perSecond: number; concurrency: number };
  /** zod shape of the provider's own option keys (credentials, `createMissing`); merged with the common ones. */
  optionsShape: z.ZodRawShape;
  /** Cross-field checks (e.g. `token` or `accountId` + `appSecret`); issues name options, never values. */
  checkOptions?(options: Options): ValidationIssue[];
  /** Every secret value in the options, to redact wherever it could appear. */
  secrets(options: Options): string[];
  auth(options: Options): AuthSpec;
  /** Header carrying an idempotency key on every POST and PUT (e.g. `Idempotency-Key`). */
  idempotencyHeader?: string;
  /** Whether `createMissing` is on (for providers that offer it). */
  createMissing?(options: Options): boolean;

  /**
   * The id to address the customer by when the record names none (a provider that keys customers by the caller's id: `customer.id`). It wins over an
   * id learned from a response: DESIGN §3 addresses these providers by the record's id, not by theirs.
   */
  defaultId?(customer: Customer): string | undefined;
  /** Why the record is skipped when no id is known and no create is allowed. */
  skipReason(customer: Customer): string;

  /** The body an update sends; also what is hashed to detect change. */
  updateBody(customer: Customer): BodyResult;
  updateRequest(providerId: string, body: Record<string, unknown>): RequestSpec;

  create?: {
    /** `no-id`: create whenever no id is known ; `on-missing`: only with `createMissing`. */
    when: 'no-id' | 'on-missing';
    body(customer: Customer): BodyResult;
    /**
     * The create request. `retrySafe` says whether a create whose outcome is unknown may be sent again blindly
     * (a provider that answers a repeat with a conflict); otherwise a lookup must first say the customer is not there (DESIGN §5).
     */
    request(body: Record<string, unknown>): RequestSpec;
    /** How a create refused because the customer may already exist is resolved. */
    conflict?: ConflictRule;
  };

  /**
   * Find the customer by a natural key (an email, an external id), before creating, before
   * replaying a create whose outcome is unknown, and to tell whether a conflict names a customer of ours.
   * Every page is read; only exact matches count.
   */
  lookup?: LookupRule;

  /**
   * The kind of a refused answer when its status alone says otherwise (a provider that answers an unknown id with
   * HTTP 400 "Customer not found": `not_found`). `undefined`: the status decides.
   */
  errorKind?(status: number, body: unknown): ErrorKind | undefined;

  /** Parse a 2xx body with the provider's response schema; throws (a zod error) when it does not parse. */
  parseSuccess(operation: Operation, body: unknown): SuccessInfo;
  /** The provider's own message from an error body, when its shape is known. */
  errorMessage(status: number, body: unknown): string | undefined;
}

/**
 * A create refused because a customer may already exist. Never write over a customer that is not ours
 * (DESIGN §5): the answer is adopted only when it provably names our customer.
 */
export interface ConflictRule {
  /** Whether this refused answer (a 4xx) is such a conflict. */
  matches(status: number, body: unknown): boolean;
  /**
   * `own-id`: the conflict is about the id we created under, which is ours (a provider that keys customers by our id):
   * update it. `lookup`: ours only if the lookup finds exactly one customer that matches exactly and that no
   * other customer of ours is linked to; otherwise the record fails `rejected` and nothing is written.
   */
  resolve: 'own-id' | 'lookup';
  /** Why the create was refused, for the `rejected` message, naming the customer the answer names if any. */
  describe?(body: unknown): string;
}

/** A search at the provider by a natural key, read page by page. */
export interface LookupRule {
  /** The request for one page (1-based). */
  request(customer: Customer, page: number): RequestSpec;
  /**
   * The provider ids on this page that match the customer exactly, and whether another page may follow.
   * Throws when the body does not parse (a lookup that cannot be read must never pass for "not there").
   */
  parse(body: unknown, customer: Customer, page: number): { matches: string[]; more: boolean };
  /** What the lookup matches on, for messages: `email`, `externalId`. */
  key: string;
}
