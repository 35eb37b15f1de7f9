import { z } from 'zod';
import type { AuthSpec, CommonAdapterOptions } from '../../src/adapter/definition.js';
import type { ValidationIssue } from '../../src/model/types.js';
import { authorizeResponseSchema } from './schemas.js';

/** Fatora's own option keys (DESIGN §6): a static `token` or an `apiKey` to exchange, and `createMissing`. */
export interface FatoraOptions extends CommonAdapterOptions {
  /** A bearer token used as is. Give this or `apiKey`. */
  token?: string;
  /** The merchant API key (dashboard, Integration), exchanged for a bearer token. */
  apiKey?: string;
  /** Find a record without `providerIds.fatora` by email, else create it. @default false */
  createMissing?: boolean;
}

export const optionsShape = {
  token: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  createMissing: z.boolean().optional(),
};

/** Exactly one credential form: two at once would leave it unclear which account is written to. */
export function checkOptions(options: FatoraOptions): ValidationIssue[] {
  if (options.token !== undefined && options.apiKey !== undefined) {
    return [{ path: 'token', message: 'give either token or apiKey, not both' }];
  }
  if (options.token === undefined && options.apiKey === undefined) {
    return [{ path: 'token', message: 'required: token or apiKey' }];
  }
  return [];
}

export function secrets(options: FatoraOptions): string[] {
  return [options.token, options.apiKey].filter((value): value is string => value !== undefined);
}

export const createMissing = (options: FatoraOptions): boolean => options.createMissing === true;

const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { Authorization: `Bearer ${token}` };

export function auth(options: FatoraOptions): AuthSpec {
  if (options.token !== undefined) return { token: options.token, headers: bearer };
  if (options.apiKey === undefined) throw new TypeError('Fatora needs token or apiKey');
  return {
    headers: bearer,
    exchange: {
      // https://fatora.io/api/authentication.php
      // A GET that only mints a token: safe to retry. The key travels in `api_key`, never in the URL.
      request: {
        method: 'GET',
        path: '/v1/Authorization/Authorize',
        headers: { api_key: options.apiKey },
        retrySafe: true,
      },
      parse(body) {
        const parsed = authorizeResponseSchema.safeParse(body);
        // No lifetime is documented: the token is kept until a 401 asks for a new one.
        return parsed.success ? { token: parsed.data.bearer_token } : undefined;
      },
    },
  };
}
