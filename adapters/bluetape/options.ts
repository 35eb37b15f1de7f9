import { z } from 'zod';
import type { AuthSpec, CommonAdapterOptions } from '../../src/adapter/definition.js';

/** BlueTape's own option keys (DESIGN §6): the two key headers, and `createMissing`. */
export interface BlueTapeOptions extends CommonAdapterOptions {
  /** Sent as `X-BlueTape-Key`. */
  apiKey: string;
  /** Sent as `X-Integration-AccountId`. */
  accountId: string;
  /** When an update answers 404, create the customer (`POST /integration/customer`). @default false */
  createMissing?: boolean;
}

export const optionsShape = {
  apiKey: z.string().min(1),
  accountId: z.string().min(1),
  createMissing: z.boolean().optional(),
};

export const secrets = (options: BlueTapeOptions): string[] => [options.apiKey];

export const createMissing = (options: BlueTapeOptions): boolean => options.createMissing === true;

/** Static headers on every request; BlueTape answers 401 when either is missing. No Authorization header. */
export const auth = (options: BlueTapeOptions): AuthSpec => ({
  headers: () => ({ 'X-BlueTape-Key': options.apiKey, 'X-Integration-AccountId': options.accountId }),
});
