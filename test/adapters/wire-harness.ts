import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';

export interface WireRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Reads a fixture under `fixtures/`. */
export function fixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(resolve(import.meta.dirname, '../../fixtures', path), 'utf8')) as T;
}

/** No real network in these tests; every interceptor must have been used. */
export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    if (pending.length > 0) throw new Error(`unused interceptors: ${pending.join(', ')}`);
  });
  afterAll(() => nock.enableNetConnect());
}

/**
 * A nock reply callback that logs the request as it was on the wire (method, path with query, headers
 * lower-cased, body parsed) and answers `status` with `body`.
 */
export function answer(log: WireRequest[], status: number, body?: unknown, headers?: Record<string, string>) {
  return function (this: { req: { method: string; path: string; headers: Record<string, string> } }, _uri: string, requestBody: unknown) {
    log.push({
      method: this.req.method,
      path: this.req.path,
      headers: this.req.headers,
      body: requestBody === '' ? undefined : requestBody,
    });
    return [status, body === undefined ? '' : JSON.stringify(body), { 'content-type': 'application/json', ...headers }] as [
      number,
      string,
      Record<string, string>,
    ];
  };
}

/**
 * A nock reply callback for a request that reached the provider and whose answer never came back: it logs the
 * request like `answer` and fails the exchange with a connection reset (the pipeline's `unknown_outcome` for a
 * create).
 */
export function resetAfterSending(log: WireRequest[]) {
  return function (
    this: { req: { method: string; path: string; headers: Record<string, string> } },
    _uri: string,
    requestBody: unknown,
    callback: (err: NodeJS.ErrnoException | null, result: readonly [number]) => void,
  ): void {
    log.push({ method: this.req.method, path: this.req.path, headers: this.req.headers, body: requestBody === '' ? undefined : requestBody });
    callback(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), [0]);
  };
}

/** The headers customer-sync decides (auth, content type, idempotency); transport headers are axios' own. */
export function ourHeaders(headers: Record<string, string>): Record<string, string> {
  const transport = new Set(['host', 'user-agent', 'content-length', 'accept-encoding', 'connection']);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !transport.has(name)));
}

/** Retry policy that keeps the suite fast while still exercising every retry. */
export const FAST_RETRY = { retries: 2, minDelayMs: 1, maxDelayMs: 2 } as const;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A limiter loose enough not to slow the suite; the limiter's own behaviour is tested in test/pipeline. */
export const FAST_LIMIT = { perSecond: 1000, concurrency: 4 } as const;
