import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ERROR_KINDS } from '../errors/kinds.js';
import { providerError } from '../errors/provider-errors.js';
import type { Customer } from '../model/types.js';
import { OptionsError } from '../errors/validation-error.js';
import { isProviderIdForm, PROVIDER_ID_PATTERN, type ProviderId } from '../provider-id.js';
import type { PushResult } from '../push/engine.js';
import { stableStringify } from '../push/hash.js';

/** What a push job carries: a validated customer and the push options that make sense off-line. */
export interface PushJobData {
  customer: Customer;
  only?: ProviderId[] | undefined;
  full?: boolean | undefined;
}

/** Options of `enqueue`: those of `push` except `dryRun`, which a worker has no one to show. */
export interface EnqueueOptions {
  only?: readonly ProviderId[] | undefined;
  full?: boolean | undefined;
}

/** Which ids a worker knows is its config's business: here, only the form of an id. */
const providerId = z.string().regex(PROVIDER_ID_PATTERN);

/** A job's data as read back from Redis: another version of customer-sync may have written it. */
export const jobDataSchema = z.object({
  customer: z.unknown(),
  only: z.array(providerId).optional(),
  full: z.boolean().optional(),
});

/** The job data of a push; throws an `OptionsError` naming `only` when it holds something not a provider id. */
export function jobData(customer: Customer, options: EnqueueOptions = {}): PushJobData {
  const data: PushJobData = { customer };
  const unknown = options.only?.filter((id) => !isProviderIdForm(id)) ?? [];
  if (unknown.length > 0) {
    throw new OptionsError('Invalid enqueue options', [{ path: 'only', message: 'not a provider id: lower-case letters, digits and "-"' }]);
  }
  if (options.only !== undefined) data.only = [...new Set(options.only)].sort();
  if (options.full === true) data.full = true;
  return data;
}

/**
 * The BullMQ deduplication id of a push: the same customer record with the same options is one job while that job
 * waits or runs, so a re-run of `sync --queue` while jobs are pending does not double them. Once the job has
 * finished, the same push is a new job (reporting `unchanged`), not the old job's result replayed.
 */
export function deduplicationId(data: PushJobData): string {
  const digest = createHash('sha256').update(stableStringify(data)).digest('base64url').slice(0, 32);
  return `${data.customer.id.length <= 64 ? data.customer.id : 'id'}:${digest}`;
}

/** A job's return value: the `PushResult`, its errors reduced to what the report needs. */
export interface SerializedResult {
  customerId: string;
  providers: Partial<Record<ProviderId, SerializedOutcome>>;
}

interface SerializedOutcome {
  status: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  providerId?: string | undefined;
  reason?: string | undefined;
  error?: { kind: (typeof ERROR_KINDS)[number]; status?: number | undefined; message: string } | undefined;
  warnings: string[];
  requests: number;
  retries: number;
}

export function serializeResult(result: PushResult): SerializedResult {
  const providers: SerializedResult['providers'] = {};
  for (const [id, outcome] of Object.entries(result.providers) as Array<[ProviderId, NonNullable<PushResult['providers'][ProviderId]>]>) {
    const { status, providerId: pid, reason, error, warnings, requests, retries } = outcome;
    providers[id] = {
      status,
      providerId: pid,
      reason,
      error: error ? { kind: error.kind, status: error.status, message: error.message } : undefined,
      warnings,
      requests,
      retries,
    };
  }
  return { customerId: result.customerId, providers };
}

const outcomeSchema = z.object({
  status: z.enum(['created', 'updated', 'unchanged', 'skipped', 'failed']),
  providerId: z.string().optional(),
  reason: z.string().optional(),
  error: z.object({ kind: z.enum(ERROR_KINDS), status: z.number().optional(), message: z.string() }).optional(),
  warnings: z.array(z.string()),
  requests: z.number(),
  retries: z.number(),
});
const resultSchema = z.object({ customerId: z.string(), providers: z.partialRecord(providerId, outcomeSchema) });

/** A job's return value back as a `PushResult` (errors typed again by kind); throws when it is not one. */
export function deserializeResult(value: unknown): PushResult {
  const parsed = resultSchema.parse(value);
  const result: PushResult = { customerId: parsed.customerId, providers: {} };
  for (const [id, outcome] of Object.entries(parsed.providers) as Array<[ProviderId, z.infer<typeof outcomeSchema>]>) {
    const { error, ...rest } = outcome;
    result.providers[id] = {
      ...rest,
      error: error && providerError(error.kind, error.message, { provider: id, customerId: parsed.customerId, status: error.status }),
    };
  }
  return result;
}
