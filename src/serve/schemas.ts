import { z } from 'zod';
import { ERROR_KINDS } from '../errors/kinds.js';

// The answers' shapes, in zod: fastify-type-provider-zod serializes each answer through them and @fastify/swagger
// documents them in /openapi.json from the same objects.

export const errorBody = z.object({ error: z.string().describe('What went wrong; never a token or personal data') });

export const issuesBody = z.object({
  issues: z
    .array(z.object({ path: z.string().describe('dot path of the field, "" for the record'), message: z.string() }))
    .describe('Every problem of the record, as the library and `customer-sync sync` report them'),
});

const outcome = z.object({
  status: z.enum(['created', 'updated', 'unchanged', 'skipped', 'failed']),
  providerId: z.string().optional().describe("the customer's id at the provider, when known"),
  reason: z.string().optional().describe('why the provider was skipped'),
  error: z
    .object({
      kind: z.enum(ERROR_KINDS),
      status: z.number().int().min(100).max(599).optional().describe("the provider's HTTP status, when it answered"),
      message: z.string().describe('credentials redacted, emails and phone numbers masked'),
    })
    .optional()
    .describe('set when status is failed'),
  warnings: z.array(z.string()),
  requests: z.number().int().min(0).describe('HTTP requests sent, retries included'),
  retries: z.number().int().min(0),
});

export const outcomesBody = z.object({
  customerId: z.string(),
  providers: z.record(z.string(), outcome).describe('one outcome per configured provider, by provider id'),
});
export type OutcomesBody = z.output<typeof outcomesBody>;

export const acceptedBody = z.object({ jobId: z.string().describe('GET /v1/jobs/{jobId} says how it ended') });

export const JOB_STATES = ['waiting', 'active', 'completed', 'failed'] as const;

export const jobBody = z.object({
  jobId: z.string(),
  state: z.enum(JOB_STATES),
  result: outcomesBody.optional().describe('when completed: the outcomes, as POST /v1/customers answers them'),
  error: z.string().optional().describe('when failed: why (our side: the state or Redis, after retries), never personal data'),
});
export type JobBody = z.output<typeof jobBody>;

export const jobParams = z.object({ id: z.string().min(1).max(200) });

export const healthBody = z.object({ status: z.enum(['ok', 'shutting down']) });
