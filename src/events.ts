import { EventEmitter } from 'node:events';
import type { ErrorKind } from './errors/kinds.js';
import type { HttpMethod } from './adapter/definition.js';
import type { ProviderId } from './provider-id.js';
import type { ProviderOutcome } from './push/outcome.js';

/** A request is about to go on the wire (after the limiter let it through). */
export interface RequestEvent {
  provider: ProviderId;
  customerId: string | undefined;
  method: HttpMethod;
  /** Path below the base URL; ids are the provider's, never credentials. */
  path: string;
  /** 1 for the first attempt. */
  attempt: number;
}

/**
 * An attempt's answer came back (any status), or the request failed without one. Emitted only while something
 * listens: timing every request would cost the hot path of a pipeline nobody measures.
 */
export interface ResponseEvent {
  provider: ProviderId;
  customerId: string | undefined;
  method: HttpMethod;
  path: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The HTTP status; undefined when no answer came (connection refused or reset, timeout). */
  status: number | undefined;
  /** From the request leaving (after the limiter) to its answer read in full, or to its failure. */
  durationMs: number;
}

/** An attempt failed and will be tried again after `delayMs`. */
export interface RetryEvent {
  provider: ProviderId;
  customerId: string | undefined;
  method: HttpMethod;
  path: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  kind: ErrorKind;
  status: number | undefined;
}

/** A 429 paused every request to the provider. */
export interface RateLimitEvent {
  provider: ProviderId;
  waitMs: number;
}

/**
 * A 429 lowered the rate requests to the provider are spaced at, or a quiet period raised it back toward the
 * configured `rateLimit.perSecond` (never above it).
 */
export interface RateAdjustedEvent {
  provider: ProviderId;
  perSecond: number;
}

/** One provider's outcome for one customer. */
export interface ResultEvent {
  customerId: string;
  provider: ProviderId;
  outcome: ProviderOutcome;
}

export interface SyncEventMap {
  request: [RequestEvent];
  response: [ResponseEvent];
  retry: [RetryEvent];
  rateLimit: [RateLimitEvent];
  rateAdjusted: [RateAdjustedEvent];
  result: [ResultEvent];
}

/** The library never writes to the console: it emits these, and the CLI (or the user) listens. */
export class SyncEvents extends EventEmitter<SyncEventMap> {}
