/**
 * Schemas for the canonical customer's single fields (DESIGN §2): trimmed, bounded, normalized.
 * None may abort explicitly (`abort: true`, zod's `.int()`): zod then skips the record-level checks that have a
 * `when`, and the phone check is one of them, so its issue would go missing from the list.
 */
import * as z from 'zod';
import { toAlpha2 } from './countries.js';
import type { CustomerKind } from './types.js';

/** Longest accepted strings, in UTF-16 code units, after trimming. */
export const MAX = { id: 128, email: 254, short: 100, text: 1000, notes: 10_000, image: 10 * 1024 * 1024 } as const;

const EMPTY = 'must not be empty: leave the field out instead';
export const EMPTY_REQUIRED = 'must not be empty';

/** Half of a UTF-16 surrogate pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A trimmed, non-empty string of at most `max` characters. Its issues abort implicitly: the field's later (costlier)
 * checks are skipped, the record's phone check is not.
 */
export function text(max: number = MAX.text, emptyMessage = EMPTY) {
  return z
    .string()
    .trim()
    .check((payload) => {
      const { value: input } = payload;
      if (input.length === 0) {
        const message = emptyMessage;
        payload.issues.push({ code: 'too_small', origin: 'string', minimum: 1, inclusive: true, input, message });
      } else if (input.length > max) {
        const message = `must be at most ${max} characters`;
        payload.issues.push({ code: 'too_big', origin: 'string', maximum: max, inclusive: true, input, message });
      } else if (LONE_SURROGATE.test(input)) {
        // Half a surrogate pair cannot be sent: it has no UTF-8 form, and URL encoding throws on it.
        payload.issues.push({ code: 'custom', input, message: 'must be well-formed Unicode text' });
      }
    });
}

export const country = text(MAX.short).transform((code, ctx) => {
  const alpha2 = toAlpha2(code);
  if (alpha2 !== undefined) return alpha2;
  ctx.addIssue({ code: 'custom', message: 'must be an ISO 3166-1 alpha-2 or alpha-3 country code' });
  return z.NEVER;
});

export const email = text(MAX.email, EMPTY_REQUIRED)
  .regex(z.regexes.email, 'must be a valid email address')
  .transform((address) => {
    const at = address.lastIndexOf('@');
    return address.slice(0, at) + address.slice(at).toLowerCase();
  });

/** Canonical BCP 47 tags by the tags given: `Intl.getCanonicalLocales` is costly, and a file holds few distinct tags. */
const canonicalLocales = new Map<string, string | undefined>();

function canonicalLocale(tag: string): string | undefined {
  if (canonicalLocales.has(tag)) return canonicalLocales.get(tag);
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(tag)[0];
  } catch {
    canonical = undefined; // RangeError: not a well-formed BCP 47 tag
  }
  if (canonicalLocales.size >= 1000) canonicalLocales.clear();
  canonicalLocales.set(tag, canonical);
  return canonical;
}

export const locale = text(MAX.short).transform((tag, ctx) => {
  const canonical = canonicalLocale(tag);
  if (canonical !== undefined) return canonical;
  ctx.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag, e.g. en-US' });
  return z.NEVER;
});

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
export const image = text(MAX.image).refine(
  (data) => data.length % 4 === 0 && BASE64.test(data),
  'must be base64 (A-Z, a-z, 0-9, +, /, padded with =)',
);

export const yearMonth = text(MAX.short).regex(/^\d{4}-(?:0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM');

const HOUR = '(?:[01]\\d|2[0-3])';
const MINUTE = '[0-5]\\d';
/**
 * Date, time (seconds and their fraction optional), zone. The zone is optional here so that a date-time without one
 * gets its own message; the date is only shaped here, and checked by zod's calendar-aware date pattern.
 */
const DATE_TIME = new RegExp(
  `^(?<date>\\d{4}-\\d{2}-\\d{2})T${HOUR}:${MINUTE}(?::${MINUTE}(?:\\.\\d+)?)?(?<zone>Z|[+-]${HOUR}:${MINUTE})?$`,
);
export const INVALID_DATE_TIME = 'must be an ISO 8601 date-time with Z or an offset, e.g. 2024-05-01T12:00:00Z';
export const NO_TIME_ZONE = 'must include a time zone: Z or an offset such as +02:00';

/**
 * An ISO 8601 date-time with a zone, kept as given (trimmed): it is sent as is (as a provider's "modified at" field), and
 * payload hashes already stored depend on its exact text.
 */
export const dateTime = text(MAX.short).check((payload) => {
  const { value: input } = payload;
  const groups = DATE_TIME.exec(input)?.groups;
  const date = groups?.date;
  if (date === undefined || !z.regexes.date.test(date)) {
    payload.issues.push({ code: 'custom', input, message: INVALID_DATE_TIME });
  } else if (groups?.zone === undefined) {
    // Read in whichever zone the reader is in, the same record would mean different instants.
    payload.issues.push({ code: 'custom', input, message: NO_TIME_ZONE });
  }
});

/** Values of `kind`, as a record so that the type and this list cannot drift apart. */
const CUSTOMER_KINDS: Readonly<Record<CustomerKind, true>> = { individual: true, business: true };

function isCustomerKind(value: string): value is CustomerKind {
  return Object.hasOwn(CUSTOMER_KINDS, value);
}

/** Compared as written, after trimming like every text field: `Business` is not accepted. */
export const customerKind = text(MAX.short).transform((value, ctx): CustomerKind => {
  if (isCustomerKind(value)) return value;
  ctx.addIssue({ code: 'custom', message: 'must be "individual" or "business"' });
  return z.NEVER;
});

const DECIMAL_DIGITS = /^\d+$/;
const NOT_POSITIVE = 'must be a positive integer';

/**
 * A provider's integer id (`idType: 'integer'`): a positive safe integer, or a string of its decimal digits, trimmed like any text
 * (`"1024"` and `1024` are the same id, so the same customer and the same hashes). Always a number once parsed.
 * Its issues abort implicitly, as `text()`'s do.
 */
export const integerId = z.union([z.number(), z.string()]).transform((given, ctx): number => {
  let id: number;
  if (typeof given === 'number') {
    id = given;
  } else {
    const digits = given.trim();
    if (digits.length === 0) {
      ctx.addIssue({ code: 'custom', message: EMPTY });
      return z.NEVER;
    }
    if (!DECIMAL_DIGITS.test(digits)) {
      ctx.addIssue({ code: 'custom', message: `${NOT_POSITIVE}, or a string of its decimal digits` });
      return z.NEVER;
    }
    id = Number(digits);
  }
  if (!Number.isInteger(id) || id <= 0) {
    ctx.addIssue({ code: 'custom', message: NOT_POSITIVE });
    return z.NEVER;
  }
  if (id > Number.MAX_SAFE_INTEGER) {
    // Above 2^53 - 1 neighbouring integers share one double: the id would silently become another.
    ctx.addIssue({ code: 'custom', message: `must be at most ${Number.MAX_SAFE_INTEGER}` });
    return z.NEVER;
  }
  return id;
});
