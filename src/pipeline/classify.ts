import { AbortError } from 'p-retry';
import type { CustomerSyncError, SafeCause } from '../errors/customer-sync-error.js';
import { buildError, statusCause, type ErrorContext } from './errors.js';
import { AttemptFailure, TokenFailure } from './failures.js';
import { NetworkFailure, REQUEST_TOO_LARGE, RESPONSE_TOO_LARGE, type HttpResponse } from './http-client.js';
import { GateStoppedError } from './provider-gate.js';
import { parseRetryAfter } from './retry-after.js';
import type { PipelineResponse } from './types.js';

/**
 * What one response (401/403 aside, which the pipeline handles) means: resolved for a 2xx or a 4xx the
 * caller maps; AttemptFailure for what the retry decision may repeat; AbortError (final) for the rest.
 */
/** `application/json`, `application/problem+json`, `text/json`…, with any parameters. */
const JSON_TYPE = /^\s*[\w.-]+\/([\w.-]+\+)?json\s*(;|$)/i;

/** `context` and `now` are read only for a response that fails: a 2xx, the common case, builds neither. */
export function classifyResponse(
  response: HttpResponse,
  retrySafe: boolean,
  context: () => ErrorContext,
  now: () => number,
): PipelineResponse {
  const { status, body, headers } = response;
  if (status >= 200 && status <= 299) {
    if (response.jsonError) throw abortWith('bad_response', `answered HTTP ${status} with a body that is not JSON`, context(), status);
    // JSON only (DESIGN §4): a body labelled as something else (an HTML page from a proxy) is not the provider's
    // answer, even if it happens to parse. A missing label is tolerated: the body itself was checked.
    const type = headers['content-type'];
    if (body !== undefined && type !== undefined && !JSON_TYPE.test(type)) {
      throw abortWith('bad_response', `answered HTTP ${status} with a ${type.split(';')[0]} body, not JSON`, context(), status);
    }
    return { status, body, headers };
  }
  if (status === 429 || status === 408 || (status >= 500 && status <= 599)) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], now());
    throw new AttemptFailure({ status, retryAfterMs }, retrySafe, 'request', `HTTP ${status}`, body);
  }
  if (status >= 400 && status <= 499) return { status, body, headers };
  if (status >= 300 && status <= 399) throw abortWith('bad_response', `redirect not followed (HTTP ${status})`, context(), status);
  throw abortWith('bad_response', `unexpected HTTP status ${status}`, context(), status);
}

/** What an error thrown while sending means; TokenFailure 'auth' is the pipeline's (it halts the provider). */
export function classifyThrown(error: unknown, retrySafe: boolean, context: ErrorContext): Error {
  if (error instanceof AbortError || error instanceof AttemptFailure) return error;
  if (error instanceof NetworkFailure) {
    const cause = { name: error.name, code: error.code, message: error.message };
    if (error.code === RESPONSE_TOO_LARGE) return abortWith('bad_response', error.message, context, undefined, cause);
    if (error.code === REQUEST_TOO_LARGE) return abortWith('invalid', `not sent: ${error.message}`, context, undefined, cause);
    return new AttemptFailure({ network: { code: error.code, maybeSent: error.maybeSent } }, retrySafe, 'request', error.message);
  }
  if (error instanceof TokenFailure) {
    if (error.outcome === 'retry' && error.info) {
      // The customer request itself was not sent: safe to try again whatever the method.
      return new AttemptFailure(error.info, true, 'token', error.message, error.body);
    }
    return abortWith('bad_response', `token exchange ${error.message}`, context, error.status);
  }
  if (error instanceof GateStoppedError) return abortWith('transient', error.message, context);
  return new AbortError(unexpectedError(error, context));
}

/** A final error for p-retry: it stops retrying and rejects with the typed error inside. */
export function abortWith(
  kind: 'bad_response' | 'invalid' | 'transient',
  summary: string,
  context: ErrorContext,
  status?: number,
  cause?: SafeCause,
): AbortError {
  const facts = { status, cause: cause ?? (status === undefined ? undefined : statusCause(status)) };
  return new AbortError(buildError(kind, summary, context, facts));
}

/** A bug or an unforeseen failure: typed and redacted like the rest, never passed through raw. */
export function unexpectedError(error: unknown, context: ErrorContext): CustomerSyncError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return buildError('transient', `unexpected failure: ${message}`, context, { cause: { name, message } });
}
