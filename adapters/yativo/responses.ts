import type { Operation, SuccessInfo } from '../../src/adapter/definition.js';
import { sameEmail } from '../../src/adapter/match.js';
import type { ErrorKind } from '../../src/errors/kinds.js';
import type { Customer } from '../../src/model/types.js';
import { createResponseSchema, customerListSchema, errorBodySchema, updateResponseSchema } from './schemas.js';

/** Throws a zod error on a 2xx that is not Yativo's success envelope: the pipeline reports it as `bad_response`. */
export function parseSuccess(operation: Operation, body: unknown): SuccessInfo {
  if (operation === 'create') {
    return { providerId: createResponseSchema.parse(body).data.customer_id };
  }
  return { providerId: updateResponseSchema.parse(body).data?.customer_id };
}

type FieldErrors = Record<string, string[]>;

/** Field messages from `errors` (documented) or from `data` (published server), without `data.error`. */
function fieldErrors(body: unknown): FieldErrors {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return {};
  const out: FieldErrors = {};
  const add = (field: string, value: unknown): void => {
    const messages = (Array.isArray(value) ? value : [value]).filter((m): m is string => typeof m === 'string');
    if (messages.length > 0) out[field] = [...(out[field] ?? []), ...messages];
  };
  for (const [field, value] of Object.entries(parsed.data.errors ?? {})) add(field, value);
  for (const [field, value] of Object.entries(parsed.data.data ?? {})) if (field !== 'error') add(field, value);
  return out;
}

/** `customer_email: Customer email already exists.; other: …` */
function flatten(errors: FieldErrors): string {
  return Object.entries(errors)
    .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
    .join('; ');
}

/**
 * Yativo's message, chosen by the body's shape rather than its status, so an undocumented status with a
 * documented shape still reads well: field errors (with `message` in front), `data.error`, else `message`.
 */
export function errorMessage(_status: number, body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { message, data } = parsed.data;
  const fields = fieldErrors(body);
  if (Object.keys(fields).length > 0) return `${message ?? 'Validation failed'}: ${flatten(fields)}`;
  const error = data?.error;
  return typeof error === 'string' && error !== '' ? error : message;
}

/** Yativo's published server answers an unknown customer id with HTTP 400 `data.error: "Customer not found"`. */
export function errorKind(status: number, body: unknown): ErrorKind | undefined {
  if (status !== 400) return undefined;
  const error = errorBodySchema.safeParse(body).data?.data?.error;
  return typeof error === 'string' && /^customer not found\.?$/i.test(error.trim()) ? 'not_found' : undefined;
}

/**
 * A create refused because the account already holds a customer with this email: 422 with a `customer_email`
 * message in either shape ("Customer email already exists." from the published server, Laravel's "has already
 * been taken" for a unique rule).
 */
export function isConflict(status: number, body: unknown): boolean {
  if (status !== 422) return false;
  return (fieldErrors(body).customer_email ?? []).some((m) => /already (exists|been taken)/i.test(m));
}

export const describeConflict = (): string => 'the email is already held by another Yativo customer';

/**
 * The customers on one page of `GET /customer?email=` whose email is exactly ours (the filter matches
 * substrings), and whether another page follows, by Laravel's pagination block (`current_page` < `last_page`).
 * Both known shapes carry it (NOTES.md); an answer without one is taken as the whole list.
 */
export function lookupParse(body: unknown, customer: Customer, page: number): { matches: string[]; more: boolean } {
  const { data, pagination } = customerListSchema.parse(body);
  const matches = data
    .filter((c) => c.customer_email !== null && sameEmail(c.customer_email, customer.email))
    .map((c) => c.customer_id);
  const last = pagination?.last_page;
  const current = pagination?.current_page ?? page;
  return { matches, more: last !== undefined && current < last && data.length > 0 };
}
