import type { ErrorKind } from '../errors/kinds.js';
import type Bottleneck from 'bottleneck';
import type { AuthSpec, RetryOptions } from '../adapter/definition.js';
import type { ProviderId } from '../provider-id.js';
import type { DepartureClock } from './departures.js';

/** One provider's settings, resolved (defaults merged) before the pipeline is built. */
export interface PipelineConfig {
  provider: ProviderId;
  name: string;
  baseUrl: string;
  timeoutMs: number;
  maxResponseBytes: number;
  rateLimit: { perSecond: number; concurrency: number };
  retry: Required<RetryOptions>;
  auth: AuthSpec;
  /** Header carrying `idempotencyKey` on every POST and PUT. */
  idempotencyHeader?: string | undefined;
  /** Every configured secret value, redacted from every error. */
  secrets: string[];
  errorMessage(status: number, body: unknown): string | undefined;
  /** The adapter's kind for a refused answer whose status alone misleads; `undefined`: the status decides. */
  errorKind?: ((status: number, body: unknown) => ErrorKind | undefined) | undefined;
  /** Share the rate limit and its 429 pauses with other processes through Redis. */
  shared?: { connection: Bottleneck.IORedisConnection; id: string } | undefined;
}

/** Seams for tests: time and randomness. */
export interface PipelineHooks {
  /** Waits before a retry. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Waits out a provider-wide pause after a 429. @default `sleep` when injected, else an unref'd timer */
  pause?: (ms: number) => Promise<void>;
  /** @default Date.now */
  now?: () => number;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
  /** What the gate measures and waits departures on. @default `performance.now()` and timers (departures.ts) */
  departures?: DepartureClock;
}

export interface SendContext {
  customerId?: string | undefined;
  /** Sent unchanged on every attempt of a POST or PUT when the provider takes idempotency keys (DESIGN §5). */
  idempotencyKey?: string | undefined;
  /** Incremented in place: requests on the wire and retries. */
  stats?: { requests: number; retries: number } | undefined;
  /** The customer's values an error must not quote (read only when an error is built). */
  personal?: (() => Iterable<string>) | undefined;
}

export interface PipelineResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}
