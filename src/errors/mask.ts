const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
// A run of 7+ digits, optionally with +, spaces, dots, dashes or parentheses between them: a phone number. Not
// inside a longer word: the digits of an id (a UUID's `9f82-2811726a`) are no phone, and an id must stay readable.
const PHONE = /(?<![A-Za-z0-9])\+?\d[\d\s().-]{5,}\d(?![A-Za-z0-9])/;
// A UUID's middle groups may all be digits (`24b8a639-9123-4567-8955-55afea8118b2`): seen alone, `9123-4567-8955`
// would pass for a phone number. UUIDs are matched first and kept whole.
const UUID = /\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b/;
const UUID_OR_PHONE = new RegExp(`(${UUID.source})|(${PHONE.source})`, 'g');
// Dates (2026-11-20, 2026-11-20 10) look like digit runs too; they are not personal data.
const DATE = /^\d{4}-\d{2}-\d{2}(\s\d{2})?$/;

/**
 * Masks personal data in free text before it reaches a log line: `ada@example.com` → `a***@example.com`,
 * `+351 912 345 678` → `+3***78`. Providers echo emails and phones in their error messages.
 */
export function maskPersonalData(text: string): string {
  return text
    .replace(EMAIL, (_match, first: string, domain: string) => `${first}***@${domain}`)
    .replace(UUID_OR_PHONE, (match, uuid: string | undefined) => {
      if (uuid !== undefined || DATE.test(match)) return match;
      const digits = match.replace(/\D/g, '');
      // International (+…), as every phone we send is, or long enough to be a national number; a size or a
      // count (1048576 bytes) is neither.
      const phone = match.startsWith('+') ? digits.length >= 7 : digits.length >= 9;
      return phone ? `${match.startsWith('+') ? '+' : ''}${digits.slice(0, 1)}***${digits.slice(-2)}` : match;
    });
}

/**
 * Masks the given values wherever they stand as whole words (`Ana Piimarker` → `A***`), longest first so that a full
 * name goes before its parts. For a customer's own values that no pattern recognises (`personalValues`).
 */
export function maskValues(text: string, values: Iterable<string>): string {
  const words = [...new Set([...values].map((value) => value.trim()).filter((value) => value.length >= 2))].sort((a, b) => b.length - a.length);
  if (words.length === 0) return text;
  const escaped = words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'gu');
  return text.replace(pattern, (match) => `${match.slice(0, 1)}***`);
}
