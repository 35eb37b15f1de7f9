import type { LookupRule } from '../adapter/definition.js';
import type { Customer } from '../model/types.js';
import type { ProviderId } from '../provider-id.js';
import type { StateStore } from '../state/store.js';

/** What a lookup says: the customer that is provably ours, none, or a reason no match can be trusted. */
export type Found =
  | { kind: 'found'; id: string }
  | { kind: 'none' }
  /** The only exact match is linked to another customer of ours: theirs, and not one this customer's create made. */
  | { kind: 'taken'; reason: string }
  /** No match can be trusted (several, or a lookup too long to read). */
  | { kind: 'refused'; reason: string };

/** A lookup that goes on longer than this is not a lookup of one customer: refused rather than read forever. */
export const MAX_LOOKUP_PAGES = 50;

/** What a lookup needs from the delivery that runs it. */
export interface LookupContext {
  provider: ProviderId;
  /** Human name, for messages. */
  name: string;
  customer: Customer;
  store: StateStore;
  /** One page's answer, a 2xx; anything else is thrown by `read` as the typed error it is. */
  read(page: number): Promise<{ status: number; body: unknown }>;
  /** The error for a page that does not parse (a lookup that cannot be read must never pass for "not there"). */
  unreadable(status: number): Error;
}

/**
 * Looks the customer up by its natural key, every page, keeping exact matches only (DESIGN §5). `found` is an id
 * that is provably ours: the only exact match, and not linked in the state to another customer of ours.
 */
export async function findOurs(lookup: LookupRule, ctx: LookupContext): Promise<Found> {
  const matches = new Set<string>();
  for (let page = 1; ; page++) {
    if (page > MAX_LOOKUP_PAGES) {
      return { kind: 'refused', reason: `the lookup by ${lookup.key} has more than ${MAX_LOOKUP_PAGES} pages` };
    }
    const { status, body } = await ctx.read(page);
    let parsed: { matches: string[]; more: boolean };
    try {
      parsed = lookup.parse(body, ctx.customer, page);
    } catch {
      throw ctx.unreadable(status);
    }
    for (const id of parsed.matches) matches.add(id);
    if (!parsed.more) break;
  }
  // Exactly one exact match, or none is trusted: with two, even one already linked to another customer of ours,
  // the other may be a stranger's with the same email.
  if (matches.size > 1) {
    return { kind: 'refused', reason: `${matches.size} customers there have exactly our ${lookup.key}; cannot tell which is ours` };
  }
  const [id] = matches;
  if (id === undefined) return { kind: 'none' };
  const ours = ctx.customer.id;
  const others = (await ctx.store.customersLinkedTo(ctx.provider, id)).filter((c) => c !== ours);
  if (others.length > 0) {
    return {
      kind: 'taken',
      reason: `the customer found by ${lookup.key}, ${ctx.name} id ${id}, is already linked to our customer ${others.join(', ')}, not to ${ours}`,
    };
  }
  return { kind: 'found', id };
}
