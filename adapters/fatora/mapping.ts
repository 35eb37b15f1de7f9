import type { BodyResult } from '../../src/adapter/definition.js';
import { compact, joinPresent, streetLine } from '../../src/model/format.js';
import type { Address, Customer } from '../../src/model/types.js';

/** The body of `PUT /v1/clients/{id}`. */
export type FatoraUpdateBody = {
  name?: string;
  email?: string;
  phone?: string;
  address?: string;
  notes?: string;
};

/** The body of `POST /v1/clients`: the same fields. */
export type FatoraCreateBody = FatoraUpdateBody;

/**
 * Fatora takes the address as one line (DESIGN §3): `street number`, `city`, `state postalCode`, country alpha-2,
 * joined by `, ` with empty parts left out, so a missing part never leaves `, ,` behind.
 */
export function addressLine(address: Address, customerCountry: string | undefined): string | undefined {
  return joinPresent(
    [
      streetLine(address),
      address.city,
      joinPresent([address.state, address.postalCode], ' '),
      address.country ?? customerCountry,
    ],
    ', ',
  );
}

/** The body of an update; absent fields are left out, never sent as null or "". */
export function updateBody(customer: Customer): BodyResult {
  const body: FatoraUpdateBody = compact({
    name: customer.name,
    email: customer.email,
    phone: customer.phone,
    // No `address` at all without one: a line made of the customer's country alone says nothing.
    address: customer.address && addressLine(customer.address, customer.country),
    notes: customer.notes,
  });
  return { ok: true, body, warnings: [] };
}

/** The same body creates a client. */
export const createBody = updateBody;
