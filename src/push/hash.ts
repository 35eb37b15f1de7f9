import { createHash } from 'node:crypto';

/** JSON with keys sorted at every depth, so equal payloads hash equally whatever their key order. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, val: unknown) => {
    if (val === null || typeof val !== 'object' || Array.isArray(val)) return val;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(val).sort()) sorted[key] = (val as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * Hash of what an update would send, and to which id: a changed body or a changed target both count as a change.
 * Create-only fields never enter it (DESIGN §6), so a customer created yesterday is `unchanged` today.
 */
export function payloadHash(providerId: string | undefined, body: Record<string, unknown>): string {
  return createHash('sha256')
    .update(stableStringify({ id: providerId ?? null, body }))
    .digest('base64url');
}
