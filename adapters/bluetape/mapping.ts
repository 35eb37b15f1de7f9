import type { BodyResult } from '../../src/adapter/definition.js';
import { unusableAsSegment } from '../../src/adapter/path.js';
import type { Customer } from '../../src/model/types.js';

// Pure mappers from the canonical customer to BlueTape's bodies (DESIGN §3).

/** The body of `PUT /integration/customer/{id}`: every field is required by BlueTape. */
export interface BlueTapeUpdateBody {
  [key: string]: unknown;
  firstName: string;
  lastName: string;
  emailAddress: string;
  /** E.164 */
  cellPhoneNumber: string;
  /** ISO 8601 date-time: the canonical `updatedAt`, as given. */
  sourceModifiedDate: string;
}

/** The body of `POST /integration/customer`: the update body plus the caller's own id. */
export interface BlueTapeCreateBody extends BlueTapeUpdateBody {
  id: string;
}

/** Canonical field → BlueTape field, for every field BlueTape requires that the canonical record may lack. */
const REQUIRED = [
  ['firstName', 'firstName'],
  ['lastName', 'lastName'],
  ['phone', 'cellPhoneNumber'],
  ['updatedAt', 'sourceModifiedDate'],
] as const satisfies ReadonlyArray<readonly [keyof Customer, keyof BlueTapeUpdateBody]>;

type Mapped<T> = { ok: true; body: T } | { ok: false; message: string };

/** The customer fields of both bodies. BlueTape requires all of them, so a missing one fails the record. */
function customerFields(customer: Customer): Mapped<BlueTapeUpdateBody> {
  const { firstName, lastName, phone, updatedAt } = customer;
  if (firstName === undefined || lastName === undefined || phone === undefined || updatedAt === undefined) {
    const missing = REQUIRED.filter(([field]) => customer[field] === undefined);
    const names = missing.map(([field, theirs]) => `${field} (${theirs})`).join(', ');
    return {
      ok: false,
      message: `BlueTape requires ${names}; the record has ${missing.length === 1 ? 'none' : 'none of them'}`,
    };
  }
  return {
    ok: true,
    body: {
      firstName,
      lastName,
      emailAddress: customer.email,
      cellPhoneNumber: phone,
      // Passed through untouched: it is the user's own timestamp, and re-formatting it would change the hash.
      sourceModifiedDate: updatedAt,
    },
  };
}

function unusableIdMessage(id: string): string {
  return `BlueTape cannot address a customer by the id "${id}"; it cannot be a URL path segment`;
}

function done(mapped: Mapped<BlueTapeUpdateBody | BlueTapeCreateBody>): BodyResult {
  return mapped.ok ? { ok: true, body: mapped.body, warnings: [] } : mapped;
}

export function updateBody(customer: Customer): BodyResult {
  const given = customer.providerIds?.bluetape;
  const pathId = given === undefined ? customer.id : String(given);
  if (unusableAsSegment(pathId)) return { ok: false, message: unusableIdMessage(pathId) };
  return done(customerFields(customer));
}

export function createBody(customer: Customer): BodyResult {
  // The create's `id` is what later updates address, so it must be usable as a path segment too.
  if (unusableAsSegment(customer.id)) return { ok: false, message: unusableIdMessage(customer.id) };
  const fields = customerFields(customer);
  return done(fields.ok ? { ok: true, body: { id: customer.id, ...fields.body } } : fields);
}
