import type { IdSource } from './ids.js';
import type { SavedState } from './state.js';

/**
 * Request headers as node:http gives them (its `IncomingHttpHeaders` is assignable to this): lower-case names, a
 * repeated header's values joined, `set-cookie` an array. Declared here, not taken from node:http, so that the
 * package's types compile without @types/node.
 */
export interface RequestHeaders {
  [name: string]: string | string[] | undefined;
  authorization?: string | undefined;
}

/** One request as an emulation sees it: path parameters decoded, body parsed. */
export interface SandboxRequest {
  method: string;
  /** Below the provider's base path, as sent (not decoded), without the query string. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: RequestHeaders;
  /** Parsed JSON; `undefined` when the body is empty. */
  body: unknown;
}

/** An answer: `body` is sent as JSON, `raw` as it is (with a JSON content type, for bad-body faults). */
export interface Reply {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT';
  /** Below the provider's base path, e.g. `/customer/:id`. */
  path: string;
  /** Needs no credentials (the token exchanges). */
  public?: boolean;
  handle(req: SandboxRequest): Reply;
}

/** One provider's emulation: its routes, its credentials check, its error shape and what it keeps. */
export interface Emulation<Stored extends object = object> {
  readonly routes: readonly Route[];
  /** `undefined` when the request carries valid credentials, else the provider's refusal. */
  authenticate(req: SandboxRequest): Reply | undefined;
  /** An error body in the provider's own shape, for routing errors, bad JSON, faults and 429s. */
  errorBody(status: number, message: string): unknown;
  /**
   * The body of the 400 answered to a POST/PUT body that is not JSON, where the provider words it its own way;
   * `undefined` (or no such method): `errorBody(400, …)`.
   */
  invalidJsonBody?(): unknown;
  /** Copies, in creation order. */
  customers(): Stored[];
  /**
   * What must outlive a restart (customers, id counters, idempotency keys; not tokens), as plain JSON. Not a
   * copy: serialize it before the next request runs.
   */
  save(): SavedState;
  /** Takes over a `save()` on a fresh emulation; throws a `StateError` naming the first bad field. */
  load(state: SavedState): void;
}

/** What the sandbox gives an emulation it creates. */
export interface EmulationContext<Credentials, Published = unknown> {
  /** The credentials in force: the provider's defaults with the options' overrides. */
  credentials: Credentials;
  ids: IdSource;
  /** The provider's base URL (known once the server listens). */
  baseUrl(): string;
  /**
   * Lifetime of the tokens it issues, when the options set one (`tokenTtlSeconds`); `undefined`: the provider's
   * own lifetime.
   */
  tokenTtlSeconds: number | undefined;
  /** The sandbox's behaviour, read per request: it may change at run time. */
  behaviour: ProviderBehaviour<Published>;
}

/** The behaviour in force, as one provider sees it. */
export interface ProviderBehaviour<Published = unknown> {
  /** Follow the provider's published code rather than its pages. */
  readonly published: boolean;
  /** Its own settings of the published behaviour (`SandboxProvider.published`), fresh at every change of behaviour. */
  readonly settings: Published;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, body } : { status, body, headers };
}

/** The bearer token of an `Authorization: Bearer …` header (scheme case-insensitive), else `undefined`. */
export function bearerToken(headers: RequestHeaders): string | undefined {
  const value = headers.authorization;
  if (value === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

/** A single header's value (the first, when repeated). */
export function header(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Tokens issued by an exchange, each with its expiry (`Date.now()` ms). */
export class TokenStore {
  readonly #expiries = new Map<string, number>();

  issue(token: string, ttlSeconds: number): void {
    this.#expiries.set(token, Date.now() + ttlSeconds * 1000);
  }

  valid(token: string): boolean {
    const expiry = this.#expiries.get(token);
    if (expiry === undefined) return false;
    if (expiry > Date.now()) return true;
    this.#expiries.delete(token);
    return false;
  }
}

/** Values by a key that many may share, in the order they were added: lookups that stay fast as customers pile up. */
export class MultiMap<K, V> {
  readonly #lists = new Map<K, V[]>();

  add(key: K, value: V): void {
    const list = this.#lists.get(key);
    if (list === undefined) this.#lists.set(key, [value]);
    else list.push(value);
  }

  remove(key: K, value: V): void {
    const list = this.#lists.get(key);
    if (list === undefined) return;
    const at = list.indexOf(value);
    if (at !== -1) list.splice(at, 1);
    if (list.length === 0) this.#lists.delete(key);
  }

  /** Moves `value` from one key to another; `null` stands for "not indexed". */
  move(from: K | null, to: K | null, value: V): void {
    if (from === to) return;
    if (from !== null) this.remove(from, value);
    if (to !== null) this.add(to, value);
  }

  first(key: K): V | undefined {
    return this.#lists.get(key)?.[0];
  }

  all(key: K): readonly V[] {
    return this.#lists.get(key) ?? [];
  }
}
