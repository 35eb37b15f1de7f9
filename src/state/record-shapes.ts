import { z } from 'zod';
import { ERROR_KINDS } from '../errors/kinds.js';
import { PROVIDER_IDS } from '../providers.js';

// Shapes of the stored JSON (`CreateIntent`, `FailureRecord`), checked by every store's integrity check: a row
// that does not parse would break every run.
const requestSpecSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT']),
  path: z.string().startsWith('/'),
  query: z.record(z.string(), z.string()).optional(),
  body: z.record(z.string(), z.unknown()).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  retrySafe: z.boolean(),
});

export const intentSchema = z.object({
  idempotencyKey: z.string().min(1),
  request: requestSpecSchema,
  updateBody: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  status: z.enum(['pending', 'unknown_outcome']),
});

export const failureSchema = z.object({
  kind: z.enum(ERROR_KINDS),
  status: z.number().int().optional(),
  message: z.string(),
  at: z.string(),
});

export const KNOWN_PROVIDERS: readonly string[] = PROVIDER_IDS;
