import type { ReplyFnContext, ReplyHeaders } from 'nock';
import type { AuthSpec } from '../../src/adapter/definition.js';
import { SyncEvents, type SyncEventMap } from '../../src/events.js';
import { ProviderPipeline } from '../../src/pipeline/pipeline.js';
import { DEFAULT_RETRY } from '../../src/pipeline/retry-decision.js';
import type { PipelineConfig, PipelineHooks } from '../../src/pipeline/types.js';

export const BASE = 'https://api.example.test';
export const TOKEN = 'static-token-5f2b9c1e';
export const SECRET = 'app-secret-9d8c7b6a';

/** Headers the pipeline sets or must not set; anything else (host, user-agent…) is axios' business. */
const RECORDED_HEADERS = ['accept', 'authorization', 'content-type', 'idempotency-key'] as const;

export interface LoggedRequest {
  method: string;
  path: string;
  headers: Partial<Record<(typeof RECORDED_HEADERS)[number], string>>;
  body: unknown;
  at: number;
}

export const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { Authorization: `Bearer ${token}` };

export const staticAuth: AuthSpec = { token: TOKEN, headers: bearer };

function messageOf(_status: number, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('message' in body)) return undefined;
  return typeof body.message === 'string' ? body.message : undefined;
}

export function makeConfig(overrides: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    provider: 'yativo',
    name: 'Yativo',
    baseUrl: BASE,
    timeoutMs: 2_000,
    maxResponseBytes: 64 * 1024,
    rateLimit: { perSecond: 1_000, concurrency: 10 },
    retry: { ...DEFAULT_RETRY },
    auth: staticAuth,
    idempotencyHeader: 'Idempotency-Key',
    secrets: [TOKEN, SECRET],
    errorMessage: messageOf,
    ...overrides,
  };
}

/** A pipeline whose waits (retry sleeps, provider pauses) cost no time and are recorded, with every event collected. */
export function makePipeline(overrides: Partial<PipelineConfig> = {}, hooks: PipelineHooks = {}) {
  const events = new SyncEvents();
  const sleeps: number[] = [];
  const pauses: number[] = [];
  const emitted: { [K in keyof SyncEventMap]: SyncEventMap[K][0][] } = {
    request: [],
    response: [],
    retry: [],
    rateLimit: [],
    rateAdjusted: [],
    result: [],
  };
  events.on('request', (e) => emitted.request.push(e));
  events.on('retry', (e) => emitted.retry.push(e));
  events.on('rateLimit', (e) => emitted.rateLimit.push(e));
  events.on('rateAdjusted', (e) => emitted.rateAdjusted.push(e));
  const pipeline = new ProviderPipeline(makeConfig(overrides), events, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    pause: async (ms) => {
      pauses.push(ms);
    },
    random: () => 0.5,
    ...hooks,
  });
  return { pipeline, events, sleeps, pauses, emitted };
}

/** Records every request a nock interceptor answers, then answers with `status`, `body` and `headers`. */
export function recorder() {
  const log: LoggedRequest[] = [];
  const reply =
    (status: number, body?: unknown, headers?: ReplyHeaders) =>
    function (this: ReplyFnContext, uri: string, requestBody: unknown): [number, string, ReplyHeaders] {
      const recorded: LoggedRequest['headers'] = {};
      for (const name of RECORDED_HEADERS) {
        const value = this.req.headers[name];
        if (value !== undefined) recorded[name] = value;
      }
      log.push({ method: this.req.method ?? '', path: uri, headers: recorded, body: requestBody === '' ? undefined : requestBody, at: Date.now() });
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      return [status, text, { 'Content-Type': 'application/json', ...headers }];
    };
  return { log, reply };
}

/** Headers of a JSON request carrying the static token. */
export const jsonHeaders = (extra: Record<string, string> = {}) => ({
  accept: 'application/json',
  authorization: `Bearer ${TOKEN}`,
  'content-type': 'application/json',
  ...extra,
});
