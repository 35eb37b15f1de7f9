import { z } from 'zod';
import type { AuthSpec, CommonAdapterOptions } from '../../src/adapter/definition.js';
import type { ValidationIssue } from '../../src/model/types.js';
import { loginResponseSchema } from './schemas.js';

/** Yativo's own option keys (DESIGN §6): a static `token`, or `accountId` + `appSecret` to exchange for one. */
export interface YativoOptions extends CommonAdapterOptions {
  /** A bearer token used as is. Give this, or `accountId` and `appSecret`. */
  token?: string;
  /** Account ID (dashboard, Settings → Account); exchanged with `appSecret` for a 10-minute token. */
  accountId?: string;
  /** App Secret (dashboard, Developer → API Key). */
  appSecret?: string;
}

export const optionsShape = {
  token: z.string().min(1).optional(),
  accountId: z.string().min(1).optional(),
  appSecret: z.string().min(1).optional(),
};

/** Exactly one credential form: two forms at once would leave it unclear which account is written to. */
export function checkOptions(options: YativoOptions): ValidationIssue[] {
  const hasPair = options.accountId !== undefined || options.appSecret !== undefined;
  if (options.token !== undefined && hasPair) {
    return [{ path: 'token', message: 'give either token or accountId and appSecret, not both' }];
  }
  if (options.token !== undefined) return [];
  if (options.accountId !== undefined && options.appSecret !== undefined) return [];
  const missing = options.accountId !== undefined ? ' (appSecret is missing)' : options.appSecret !== undefined ? ' (accountId is missing)' : '';
  return [{ path: 'token', message: `required: token, or accountId and appSecret${missing}` }];
}

/** `accountId` is an identifier, not a credential on its own: only the token and the secret are redacted. */
export function secrets(options: YativoOptions): string[] {
  return [options.token, options.appSecret].filter((value): value is string => value !== undefined);
}

const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { Authorization: `Bearer ${token}` };

export function auth(options: YativoOptions): AuthSpec {
  if (options.token !== undefined) return { token: options.token, headers: bearer };
  const { accountId, appSecret } = options;
  if (accountId === undefined || appSecret === undefined) {
    throw new TypeError('Yativo needs token, or accountId and appSecret');
  }
  return {
    headers: bearer,
    exchange: {
      // https://docs.yativo.com/security-and-authentication/authentication
      // Sending the same credentials twice only mints a second token: safe to retry.
      request: {
        method: 'POST',
        path: '/auth/login',
        body: { account_id: accountId, app_secret: appSecret },
        retrySafe: true,
      },
      parse(body) {
        const parsed = loginResponseSchema.safeParse(body);
        if (!parsed.success) return undefined;
        // The docs give the lifetime both in the body and in prose (600 s); trust the body, fall back to the prose.
        const { access_token: token, expires_in: expiresInSeconds = 600 } = parsed.data.data;
        return { token, expiresInSeconds };
      },
    },
  };
}
