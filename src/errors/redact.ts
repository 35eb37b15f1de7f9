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
