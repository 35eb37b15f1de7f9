import { payloadHash } from '../push/hash.js';
import { INTENT_BODY_PROVIDERS } from './record-shapes.js';

/**
 * An intent as stored before SQLite schema 3 and PostgreSQL schema 2 brought to today's shape (`CreateIntent`),
 * by both stores' migrations: the whole update body (`updateBody`, personal data) becomes its hash,
 * `updateHash = payloadHash(undefined, updateBody)`, in the same place among the keys; and the create request's
 * body goes, except at the built-in providers that take an idempotency key (a replay under the same key must send
 * the same bytes; states of that time hold built-in providers only). Fixed in time like the migrations that call it: never edit it.
 * Returns `undefined` when there is nothing to change, or when the intent is not an object whose `updateBody` is
 * an object (a broken row is left as it is, for the integrity check to report).
 */
export function minimiseLegacyIntent(provider: string, intent: unknown): Record<string, unknown> | undefined {
  if (!isObject(intent)) return undefined;
  let changed = false;
  const next: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(intent)) {
    if (key !== 'updateBody') {
      next[key] = value;
      continue;
    }
    if (!isObject(value)) return undefined;
    next.updateHash = payloadHash(undefined, value);
    changed = true;
  }
  const request = next.request;
  if (!INTENT_BODY_PROVIDERS.includes(provider) && isObject(request) && 'body' in request) {
    const { body: _body, ...rest } = request;
    next.request = rest;
    changed = true;
  }
  return changed ? next : undefined;
}

/**
 * The same for an intent as stored, JSON text: the text to write back, or `undefined` when there is nothing to change
 * or the text is not JSON (the stores' checks keep that from happening; the integrity check would report it).
 */
export function minimiseStoredIntent(provider: string, text: string): string | undefined {
  let intent: unknown;
  try {
    intent = JSON.parse(text);
  } catch {
    return undefined;
  }
  const minimised = minimiseLegacyIntent(provider, intent);
  return minimised === undefined ? undefined : JSON.stringify(minimised);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
