import type { ProviderId, SandboxCredentials, SandboxOptions } from './types.js';

type Frozen = { readonly [P in ProviderId]: Readonly<SandboxCredentials[P]> };

/** What the sandbox accepts unless the options say otherwise. Not secrets: they open nothing but the sandbox. */
export const SANDBOX_CREDENTIALS: Frozen = Object.freeze({
  yativo: Object.freeze({
    token: 'sandbox-yativo-token',
    accountId: 'sandbox-yativo-account',
    appSecret: 'sandbox-yativo-secret',
  }),
  fatora: Object.freeze({ token: 'sandbox-fatora-token', apiKey: 'sandbox-fatora-key' }),
  bluetape: Object.freeze({ apiKey: 'sandbox-bluetape-key', accountId: 'sandbox-bluetape-account' }),
  'invisible-collector': Object.freeze({ token: 'sandbox-ic-token' }),
});

/** The defaults with the options' overrides, field by field. */
export function resolveCredentials(overrides: SandboxOptions['credentials'] = {}): SandboxCredentials {
  return {
    yativo: { ...SANDBOX_CREDENTIALS.yativo, ...overrides.yativo },
    fatora: { ...SANDBOX_CREDENTIALS.fatora, ...overrides.fatora },
    bluetape: { ...SANDBOX_CREDENTIALS.bluetape, ...overrides.bluetape },
    'invisible-collector': { ...SANDBOX_CREDENTIALS['invisible-collector'], ...overrides['invisible-collector'] },
  };
}
