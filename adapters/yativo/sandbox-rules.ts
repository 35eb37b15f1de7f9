// The sandbox's Yativo validation, as Laravel words it: `{ field: ["The customer email field is required."] }`.
import { isAlpha3, isE164, isEmail, isPlainObject } from '../../src/sandbox/validate.js';

export type Errors = Record<string, string[]>;

const REQUIRED_ON_CREATE = ['customer_name', 'customer_email', 'customer_phone', 'customer_country'] as const;
/** The published server (`CustomerController::store`) requires `customer_type` too, in this order. */
const REQUIRED_ON_CREATE_PUBLISHED = [
  'customer_name',
  'customer_email',
  'customer_phone',
  'customer_type',
  'customer_country',
] as const;
export const PUBLIC_FIELDS = [
  'customer_name',
  'customer_email',
  'customer_phone',
  'customer_country',
  'customer_type',
  'customer_address',
];
/** Taken at creation only, and never answered ("will not be available after this request"). */
export const DOCUMENT_FIELDS = [
  'customer_idType',
  'customer_idNumber',
  'customer_idCountry',
  'customer_idExpiration',
  'customer_idFront',
  'customer_idBack',
];
const ADDRESS_FIELDS = ['street', 'number', 'city', 'state', 'zipcode', 'country'];

/** Laravel's attribute names: `customer_idType` → `customer id type`, `customer_address.country` → `customer address country`. */
export const label = (field: string): string =>
  field
    .replace(/[._]/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();

export const present = (value: unknown): boolean => value !== undefined && value !== null && value !== '';
/** Objects are copied so that no stored value is shared with a request body or an answer. */
export const copy = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? structuredClone(value) : value;

export function add(errors: Errors, field: string, message: string): void {
  (errors[field] ??= []).push(message);
}

export function checkString(
  errors: Errors,
  field: string,
  value: unknown,
  check?: (text: string) => string | undefined,
): void {
  if (!present(value)) return;
  if (typeof value !== 'string') return add(errors, field, `The ${label(field)} field must be a string.`);
  const problem = check?.(value);
  if (problem !== undefined) add(errors, field, problem.replace(':attribute', label(field)));
}

const email = (v: string): string | undefined =>
  isEmail(v) ? undefined : 'The :attribute field must be a valid email address.';
const e164 = (v: string): string | undefined => (isE164(v) ? undefined : 'The :attribute field format is invalid.');
const alpha3 = (v: string): string | undefined => (isAlpha3(v) ? undefined : 'The selected :attribute is invalid.');
const type = (v: string): string | undefined =>
  v === 'individual' || v === 'business' ? undefined : 'The selected :attribute is invalid.';
const monthYear = (v: string): string | undefined =>
  /^(0[1-9]|1[0-2])\/\d{2}$/.test(v) ? undefined : 'The :attribute field must match the format m/y.';

/**
 * Every problem of a customer body; `create` adds the required fields and the identity document's checks, and
 * `published` makes `customer_type` required on create as well.
 */
export function validate(body: Record<string, unknown>, create: boolean, published = false): Errors {
  const errors: Errors = {};
  if (create) {
    for (const field of published ? REQUIRED_ON_CREATE_PUBLISHED : REQUIRED_ON_CREATE)
      if (!present(body[field])) add(errors, field, `The ${label(field)} field is required.`);
  }
  checkString(errors, 'customer_name', body.customer_name);
  checkString(errors, 'customer_email', body.customer_email, email);
  checkString(errors, 'customer_phone', body.customer_phone, e164);
  checkString(errors, 'customer_country', body.customer_country, alpha3);
  checkString(errors, 'customer_type', body.customer_type, type);
  const address = body.customer_address;
  if (present(address)) {
    if (!isPlainObject(address)) add(errors, 'customer_address', 'The customer address field must be an object.');
    else
      for (const key of ADDRESS_FIELDS)
        checkString(errors, `customer_address.${key}`, address[key], key === 'country' ? alpha3 : undefined);
  }
  if (create) {
    for (const field of DOCUMENT_FIELDS)
      checkString(errors, field, body[field], field === 'customer_idExpiration' ? monthYear : undefined);
  }
  return errors;
}

/**
 * `value LIKE pattern` as MySQL runs it on a case-insensitive column: `%` any run of characters, `_` exactly one,
 * a backslash makes the next character literal; the whole value must match. The published server filters
 * `GET /customer?email=` with `LIKE '%' . email . '%'`, so an `_` in the email asked matches any one character.
 */
export function likeMatcher(pattern: string): (value: string) => boolean {
  const literal = (ch: string): string => ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  let source = '';
  let escaped = false;
  for (const ch of pattern) {
    if (escaped) source += literal(ch);
    else if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else if (ch !== '\\') source += literal(ch);
    escaped = !escaped && ch === '\\';
  }
  if (escaped) source += literal('\\');
  const re = new RegExp(`^${source}$`, 'iu');
  return (value) => re.test(value);
}
