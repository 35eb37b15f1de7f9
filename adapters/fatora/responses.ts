import type { Operation, SuccessInfo } from '../../src/adapter/definition.js';
import { sameEmail } from '../../src/adapter/match.js';
import type { Customer } from '../../src/model/types.js';
import { clientListResponseSchema, clientResponseSchema, errorBodySchema } from './schemas.js';

/** Throws a zod error on a 2xx that is not `{ status: "SUCCESS", client: { id } }` (`bad_response`). */
export function parseSuccess(_operation: Operation, body: unknown): SuccessInfo {
  return { providerId: String(clientResponseSchema.parse(body).client.id) };
}

/** The page size of the lookup, as in Fatora's own example (`page_size=20`). */
export const LOOKUP_PAGE_SIZE = 20;

/**
 * The clients on one page whose email equals the customer's (ignoring case), and whether another page may follow
 * (a full page). Fatora's `email` filter is not documented as exact, so a near match (`joann@…` for `ann@…`)
 * must not count: updating someone else's client is worse than a failed record.
 */
export function lookupParse(body: unknown, customer: Customer): { matches: string[]; more: boolean } {
  const { clients } = clientListResponseSchema.parse(body);
  const matches = clients
    .filter((client) => client.email !== null && sameEmail(client.email, customer.email))
    .map((client) => String(client.id));
  return { matches, more: clients.length >= LOOKUP_PAGE_SIZE };
}

const MAX_MESSAGE = 200;

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`;
}

/** An error object's own text, when it has one; else the object itself, compact and short. */
function describe(error: unknown): string | undefined {
  if (typeof error === 'string') return error === '' ? undefined : truncate(error);
  if (error === null || typeof error !== 'object') return undefined;
  for (const key of ['message', 'description', 'detail']) {
    const value: unknown = (error as Record<string, unknown>)[key];
    if (typeof value === 'string' && value !== '') return truncate(value);
  }
  return truncate(JSON.stringify(error));
}

/** Fatora's `error` (a string, or an object whose fields are undocumented), else a top-level `message`. */
export function errorMessage(_status: number, body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  return describe(parsed.data.error) ?? parsed.data.message;
}

/** 409 "adding new client with same data of existing client" to `POST /v1/clients`. */
export const isConflict = (status: number): boolean => status === 409;

export const describeConflict = (): string => 'a client with the same data already exists';
