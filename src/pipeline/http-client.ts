import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { RequestSpec } from '../adapter/definition.js';

export interface HttpClientOptions {
  baseUrl: string;
  /** Per-attempt limit for the whole exchange, first byte to last. */
  timeoutMs: number;
  /** Largest response (and request) body accepted, in bytes. */
  maxResponseBytes: number;
}

/** A response of any status: the pipeline, not axios, decides what a status means. */
export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON; `undefined` when the body is empty or is not JSON. */
  body: unknown;
  /** Size of the body in bytes. */
  rawLength: number;
  /** The body was not empty and did not parse as JSON. */
  jsonError: boolean;
}

/** Codes the pipeline treats specially; others are the system's own (ECONNRESET, EPIPE…). */
/** Largest request body sent: two 10 MiB base64 images (the model's cap) and the rest of a create. */
export const MAX_REQUEST_BYTES = 24 * 1024 * 1024;
export const TIMEOUT = 'ETIMEDOUT';
export const RESPONSE_TOO_LARGE = 'ERR_RESPONSE_TOO_LARGE';
export const REQUEST_TOO_LARGE = 'ERR_REQUEST_TOO_LARGE';

/** Nothing reached the provider: the connection was refused or the host name did not resolve. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', REQUEST_TOO_LARGE]);

const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  [REQUEST_TOO_LARGE]: 'request body larger than the size cap',
};

/**
 * The request failed without a usable response. Carries only a code and a message built here, never the
 * axios error: its config holds the Authorization header.
 */
export class NetworkFailure extends Error {
  override name = 'NetworkFailure' as const;
  constructor(
    readonly code: string,
    /** The provider may have received (and applied) the request. */
    readonly maybeSent: boolean,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

const JSON_TYPE = 'application/json';

/**
 * axios sets TCP keep-alive to 60 s on every request's socket, and the agent sets its own `keepAliveMsecs` each time it
 * takes the socket back: with different values that is two `setsockopt` calls per request (Node skips the call only
 * when the value is unchanged). The same value on both sides makes every call after the first a no-op.
 */
const TCP_KEEPALIVE_MS = 60_000;

const identity = (data: unknown): unknown => data;

/** One axios instance and one pair of keep-alive agents per provider. */
export class HttpClient {
  private readonly axios: AxiosInstance;
  private readonly httpAgent = new http.Agent({ keepAlive: true, keepAliveMsecs: TCP_KEEPALIVE_MS });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, keepAliveMsecs: TCP_KEEPALIVE_MS });
  private readonly baseUrl: string;

  constructor(private readonly options: HttpClientOptions) {
    const url = new URL(options.baseUrl);
    // Credentials travel with every request: plain http only to this machine (sandbox, tests).
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
      throw new TypeError('baseUrl must use https:// unless its host is loopback');
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.axios = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // The provider's URL is configured, never taken from HTTP(S)_PROXY: no environment lookup per request.
      proxy: false,
      // A redirect is returned, never followed: the Authorization header must not travel to another URL.
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [identity],
      transformRequest: [identity],
      maxContentLength: options.maxResponseBytes,
      // Requests carry what we built (a create may hold two 10 MiB identity images): bounded, but not by
      // the response cap.
      maxBodyLength: MAX_REQUEST_BYTES,
      // No `timeout`: axios' own restarts on every byte (and adds a connect timer); ours, per request, bounds the
      // whole exchange. Only POST and PUT carry a body (a bodiless one says so per request).
      headers: { common: { Accept: JSON_TYPE }, post: { 'Content-Type': JSON_TYPE }, put: { 'Content-Type': JSON_TYPE } },
    });
  }

  async request(spec: RequestSpec, headers: Record<string, string>): Promise<HttpResponse> {
    const hasBody = spec.body !== undefined;
    let perRequest: Record<string, string | false> = spec.headers === undefined ? headers : { ...spec.headers, ...headers };
    // `false` drops the instance's Content-Type (it would also drop one the spec names, hence the check).
    if (!hasBody && spec.method !== 'GET' && !Object.keys(perRequest).some((name) => name.toLowerCase() === 'content-type')) {
      perRequest = { ...perRequest, 'Content-Type': false };
    }
    // One timer for the whole exchange, first byte to last: a server that drips a byte a second still times out.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.timeoutMs);
    let response: AxiosResponse<unknown>;
    try {
      response = await this.axios.request<unknown>({
        method: spec.method,
        url: this.url(spec),
        data: hasBody ? JSON.stringify(spec.body) : undefined,
        headers: perRequest,
        signal: deadline.signal,
      });
    } catch (error) {
      throw this.toFailure(error);
    } finally {
      clearTimeout(timer);
    }
    return toResponse(response);
  }

  /** Closes idle keep-alive sockets; in-flight requests fail. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private url(spec: RequestSpec): string {
    const { query } = spec;
    if (query === undefined) return this.baseUrl + spec.path;
    const search = new URLSearchParams(query).toString();
    return search === '' ? this.baseUrl + spec.path : `${this.baseUrl}${spec.path}?${search}`;
  }

  private toFailure(error: unknown): NetworkFailure {
    const message = error instanceof Error ? error.message : '';
    const rawCode = codeOf(error);
    if (message.startsWith('maxContentLength size of')) {
      return new NetworkFailure(RESPONSE_TOO_LARGE, true, `response larger than ${this.options.maxResponseBytes} bytes`);
    }
    if (message.startsWith('Request body larger than maxBodyLength')) {
      return new NetworkFailure(REQUEST_TOO_LARGE, false, `request body larger than ${MAX_REQUEST_BYTES} bytes`);
    }
    if (rawCode === 'ECONNABORTED' || rawCode === 'ETIMEDOUT' || rawCode === 'ERR_CANCELED') {
      return new NetworkFailure(TIMEOUT, true, `no complete answer within ${this.options.timeoutMs} ms`);
    }
    if (rawCode === 'ERR_BAD_RESPONSE') {
      return new NetworkFailure('ECONNRESET', true, 'connection closed before the answer was complete');
    }
    const code = rawCode ?? 'EUNKNOWN';
    const description = DESCRIPTIONS[code] ?? (message === 'socket hang up' ? 'socket hang up' : 'network error');
    return new NetworkFailure(code, !NOT_SENT.has(code), `${description} (${code})`);
  }
}

function codeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 3; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ERR_NETWORK') return code;
    current = current.cause;
  }
  return undefined;
}

function toResponse(response: AxiosResponse<unknown>): HttpResponse {
  const text = typeof response.data === 'string' ? response.data : '';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined || value === null) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  let body: unknown;
  let jsonError = false;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      jsonError = true;
    }
  }
  return { status: response.status, headers, body, rawLength: Buffer.byteLength(text), jsonError };
}
