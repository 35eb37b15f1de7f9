import type { ErrorKind } from './kinds.js';
import { CustomerSyncError, type ErrorDetails } from './customer-sync-error.js';

/** The record cannot be sent to this provider (a field the provider requires is missing); nothing was sent. */
export class InvalidForProviderError extends CustomerSyncError {
  override name = 'InvalidForProviderError' as const;
  constructor(message: string, details?: ErrorDetails) {
    super('invalid', message, details);
  }
}

/** The provider refused the credentials (401/403); no more requests go to it in this run. */
export class AuthError extends CustomerSyncError {
  override name = 'AuthError' as const;
  constructor(message: string, details?: ErrorDetails) {
    super('auth', message, details);
  }
}

/** The provider does not know the customer (404). */
export class NotFoundError extends CustomerSyncError {
  override name = 'NotFoundError' as const;
  constructor(message: string, details?: ErrorDetails) {
    super('not_found', message, details);
  }
}

/** The provider refused the request (a 4xx other than 401, 403, 404 and 429). */
export class RejectedError extends CustomerSyncError {
  override name = 'RejectedError' as const;
  constructor(message: string, details?: ErrorDetails) {
    super('rejected', message, details);
  }
}

/** The provider kept answering 429 after every permitted retry. */
export class RateLimitedError extends CustomerSyncError {
  override name = 'RateLimitedError' as const;
  constructor(message: string, details?: ErrorDetails) {
    super('rate_limited', message, details);
  }
}

/** 5xx, network failure or timeout, after every permitted retry. */
export class TransientError extends CustomerSyncError {
  override name = 'TransientError' as const;
  constructor(message: string, details?: ErrorDetails) {
    super('transient', message, details);
  }
}

/** A request that is not safe to repeat may have been applied; it is not sent again until resolved. */
export class UnknownOutcomeError extends CustomerSyncError {
  override name = 'UnknownOutcomeError' as const;
  constructor(message: string, details?: ErrorDetails) {
    super('unknown_outcome', message, details);
  }
}

/** A 2xx whose body does not parse, a non-JSON answer, or one larger than the size cap. */
export class BadResponseError extends CustomerSyncError {
  override name = 'BadResponseError' as const;
  constructor(message: string, details?: ErrorDetails) {
    super('bad_response', message, details);
  }
}

const BY_KIND = {
  invalid: InvalidForProviderError,
  auth: AuthError,
  not_found: NotFoundError,
  rejected: RejectedError,
  rate_limited: RateLimitedError,
  transient: TransientError,
  unknown_outcome: UnknownOutcomeError,
  bad_response: BadResponseError,
} satisfies Record<ErrorKind, new (message: string, details?: ErrorDetails) => CustomerSyncError>;

/** The one place an error kind becomes its class. */
export function providerError(kind: ErrorKind, message: string, details?: ErrorDetails): CustomerSyncError {
  return new BY_KIND[kind](message, details);
}
