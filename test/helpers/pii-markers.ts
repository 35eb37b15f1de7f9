/**
 * The marker customers of the secret and personal-data scans: personal data that is easy to find in any output (a
 * name also in the email, a phone in two spellings, a street). A scan fails when one of `PII` shows up.
 */
export const PII: readonly string[] = ['piimarker', '+351912000111', '912 000 111', 'Rua Piimarker'];

export function markerCustomer(i: number): Record<string, unknown> {
  return {
    id: `cus-${i}`,
    email: `piimarker.${i}@example.com`,
    firstName: 'Ana',
    lastName: 'Piimarker',
    phone: '+351 912 000 111',
    country: 'PT',
    address: { street: 'Rua Piimarker', number: String(i), city: 'Lisboa', postalCode: '1100-053' },
    vatNumber: `PT${500000000 + i}`,
    updatedAt: '2026-11-01T10:00:00Z',
  };
}
