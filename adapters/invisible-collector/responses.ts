import type { Operation, SuccessInfo } from '../../src/adapter/definition.js';
import type { Customer } from '../../src/model/types.js';
import { conflictBodySchema, customerResponseSchema, errorBodySchema, findResponseSchema } from './schemas.js';

/** Throws a zod error on a 2xx that is not a customer with its `gid` (`bad_response`). */
export const parseSuccess = (_operation: Operation, body: unknown): SuccessInfo => ({
  providerId: customerResponseSchema.parse(body).gid,
});

export function errorMessage(_status: number, body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  return parsed.success ? parsed.data.message : undefined;
}

/** The gids of the customers whose externalId is exactly our id; the answer is never paginated. */
export function lookupParse(body: unknown, customer: Customer): { matches: string[]; more: boolean } {
  const found = findResponseSchema.parse(body);
  return { matches: found.filter((c) => c.externalId === customer.id).map((c) => c.gid), more: false };
}

/** 409 to `POST /customers`: a customer with this VAT number exists. */
export const isConflict = (status: number): boolean => status === 409;

/** The `rejected` message names the holder the 409 names, by gid, by id, or not at all. */
export function describeConflict(body: unknown): string {
  const named = conflictBodySchema.safeParse(body).data;
  const holder = named?.gid ?? named?.id;
  return holder === undefined
    ? 'VAT number is already held by another customer'
    : `VAT number is already held by another customer, gid ${holder}`;
}
