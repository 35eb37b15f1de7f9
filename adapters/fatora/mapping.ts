import type { BodyResult } from '../../src/adapter/definition.js';
import { compact, joinPresent, streetLine } from '../../src/model/format.js';
import type { Address, Customer } from '../../src/model/types.js';

export type FatoraClientBody = {
  name?: string;
  email?: string;
  phone?: string;
  address?: string;
  notes?: string;
};

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

/** The same body creates and updates a client; absent fields are left out, never sent as null or "". */
export function clientBody(customer: Customer): BodyResult {
  const body: FatoraClientBody = compact({
    name: customer.name,
    email: customer.email,
    phone: customer.phone,
    // No `address` at all without one: a line made of the customer's country alone says nothing.
    address: customer.address && addressLine(customer.address, customer.country),
    notes: customer.notes,
  });
  return { ok: true, body, warnings: [] };
}
