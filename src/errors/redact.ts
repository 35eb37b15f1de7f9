/** Text put in place of a secret wherever one would have appeared. */
export const REDACTED = '[REDACTED]';

/**
 * Replaces every occurrence of each secret in `text`. Secrets shorter than 4 characters are ignored:
 * redacting them would shred ordinary words without protecting anything.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * The secrets a connection URL carries: its password (percent-decoded and as written) and a `password=` query
 * parameter. Empty for text that is not a URL.
 */
export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const secrets = new Set<string>();
  if (parsed.password !== '') {
    secrets.add(parsed.password);
    try {
      secrets.add(decodeURIComponent(parsed.password));
    } catch {
      // A password with a stray `%` is kept as written only.
    }
  }
  for (const value of parsed.searchParams.getAll('password')) if (value !== '') secrets.add(value);
  return [...secrets];
}

/**
 * A connection URL fit to show: its password and `password=` parameter replaced by REDACTED, the rest (user, host,
 * database) kept so a message still says where. Text that is not a URL is returned as it is.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password !== '') parsed.password = REDACTED;
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', REDACTED);
  // URL percent-encodes the brackets; a reader should see the marker as it is elsewhere.
  return parsed.toString().split(encodeURIComponent(REDACTED)).join(REDACTED);
}

/** What to do about a URL `atAfterHost` refuses, for its message. */
export const ENCODE_PASSWORD_HINT = "percent-encode a password's @, /, ? and # (%40, %2F, %3F, %23)";

/**
 * Whether `url` has an @ after its host. A password written raw with an @ and then a / parses as a host and a path
 * (`app:pa@ss/word@db` is host "ss"), so a message naming the host or the path would show the password's end: such a
 * URL is refused without being shown. No database name or gateway path needs a raw @. `query`: its query string
 * counts too.
 */
export function atAfterHost(url: URL, options: { query?: boolean } = {}): boolean {
  return `${url.pathname}${options.query === true ? url.search : ''}${url.hash}`.includes('@');
}
