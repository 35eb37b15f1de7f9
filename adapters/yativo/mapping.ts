import type { BodyResult } from '../../src/adapter/definition.js';
import { countryName, toAlpha3 } from '../../src/model/countries.js';
import { compact } from '../../src/model/format.js';
import type { Address, Customer } from '../../src/model/types.js';

// Pure mappers from the canonical customer to Yativo's bodies (DESIGN §3). Absent fields are left out,
// never sent as null or "": Yativo would store the empty value over what it holds.

export type YativoAddress = {
  street?: string;
  number?: string;
  city?: string;
  state?: string;
  zipcode?: string;
  country?: string;
};

export type YativoUpdateBody = {
  customer_name?: string;
  customer_email?: string;
  customer_phone?: string;
  customer_country?: string;
  customer_address?: YativoAddress;
};

export type YativoCreateBody = YativoUpdateBody & {
  customer_type: 'individual' | 'business';
  customer_idType?: string;
  customer_idNumber?: string;
  customer_idCountry?: string;
  customer_idExpiration?: string;
  customer_idFront?: string;
  customer_idBack?: string;
};

const alpha3 = (alpha2: string | undefined): string | undefined => (alpha2 === undefined ? undefined : toAlpha3(alpha2));

/** Address countries come from `address.country`, else the customer's `country`; an empty address is left out. */
function addressBody(address: Address, customerCountry: string | undefined): YativoAddress | undefined {
  const body = compact({
    street: address.street,
    number: address.number,
    city: address.city,
    state: address.state,
    zipcode: address.postalCode,
    country: alpha3(address.country ?? customerCountry),
  });
  return Object.keys(body).length === 0 ? undefined : body;
}

/** The fields an update sends. Also what is hashed to detect change, so it holds no create-only field. */
function customerFields(customer: Customer): YativoUpdateBody {
  return compact({
    customer_name: customer.name,
    customer_email: customer.email,
    customer_phone: customer.phone,
    // The customer's country comes from `country`, else from the address (DESIGN §3 bullets).
    customer_country: alpha3(customer.country ?? customer.address?.country),
    customer_address: customer.address && addressBody(customer.address, customer.country),
  });
}

/** `YYYY-MM` (canonical) → `MM/YY` (Yativo), e.g. `2024-04` → `04/24`. */
export function toMonthYear(yearMonth: string): string {
  const match = /^\d{2}(\d{2})-(\d{2})$/.exec(yearMonth);
  if (!match) throw new RangeError(`not a YYYY-MM month: ${yearMonth}`);
  return `${match[2]}/${match[1]}`;
}

export function updateBody(customer: Customer): BodyResult {
  return { ok: true, body: customerFields(customer), warnings: [] };
}

/** Yativo refuses a create without these (NOTES.md); each is named by its canonical field. */
const CREATE_REQUIRED = [
  ['customer_name', 'name'],
  ['customer_email', 'email'],
  ['customer_phone', 'phone'],
  ['customer_country', 'country'],
] as const;

function listOf(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1) ?? ''}`;
}

/**
 * The create body: the update fields plus the identity document, which Yativo takes only at creation
 * ("the customer Identity Document information will not be available after this request").
 */
export function createBody(customer: Customer): BodyResult {
  const base = customerFields(customer);
  const missing = CREATE_REQUIRED.filter(([key]) => base[key] === undefined).map(([, field]) => field);
  if (missing.length > 0) {
    const none = missing.length === 1 ? 'none' : 'none of them';
    return { ok: false, message: `Yativo requires ${listOf(missing)} to create a customer; the record has ${none}` };
  }
  const doc = customer.identityDocument;
  const body: YativoCreateBody = {
    ...base,
    // Required by Yativo's published server on every create, optional in its docs ("defaults to individual").
    customer_type: customer.kind ?? 'individual',
    ...compact({
      customer_idType: doc?.type,
      customer_idNumber: doc?.number,
      customer_idCountry: doc?.country === undefined ? undefined : countryName(doc.country),
      customer_idExpiration: doc?.expiresOn === undefined ? undefined : toMonthYear(doc.expiresOn),
      customer_idFront: doc?.front,
      customer_idBack: doc?.back,
    }),
  };
  return { ok: true, body, warnings: [] };
}
