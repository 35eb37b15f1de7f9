/**
 * Whether two email addresses are the same mailbox for a provider's lookup. Case is ignored throughout: providers'
 * own uniqueness checks ignore it (an "email already exists", a duplicate client), so a stricter match would miss the
 * very customer they refuse to create twice.
 */
export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
