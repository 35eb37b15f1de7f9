import type { Operation, SuccessInfo } from '../../src/adapter/definition.js';
import { createResponseSchema, errorBodySchema, updateResponseSchema } from './schemas.js';

/** Throws a zod error on a 2xx that is not Yativo's success envelope: the pipeline reports it as `bad_response`. */
export function parseSuccess(operation: Operation, body: unknown): SuccessInfo {
  if (operation === 'create') {
    return { providerId: createResponseSchema.parse(body).data.customer_id };
  }
  return { providerId: updateResponseSchema.parse(body).data?.customer_id };
}

/** `customer_email: The customer email field is required.; other: …` from Laravel-style `errors`. */
function flatten(errors: Record<string, string | string[]>): string {
  return Object.entries(errors)
    .map(([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(' ') : messages}`)
    .join('; ');
}

/**
 * Yativo's message, chosen by the body's shape rather than its status, so an undocumented status with a
 * documented shape still reads well: 422 `errors` (with `message` in front), 400 `data.error`, else `message`.
 */
export function errorMessage(_status: number, body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { message, data, errors } = parsed.data;
  if (errors !== undefined && Object.keys(errors).length > 0) {
    return `${message ?? 'Validation failed'}: ${flatten(errors)}`;
  }
  return data?.error ?? message;
}
