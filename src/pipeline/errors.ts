import { maskPersonalData, maskValues } from '../errors/mask.js';
import type { HttpMethod } from '../adapter/definition.js';
import type { CustomerSyncError, SafeCause } from '../errors/customer-sync-error.js';
import type { ErrorKind } from '../errors/kinds.js';
import { providerError } from '../errors/provider-errors.js';
import { redact } from '../errors/redact.js';
import type { ProviderId } from '../provider-id.js';

/** Who and what an error is about, and what must never appear in it. */
export interface ErrorContext {
  provider: ProviderId;
  /** Human name, first word of every message (e.g. `Acme Billing`). */
  name: string;
  customerId?: string | undefined;
  /** Values to redact: configured credentials and every token obtained by exchange. */
  secrets: Iterable<string>;
  /** The provider's own message from an error body (the adapter's `errorMessage`). */
  errorMessage?: ((status: number, body: unknown) => string | undefined) | undefined;
  /** The adapter's kind for a refused answer whose status alone misleads (a 400 "Customer not found"). */
  errorKind?: ((status: number, body: unknown) => ErrorKind | undefined) | undefined;
  request?: { method: HttpMethod; path: string } | undefined;
  /** The customer's own values to mask in a provider's words (a name, a street), beyond what patterns find. */
  personal?: (() => Iterable<string>) | undefined;
}

export interface ErrorFacts {
  status?: number | undefined;
  /** Response body, read only through `errorMessage`. */
  body?: unknown;
  /** Used instead of reading `body`, e.g. when repeating an earlier failure. */
  providerMessage?: string | undefined;
  cause?: SafeCause | undefined;
}

const MAX_PROVIDER_MESSAGE = 500;

/**
 * Builds a typed error whose every text (message, provider message, cause, stack) is redacted. The message
 * is redacted before the error exists, so the stack, which copies it at construction, starts clean too.
 */
export function buildError(kind: ErrorKind, summary: string, context: ErrorContext, facts: ErrorFacts = {}): CustomerSyncError {
  const secrets = [...context.secrets];
  const personal = context.personal ? [...context.personal()] : [];
  // Secrets out first, then personal data a provider echoed (the customer's name or street as sent, an email, a
  // phone): errors reach logs, reports and serve's answers.
  const clean = (text: string): string => maskPersonalData(maskValues(redact(text, secrets), personal));

  let providerMessage = facts.providerMessage;
  if (providerMessage === undefined && facts.status !== undefined && context.errorMessage) {
    providerMessage = readProviderMessage(context.errorMessage, facts.status, facts.body);
  }
  // Redacted before truncating, so a cut cannot leave half a secret that no longer matches.
  if (providerMessage !== undefined) providerMessage = truncate(clean(providerMessage));

  const where = context.request ? ` ${context.request.method} ${context.request.path}` : '';
  const said = providerMessage ? `: ${providerMessage}` : '';
  const message = clean(`${context.name}${where}: ${summary}${said}`);
  const cause = facts.cause && {
    name: clean(facts.cause.name),
    code: facts.cause.code === undefined ? undefined : clean(facts.cause.code),
    message: clean(facts.cause.message),
  };

  const error = providerError(kind, message, {
    provider: context.provider,
    customerId: context.customerId,
    status: facts.status,
    providerMessage,
    cause,
  });
  if (error.stack !== undefined) error.stack = clean(error.stack);
  return error;
}

/** A plain cause for an HTTP status, so every error has the same cause shape. */
export function statusCause(status: number): SafeCause {
  return { name: 'HttpStatus', code: `HTTP_${status}`, message: `HTTP ${status}` };
}

/** The kind a final response status maps to; 401/403 are `auth`, 404 `not_found`, other 4xx `rejected`. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status === 408 || (status >= 500 && status <= 599)) return 'transient';
  if (status >= 400 && status <= 499) return 'rejected';
  return 'bad_response';
}

/**
 * The one factory from a returned response to its typed error, for the caller: 404 → `not_found`, other
 * 4xx → `rejected` (401/403 → `auth`, 429 → `rate_limited`, 5xx → `transient`; a 2xx or 3xx the caller
 * cannot use → `bad_response`), with the provider's own message and secrets redacted.
 */
export function errorForResponse(status: number, body: unknown, context: ErrorContext, summary?: string): CustomerSyncError {
  const kind = readErrorKind(context, status, body) ?? kindForStatus(status);
  const text = summary ?? (kind === 'bad_response' ? `unexpected answer (HTTP ${status})` : `HTTP ${status}`);
  return buildError(kind, text, context, { status, body, cause: statusCause(status) });
}

function readErrorKind(context: ErrorContext, status: number, body: unknown): ErrorKind | undefined {
  try {
    return context.errorKind?.(status, body);
  } catch {
    return undefined;
  }
}

function readProviderMessage(
  errorMessage: (status: number, body: unknown) => string | undefined,
  status: number,
  body: unknown,
): string | undefined {
  try {
    const message = errorMessage(status, body);
    return typeof message === 'string' && message.trim() !== '' ? message : undefined;
  } catch {
    // An unexpected body shape must not replace the real failure with a parsing error.
    return undefined;
  }
}

function truncate(text: string): string {
  return text.length > MAX_PROVIDER_MESSAGE ? `${text.slice(0, MAX_PROVIDER_MESSAGE)}…` : text;
}
