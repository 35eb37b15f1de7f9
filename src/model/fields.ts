/**
 * Schemas for the canonical customer's single fields (DESIGN §2): trimmed, bounded, normalized.
 * None may abort explicitly (`abort: true`, zod's `.int()`): zod then skips the record-level checks that have a
 * `when`, and the phone check is one of them, so its issue would go missing from the list.
 */
import * as z from 'zod';
import { toAlpha2 } from './countries.js';

/** Longest accepted strings, in UTF-16 code units, after trimming. */
export const MAX = { id: 128, email: 254, short: 100, text: 1000, notes: 10_000, image: 10 * 1024 * 1024 } as const;

const EMPTY = 'must not be empty: leave the field out instead';
export const EMPTY_REQUIRED = 'must not be empty';

/**
 * A trimmed, non-empty string of at most `max` characters. Its issues abort implicitly: the field's later (costlier)
 * checks are skipped, the record's phone check is not.
 */
/** Half of a UTF-16 surrogate pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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
export const dateTime = text(MAX.short).regex(
  z.regexes.datetime({ offset: true }),
  'must be an ISO 8601 date-time with seconds and Z or an offset, e.g. 2024-05-01T12:00:00Z',
);
/** A safe integer above 0; checked by hand because `.int()` aborts explicitly. */
export const positiveInt = z.number().check((payload) => {
  const { value: input } = payload;
  if (!Number.isSafeInteger(input) || input <= 0) {
    payload.issues.push({ code: 'custom', input, message: 'must be a positive integer' });
  }
});
