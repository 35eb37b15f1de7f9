import type { TokenExchange } from '../adapter/definition.js';
import { TokenFailure } from './failures.js';
import { NetworkFailure, RESPONSE_TOO_LARGE, type HttpClient, type HttpResponse } from './http-client.js';
import { parseRetryAfter } from './retry-after.js';
import type { FetchedToken } from './token-cache.js';

/**
 * Sends the token exchange and reads its answer. Goes straight to the client, not through the gate: sends
 * waiting for the token already hold the gate's slots. Failures are TokenFailure, so every waiting send
 * can turn the one failure into its own error.
 */
export async function exchangeToken(http: HttpClient, exchange: TokenExchange, now: () => number): Promise<FetchedToken> {
  let response: HttpResponse;
  try {
    response = await http.request(exchange.request, {});
  } catch (error) {
    if (!(error instanceof NetworkFailure)) throw error;
    if (error.code === RESPONSE_TOO_LARGE) throw new TokenFailure('bad_response', error.message);
    // The customer request was not sent, so retrying it is safe whatever happened to the exchange.
    throw new TokenFailure('retry', error.message, { network: { code: error.code, maybeSent: false } });
  }

  const { status, body } = response;
  if (status >= 200 && status <= 299) {
    const parsed = response.jsonError ? undefined : safeParse(exchange.parse, body);
    if (!parsed || parsed.token === '') throw new TokenFailure('bad_response', `answered HTTP ${status} without a token`);
    return parsed;
  }
  if (status === 429 || status === 408 || (status >= 500 && status <= 599)) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now());
    throw new TokenFailure('retry', `HTTP ${status}`, { status, retryAfterMs }, body);
  }
  // Any other answer means these credentials cannot produce a token: no request can succeed this run.
  throw new TokenFailure('auth', `refused the credentials (HTTP ${status})`, { status }, body);
}

function safeParse(parse: TokenExchange['parse'], body: unknown): FetchedToken | undefined {
  try {
    return parse(body);
  } catch {
    return undefined;
  }
}
