import { z } from 'zod';
import { ERROR_KINDS } from '../errors/kinds.js';
import { BUILT_IN } from '../providers.js';

// Shapes of the stored JSON (`CreateIntent`, `FailureRecord`), checked by every store's integrity check: a row
// that does not parse would break every run. An intent must be exactly what this build writes: a key it does not
// write (the `updateBody` of schema versions before the intent kept only a hash) is reported, not carried along.
const requestSpecSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT']),
  path: z.string().startsWith('/'),
  query: z.record(z.string(), z.string()).optional(),
  body: z.record(z.string(), z.unknown()).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  retrySafe: z.boolean(),
});

/** `payloadHash`'s form (src/push/hash.ts): SHA-256, base64url, unpadded. */
export const PAYLOAD_HASH = /^[A-Za-z0-9_-]{43}$/;

export const intentSchema = z.strictObject({
  idempotencyKey: z.string().min(1),
  request: requestSpecSchema,
  updateHash: z.string().regex(PAYLOAD_HASH, 'must be a payload hash (SHA-256, base64url)'),
  createdAt: z.string(),
  status: z.enum(['pending', 'unknown_outcome']),
});

/**
 * The built-in providers whose create intents keep the request body: those that take an idempotency key, where a
 * replay must send the same bytes under the same key. Every other built-in provider's intent is stored without it.
 */
export const INTENT_BODY_PROVIDERS: readonly string[] = [...BUILT_IN.values()]
  .filter((definition) => definition.idempotencyHeader !== undefined)
  .map((definition) => definition.id);

const keyedIntentSchema = intentSchema;
const keylessIntentSchema = intentSchema.superRefine((intent, ctx) => {
  if (intent.request.body !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['request', 'body'],
      message: 'is kept, but only the create intents of providers taking an idempotency key keep their body',
    });
  }
});

/**
 * The shape of an intent stored for `provider`: with a request body only where a built-in provider takes a key. A
 * provider of the user's own may keep one or not (its definition decides, and the state does not see it).
 */
export function intentSchemaFor(provider: string): z.ZodType {
  if (!BUILT_IN.has(provider)) return keyedIntentSchema;
  return INTENT_BODY_PROVIDERS.includes(provider) ? keyedIntentSchema : keylessIntentSchema;
}

export const failureSchema = z.object({
  kind: z.enum(ERROR_KINDS),
  status: z.number().int().optional(),
  message: z.string(),
  at: z.string(),
});

/** Links of a provider of the user's own are as valid as a built-in one's: only the id's form is checked. */
export { isProviderIdForm } from '../provider-id.js';
