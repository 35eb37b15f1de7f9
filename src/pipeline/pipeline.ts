import pRetry, { AbortError } from 'p-retry';
import type { RequestSpec } from '../adapter/definition.js';
import { CustomerSyncError } from '../errors/customer-sync-error.js';
import type { SyncEvents } from '../events.js';
import { classifyResponse, classifyThrown, unexpectedError } from './classify.js';
import { buildError, errorForResponse, statusCause, type ErrorContext } from './errors.js';
import { AttemptFailure, finalError, TokenFailure } from './failures.js';
import { HttpClient, type HttpResponse } from './http-client.js';
import { ProviderGate } from './provider-gate.js';
import { decideRetry } from './retry-decision.js';
import { TokenCache } from './token-cache.js';
import { exchangeToken } from './token-exchange.js';
import type { PipelineConfig, PipelineHooks, PipelineResponse, SendContext } from './types.js';

export { errorForResponse, type ErrorContext } from './errors.js';
export type { PipelineConfig, PipelineHooks, PipelineResponse, SendContext } from './types.js';

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What p-retry makes of a thrown value that is not an Error. */
function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new TypeError(`Non-error was thrown: "${String(thrown)}". You should only throw errors.`);
}

/**
 * Everything between a request spec and a final response for one provider: rate limit, auth, timeout,
 * retries, typed and redacted errors (DESIGN §4). The caller interprets 2xx and the 4xx it owns.
 */
export class ProviderPipeline {
  private readonly http: HttpClient;
  private readonly gate: ProviderGate;
  private readonly tokens: TokenCache | undefined;
  private readonly obtainedTokens = new Set<string>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: (() => number) | undefined;
  /** Set by the first auth failure; from then on nothing is sent to this provider. */
  private halted: { status: number | undefined; providerMessage: string | undefined } | undefined;

  constructor(
    private readonly config: PipelineConfig,
    private readonly events: SyncEvents,
    hooks: PipelineHooks = {},
  ) {
    this.sleep = hooks.sleep ?? defaultSleep;
    this.now = hooks.now ?? Date.now;
    this.random = hooks.random;
    this.http = new HttpClient(config);
    const onRateAdjusted = (perSecond: number) => events.emit('rateAdjusted', { provider: config.provider, perSecond });
    this.gate = new ProviderGate(
      { ...config.rateLimit, shared: config.shared, onRateAdjusted },
      { now: this.now, sleep: hooks.pause ?? hooks.sleep, departures: hooks.departures },
    );
    const { token, exchange } = config.auth;
    if (token === undefined && exchange) {
      // The exchange is a request to the provider like any other: it takes its own turn at the gate, so a token
      // fetch and the request waiting for it never leave closer together than the spacing.
      const fetchToken = async () => {
        const fetched = await this.gate.schedule(() => exchangeToken(this.http, exchange, this.now));
        this.obtainedTokens.add(fetched.token);
        return fetched;
      };
      this.tokens = new TokenCache(fetchToken, { now: this.now });
    }
  }

  /** Sends `spec`, retrying what is safe; resolves with a 2xx or a 4xx the caller maps, rejects with a typed error. */
  async send(spec: RequestSpec, ctx: SendContext = {}): Promise<PipelineResponse> {
    if (this.halted) throw this.haltedError(spec, ctx);
    try {
      // The first attempt runs outside p-retry, which only the requests that fail need: setting it up costs as much
      // as a share of a cheap request. Its failure is handled as p-retry handles one (an AbortError ends the send
      // with the error inside, anything else goes to beforeRetry), and p-retry takes the attempts after it.
      try {
        return await this.attempt(spec, ctx, 1);
      } catch (error) {
        if (error instanceof AbortError) throw error.originalError;
        await this.beforeRetry(asError(error), 1, spec, ctx);
      }
      return await pRetry((attempt) => this.attempt(spec, ctx, attempt + 1), {
        retries: this.config.retry.retries - 1,
        // p-retry counts attempts; the waiting is ours, from decideRetry, in onFailedAttempt.
        minTimeout: 0,
        maxTimeout: 0,
        randomize: false,
        onFailedAttempt: ({ error, attemptNumber }) => this.beforeRetry(error, attemptNumber + 1, spec, ctx),
      });
    } catch (error) {
      if (error instanceof CustomerSyncError) throw error;
      const context = this.context(spec, ctx);
      if (error instanceof AttemptFailure) throw finalError(error, this.config.retry.retries + 1, this.config.retry, context);
      throw unexpectedError(error, context);
    }
  }

  /** The typed error for a response `send` returned, redacting this pipeline's secrets and exchanged tokens. */
  errorForResponse(
    status: number,
    body: unknown,
    ctx: SendContext & { request?: RequestSpec | undefined } = {},
    summary?: string,
  ): CustomerSyncError {
    return errorForResponse(status, body, this.context(ctx.request, ctx), summary);
  }

  /** Drops queued requests, waits for running ones, closes keep-alive sockets. */
  async close(): Promise<void> {
    await this.gate.stop();
    this.http.close();
  }

