import { isCountryCode } from '../model/countries.js';
// Checks shared by the emulations: forms as a provider checks them; countries from i18n-iso-countries.

/** E.164: `+`, a country code not starting with 0, at most 15 digits in all. Form only, as a provider checks it. */
export function isE164(value: string): boolean {
  return /^\+[1-9]\d{1,14}$/.test(value);
}

/** The shape providers check before sending mail: something@domain.tld, no spaces. */
export function isEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

/** An ISO 8601 date-time with a time zone, e.g. `2023-01-04T09:47:57.477Z`. */
export function isIsoDateTime(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An upper-case ISO 3166-1 alpha-2 code. */
export function isAlpha2(value: string): boolean {
  return /^[A-Z]{2}$/.test(value) && isCountryCode(value);
}

/** An upper-case ISO 3166-1 alpha-3 code. */
export function isAlpha3(value: string): boolean {
  return /^[A-Z]{3}$/.test(value) && isCountryCode(value);
}

/** JSON with keys sorted at every level: equal for bodies that differ only in key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
