import { z } from 'zod';
import type { AuthSpec, CommonAdapterOptions } from '../../src/adapter/definition.js';

/** Invisible Collector's own option keys (DESIGN §6): a static `token`, and `createMissing`. */
export interface InvisibleCollectorOptions extends CommonAdapterOptions {
  /** The company's API token, sent as `Authorization: Bearer …`. */
  token: string;
  /** When an update answers 404, create the customer (`POST /customers`; needs name and vatNumber). @default false */
  createMissing?: boolean;
}

export const optionsShape = {
  token: z.string().min(1),
  createMissing: z.boolean().optional(),
};

export const secrets = (options: InvisibleCollectorOptions): string[] => [options.token];

export const createMissing = (options: InvisibleCollectorOptions): boolean => options.createMissing === true;

export const auth = (options: InvisibleCollectorOptions): AuthSpec => ({
  token: options.token,
  headers: (token): Record<string, string> => (token === undefined ? {} : { Authorization: `Bearer ${token}` }),
});