  private async attempt(spec: RequestSpec, ctx: SendContext, attempt: number): Promise<PipelineResponse> {
    let sent = await this.sendOnce(spec, ctx, attempt);
    let refreshed = false;
    if (sent.response.status === 401 && this.tokens && sent.token !== undefined) {
      // The token may have expired early or been revoked: one refresh and one resend, not counted as a retry.
      this.tokens.invalidate(sent.token);
      sent = await this.sendOnce(spec, ctx, attempt);
      refreshed = true;
    }
    const { status, body } = sent.response;
    if (status === 401 || status === 403) {
      const summary = `refused the credentials (HTTP ${status}${refreshed ? ' with a fresh token' : ''})`;
      throw this.halt(summary, status, body, spec, ctx);
    }
    return classifyResponse(sent.response, spec.retrySafe, () => this.context(spec, ctx), this.now);
  }

  /** One request on the wire, through the limiter, with fresh auth headers. */
  private async sendOnce(
    spec: RequestSpec,
    ctx: SendContext,
    attempt: number,
  ): Promise<{ response: HttpResponse; token: string | undefined }> {
    try {
      if (this.halted) throw new AbortError(this.haltedError(spec, ctx));
      // The token first, outside the request's own turn (its exchange takes a turn of its own).
      const token = this.tokens ? await this.tokens.get() : this.config.auth.token;
      return await this.gate.schedule(async () => {
        // Queued before the provider was halted: still sends nothing.
        if (this.halted) throw new AbortError(this.haltedError(spec, ctx));
        const headers = { ...this.config.auth.headers(token) };
        const { idempotencyHeader, provider } = this.config;
        if (idempotencyHeader && ctx.idempotencyKey !== undefined && (spec.method === 'POST' || spec.method === 'PUT')) {
          headers[idempotencyHeader] = ctx.idempotencyKey;
        }
        this.events.emit('request', { provider, customerId: ctx.customerId, method: spec.method, path: spec.path, attempt });
        if (ctx.stats) ctx.stats.requests += 1;
        // Timed only for a listener (metrics): two clock reads and an event a request are the hot path's to save.
        if (this.events.listenerCount('response') === 0) return { response: await this.http.request(spec, headers), token };
        return { response: await this.timedRequest(spec, headers, ctx, attempt), token };
      });
    } catch (error) {
      if (error instanceof TokenFailure && error.outcome === 'auth') {
        throw this.halt(`token exchange ${error.message}`, error.status, error.body, spec, ctx);
      }
      throw classifyThrown(error, spec.retrySafe, this.context(spec, ctx));
    }
  }

  /** `http.request`, with a `response` event saying how long it took and how it ended. */
  private async timedRequest(spec: RequestSpec, headers: Record<string, string>, ctx: SendContext, attempt: number): Promise<HttpResponse> {
    const started = performance.now();
    let status: number | undefined;
    try {
      const response = await this.http.request(spec, headers);
      status = response.status;
      return response;
    } finally {
      const { provider } = this.config;
      const durationMs = performance.now() - started;
      this.events.emit('response', { provider, customerId: ctx.customerId, method: spec.method, path: spec.path, attempt, status, durationMs });
    }
  }

  /** Awaited by p-retry after every failed attempt: stop with the final error, or wait and go again. */
  private async beforeRetry(error: Error, attempt: number, spec: RequestSpec, ctx: SendContext): Promise<void> {
    if (!(error instanceof AttemptFailure)) throw unexpectedError(error, this.context(spec, ctx));
    const policy = this.config.retry;
    const decision = decideRetry(error.info, { attempt, retrySafe: error.retrySafe, policy, random: this.random });
    // Too fast whether or not this request is tried again: the ones behind it would be refused too.
    if (error.status === 429) this.gate.slowDown(decision.retry ? decision.delayMs : 0);
    if (!decision.retry) throw finalError(error, attempt, policy, this.context(spec, ctx));

    const { provider } = this.config;
    const { delayMs } = decision;
    if (error.status === 429) {
      // The provider counts all our requests, not only this one: everything to it waits.
      this.gate.pauseFor(delayMs);
      this.events.emit('rateLimit', { provider, waitMs: delayMs });
    }
    const { method, path } = spec;
    const { customerId } = ctx;
    this.events.emit('retry', { provider, customerId, method, path, attempt, delayMs, kind: error.retryKind, status: error.status });
    if (ctx.stats) ctx.stats.retries += 1;
    await this.sleep(delayMs);
  }

  private halt(summary: string, status: number | undefined, body: unknown, spec: RequestSpec, ctx: SendContext): AbortError {
    const cause = status === undefined ? undefined : statusCause(status);
    const error = buildError('auth', summary, this.context(spec, ctx), { status, body, cause });
    this.halted ??= { status, providerMessage: error.providerMessage };
    return new AbortError(error);
  }

  private haltedError(spec: RequestSpec, ctx: SendContext): CustomerSyncError {
    const status = this.halted?.status;
    const summary = 'not sent: the provider refused the credentials earlier in this run';
    const cause = status === undefined ? undefined : statusCause(status);
    const providerMessage = this.halted?.providerMessage;
    return buildError('auth', summary, this.context(spec, ctx), { status, providerMessage, cause });
  }

  private context(spec: RequestSpec | undefined, ctx: SendContext): ErrorContext {
    const { provider, name, secrets, auth } = this.config;
    return {
      provider,
      name,
      customerId: ctx.customerId,
      secrets: [...secrets, ...(auth.token === undefined ? [] : [auth.token]), ...this.obtainedTokens],
      errorMessage: (status, body) => this.config.errorMessage(status, body),
      errorKind: this.config.errorKind,
      request: spec && { method: spec.method, path: spec.path },
      personal: ctx.personal,
    };
  }
}
