import type { RetryOptions } from '../adapter/definition.js';
import type { CustomerSyncError } from '../errors/customer-sync-error.js';
import type { ErrorKind } from '../errors/kinds.js';
import { buildError, statusCause, type ErrorContext } from './errors.js';
import type { AttemptFailureInfo } from './retry-decision.js';

export type Phase = 'request' | 'token';

/**
 * An attempt failed in a way the retry decision may repeat (429, 408, 5xx, network). Internal: it never
 * leaves the pipeline; `finalError` turns it into the typed error the caller sees.
 */
export class AttemptFailure extends Error {
  override name = 'AttemptFailure' as const;
  constructor(
    readonly info: AttemptFailureInfo,
    /** For the token phase always true: the customer request itself was not sent. */
    readonly retrySafe: boolean,
    readonly phase: Phase,
    /** Safe description of a network failure, e.g. `connection reset (ECONNRESET)`. */
    detail: string,
    readonly body?: unknown,
  ) {
    super(detail);
  }

  get status(): number | undefined {
    return 'status' in this.info ? this.info.status : undefined;
  }

  /** The kind this failure has while it is still being retried (the `retry` event's `kind`). */
  get retryKind(): ErrorKind {
    return this.status === 429 ? 'rate_limited' : 'transient';
  }
}

/** Why a token exchange failed; each waiting send turns it into its own error with its own customer id. */
export class TokenFailure extends Error {
  override name = 'TokenFailure' as const;
  constructor(
    readonly outcome: 'retry' | 'auth' | 'bad_response',
    detail: string,
    readonly info?: AttemptFailureInfo,
    readonly body?: unknown,
  ) {
    super(detail);
  }

  get status(): number | undefined {
    return this.info && 'status' in this.info ? this.info.status : undefined;
  }
}

/** The typed error for an attempt failure that will not be retried (retries spent, unsafe, or too long a wait). */
export function finalError(
  failure: AttemptFailure,
  attempts: number,
  policy: Required<RetryOptions>,
  context: ErrorContext,
): CustomerSyncError {
  const prefix = failure.phase === 'token' ? 'token exchange: ' : '';
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  const { info } = failure;

  if ('network' in info) {
    const cause = { name: 'NetworkFailure', code: info.network.code, message: failure.message };
    if (info.network.maybeSent && !failure.retrySafe) {
      const summary = `${prefix}${failure.message}; the request may have been applied and is not safe to repeat`;
      return buildError('unknown_outcome', summary, context, { cause });
    }
    return buildError('transient', `${prefix}${failure.message} after ${tries}`, context, { cause });
  }

  const { status, retryAfterMs } = info;
  const facts = { status, body: failure.body, cause: statusCause(status) };
  if (status !== 429 && !failure.retrySafe) {
    const summary = `${prefix}HTTP ${status} to a request that is not safe to repeat; it may have been applied`;
    return buildError('unknown_outcome', summary, context, facts);
  }
  const kind: ErrorKind = status === 429 ? 'rate_limited' : 'transient';
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
    const wait = Math.ceil(retryAfterMs / 1000);
    const summary = `${prefix}HTTP ${status} asking to wait ${wait} s, longer than maxRetryAfterMs (${policy.maxRetryAfterMs} ms)`;
    return buildError(kind, summary, context, facts);
  }
  return buildError(kind, `${prefix}HTTP ${status} after ${tries}`, context, facts);
}
