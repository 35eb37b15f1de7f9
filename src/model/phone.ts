import { createRequire } from 'node:module';
import type * as PhoneLibrary from 'libphonenumber-js';

let library: typeof PhoneLibrary | undefined;

/**
 * libphonenumber-js, loaded at the first number rather than by whatever imports the model (the config, the state
 * commands, check, init). Its CommonJS build: the same code and metadata as its ES one, in about half the start-up
 * (~70 ms of CPU less here: its ES build is many more small modules).
 */
function phones(): typeof PhoneLibrary {
  library ??= createRequire(import.meta.url)('libphonenumber-js') as typeof PhoneLibrary;
  return library;
}

export type PhoneResult = { ok: true; e164: string } | { ok: false; message: string };

const INVALID = "must be a valid phone number: international (+…) or national for the customer's country";
const EXTENSION = 'must not have an extension (E.164 has none)';

let last: { text: string; region: string | undefined; result: PhoneResult } | undefined;

/**
 * A phone number in any common format as E.164, read in `region` (ISO 3166-1 alpha-2) when it has no `+` prefix.
 * The whole text must be the number: `call +1 415…` or `… (mobile)` are invalid, and so is an extension.
 * The last answer is remembered: validation and normalization ask for the same number back to back.
 */
export function normalizePhone(text: string, region: string | undefined): PhoneResult {
  if (last !== undefined && last.text === text && last.region === region) return last.result;
  const result = parse(text, region);
  last = { text, region, result };
  return result;
}

function parse(text: string, region: string | undefined): PhoneResult {
  const { isSupportedCountry, parsePhoneNumberFromString } = phones();
  const defaultCountry = region !== undefined && isSupportedCountry(region) ? region : undefined;
  const phone = parsePhoneNumberFromString(text, { defaultCountry, extract: false });
  // isPossible (the length fits the country's plan), not isValid (the number range is allocated): a sync tool must
  // not drop a customer because a metadata table lags behind, nor the providers' own documented examples
  // (one documents +11234567890, whose area code 123 is unallocated).
  if (phone === undefined || !phone.isPossible()) return { ok: false, message: INVALID };
  if (phone.ext !== undefined) return { ok: false, message: EXTENSION };
  return { ok: true, e164: phone.number };
}
