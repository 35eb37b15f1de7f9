/**
 * How a provider call failed (DESIGN §4). The kind decides what the run does next:
 * - `invalid`: the record cannot be sent to that provider; no request was made.
 * - `auth`: 401/403; the provider is stopped for the rest of the run.
 * - `not_found`: the provider does not know the customer.
 * - `rejected`: any other 4xx; the provider refused the request.
 * - `rate_limited`: 429 after every permitted retry.
 * - `transient`: 5xx, network failure or timeout after every permitted retry.
 * - `unknown_outcome`: a request that is not safe to repeat may have been applied.
 * - `bad_response`: a 2xx whose body does not parse, or a response too large or not JSON.
 */
export const ERROR_KINDS = [
  'invalid',
  'auth',
  'not_found',
  'rejected',
  'rate_limited',
  'transient',
  'unknown_outcome',
  'bad_response',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];
