import type { RetryOptions } from '../adapter/definition.js';

/** The retry policy used when neither the call, the adapter nor the config sets one (DESIGN §6 config). */
export const DEFAULT_RETRY: Readonly<Required<RetryOptions>> = Object.freeze({
  retries: 5,
  minDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
});

/** How one attempt failed, as far as retrying is concerned. */
export type AttemptFailureInfo =
  | { status: number; retryAfterMs?: number | undefined }
  | {
      network: {
        code?: string | undefined;
        /** `false` only when nothing can have reached the provider (connection refused, DNS failure). */
        maybeSent: boolean;
      };
    };

export interface RetryDecisionContext {
  /** The attempt that failed, 1-based. */
  attempt: number;
  /** The request may be sent again even when it may already have been applied (DESIGN §5). */
  retrySafe: boolean;
  policy: Required<RetryOptions>;
  /** Source of jitter in [0, 1); injected by tests for exact delays. @default Math.random */
  random?: (() => number) | undefined;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

const STOP: RetryDecision = { retry: false };

/**
 * Exponential backoff with equal jitter: half of the step is fixed so delays still grow, half is random so
 * many clients failing together do not retry in lockstep. Result in [step/2, step).
 */
export function backoffDelay(attempt: number, policy: Required<RetryOptions>, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const step = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** exponent);
  const half = step / 2;
  return Math.floor(half + random() * half);
}

/**
 * The one place that decides whether a failed attempt is tried again and after how long. Pure: the same
 * input always gives the same answer when `random` is injected.
 */
export function decideRetry(failure: AttemptFailureInfo, context: RetryDecisionContext): RetryDecision {
  const { attempt, retrySafe, policy } = context;
  if (attempt > policy.retries) return STOP;
  const backoff = (): number => backoffDelay(attempt, policy, context.random);

  if ('network' in failure) {
    // Nothing reached the provider when the connection was refused or the name did not resolve, so even a
    // create that must never be duplicated can be sent again.
    if (!failure.network.maybeSent || retrySafe) return { retry: true, delayMs: backoff() };
    return STOP;
  }

  const { status, retryAfterMs } = failure;
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return STOP;

  if (status === 429) {
    // A 429 means the provider did not process the request: safe to repeat whatever the method.
    return { retry: true, delayMs: retryAfterMs ?? backoff() };
  }
  if (status === 408 || (status >= 500 && status <= 599)) {
    if (!retrySafe) return STOP;
    return { retry: true, delayMs: Math.max(backoff(), retryAfterMs ?? 0) };
  }
  return STOP;
}
