import type { z } from 'zod';
import type { Customer, ValidationIssue } from '../model/types.js';
import type { ProviderId } from '../providers.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT';
export type Operation = 'create' | 'update';

/** One HTTP request, relative to the adapter's `baseUrl`. Pure data: a dry run prints it, a hash reads it. */
export interface RequestSpec {
  method: HttpMethod;
  /** Path below `baseUrl`, starting with `/`; every dynamic segment passed through `encodeURIComponent`. */
  path: string;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
  /** Extra headers this request needs beyond the auth headers (e.g. Fatora's `api_key` on the token exchange). */
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
 * an update answered 404 with `createMissing` → create; a create answered 409 → `create.onConflict`.
 */
export interface ProviderDefinition<Options extends CommonAdapterOptions = CommonAdapterOptions> {
  id: ProviderId;
  /** Human name for messages, e.g. `Invisible Collector`. */
  name: string;
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
  /** Header carrying an idempotency key on every POST and PUT (Yativo: `Idempotency-Key`). */
  idempotencyHeader?: string;
  /** Whether `createMissing` is on (for providers that offer it). */
  createMissing?(options: Options): boolean;

  /**
   * The id to address the customer by when the record names none (BlueTape, IC: `customer.id`). It wins over an
   * id learned from a response: DESIGN §3 addresses these providers by the record's id, not by theirs.
   */
  defaultId?(customer: Customer): string | undefined;
  /** Why the record is skipped when no id is known and no create is allowed. */
  skipReason(customer: Customer): string;

  /** The body an update sends; also what is hashed to detect change. */
  updateBody(customer: Customer): BodyResult;
  updateRequest(providerId: string, body: Record<string, unknown>): RequestSpec;

  create?: {
    /** `no-id`: create whenever no id is known (Yativo); `on-missing`: only with `createMissing`. */
    when: 'no-id' | 'on-missing';
    body(customer: Customer): BodyResult;
    request(body: Record<string, unknown>): RequestSpec;
    /** A create answered 409: the id to update instead (`undefined`: update the id the create used). */
    onConflict?(customer: Customer, body: unknown): { updateId: string | undefined };
  };

  /** Find the customer by a natural key (Fatora: email; IC: externalId) before creating. */
  lookup?: {
    request(customer: Customer): RequestSpec;
    /** The provider id found, `undefined` when none matches; throws on a body that does not parse. */
    parse(body: unknown, customer: Customer): string | undefined;
  };

  /** Parse a 2xx body with the provider's response schema; throws (a zod error) when it does not parse. */
  parseSuccess(operation: Operation, body: unknown): SuccessInfo;
  /** The provider's own message from an error body, when its shape is known. */
  errorMessage(status: number, body: unknown): string | undefined;
}
