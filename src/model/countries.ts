import { createRequire } from 'node:module';
import type * as CountriesLibrary from 'i18n-iso-countries';

type Countries = typeof CountriesLibrary;

let loaded: Countries | undefined;

/**
 * i18n-iso-countries, with its English names: loaded at the first question, not by whatever imports this module
 * (the sandbox's flags, the help). Its main entry would register ~80 locales (~40 ms); only English names are used.
 */
function countries(): Countries {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    const library = require('i18n-iso-countries/index.js') as Countries;
    library.registerLocale(require('i18n-iso-countries/langs/en.json') as CountriesLibrary.LocaleData);
    loaded = library;
  }
  return loaded;
}

/** Whether `code` is an ISO 3166-1 code (alpha-2 or alpha-3, upper case). */
export function isCountryCode(code: string): boolean {
  return countries().isValid(code);
}

/** ISO 3166-1 alpha-2 for an alpha-2 or alpha-3 code in any letter case; `undefined` when it is neither. */
export function toAlpha2(code: string): string | undefined {
  const upper = code.trim().toUpperCase();
  if (!/^[A-Z]{2,3}$/.test(upper) || !countries().isValid(upper)) return undefined;
  return countries().toAlpha2(upper);
}

/** ISO 3166-1 alpha-3 for a valid alpha-2 code. */
export function toAlpha3(alpha2: string): string {
  const alpha3 = countries().alpha2ToAlpha3(alpha2);
  if (alpha3 === undefined) throw new RangeError(`not an ISO 3166-1 alpha-2 code: ${alpha2}`);
  return alpha3;
}

/** The English short name of a country, e.g. `CL` → `Chile`. */
export function countryName(alpha2: string): string {
  const name = countries().getName(alpha2, 'en', { select: 'official' });
  if (name === undefined) throw new RangeError(`not an ISO 3166-1 alpha-2 code: ${alpha2}`);
  return name;
}
