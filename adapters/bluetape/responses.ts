import type { Operation, SuccessInfo } from '../../src/adapter/definition.js';
import { createResponseSchema, errorBodySchema, updateResponseSchema } from './schemas.js';

/** Throws a zod error on a 2xx without `blueTapeId` (`bad_response`). */
export function parseSuccess(operation: Operation, body: unknown): SuccessInfo {
  const parsed = operation === 'create' ? createResponseSchema.parse(body) : updateResponseSchema.parse(body);
  return { providerId: parsed.blueTapeId };
}

/** Every documented error carries `reason`. */
export function errorMessage(_status: number, body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  return parsed.success ? parsed.data.reason : undefined;
}

/** 409 "Customer already exists." to `POST /integration/customer`. */
export const isConflict = (status: number): boolean => status === 409;
