import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** sha256 of a token: every comparison is between two 32-byte digests, whatever the lengths of the tokens. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Checks an `Authorization` header against the configured tokens in constant time: the given token is compared with
 * every configured one (no early exit on a match), each comparison `timingSafeEqual` over fixed-length digests, so
 * the time taken says nothing about which token, or how much of one, matched.
 */
export function bearerCheck(tokens: readonly string[]): (authorization: string | undefined) => boolean {
  if (tokens.length === 0 || tokens.some((token) => token === '')) throw new RangeError('bearerCheck needs tokens, none of them empty');
  const expected = tokens.map(digest);
  return (authorization) => {
    const given = digest(BEARER.exec(authorization ?? '')?.[1] ?? '');
    // No header, or no token in it, digests to sha256(''), which no configured token (never empty) has.
    let ok = false;
    for (const token of expected) ok = timingSafeEqual(given, token) || ok;
    return ok;
  };
}
