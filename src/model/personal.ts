import type { Customer } from './types.js';

/**
 * The customer's values that say who they are and that no pattern recognises (a name, a street, a document number),
 * besides the email and phone that `maskPersonalData` finds by their shape. A provider's error often quotes the
 * body it was sent; these are masked wherever such a message is shown (logs, reports, serve's answers).
 */
export function personalValues(customer: Customer): string[] {
  const { address, identityDocument: document } = customer;
  const values = [
    customer.email,
    customer.phone,
    customer.name,
    customer.firstName,
    customer.lastName,
    customer.vatNumber,
    customer.notes,
    address?.street,
    address?.postalCode,
    document?.number,
  ];
  return values.filter((value): value is string => value !== undefined && value.trim().length >= 2);
}
