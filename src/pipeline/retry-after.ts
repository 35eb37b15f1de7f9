/**
 * Milliseconds to wait according to a `Retry-After` header (RFC 9110 §10.2.3): either delay-seconds or an
 * HTTP date. A date in the past means "now" (0). `undefined` when the header is absent or unreadable, so the
 * caller falls back to its own backoff instead of trusting garbage.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;

  if (/^\d+(\.\d+)?$/.test(text)) {
    return Math.ceil(Number(text) * 1000);
  }

  // All three HTTP-date forms start with a day name. Checking that first keeps Date.parse from reading
  // things like "-1" or "2" as years.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  // asctime form (`Sun Nov  6 08:49:37 1994`) carries no zone; HTTP dates are always GMT.
  const asctime = /^[A-Za-z]{3} [A-Za-z]{3} +\d/.test(text);
  const at = Date.parse(asctime ? `${text} GMT` : text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil(at - nowMs));
}
