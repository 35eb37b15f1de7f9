/** The provider ids used everywhere: config keys, report keys, `providerIds` keys and `--only`. */
export const PROVIDER_IDS = ['yativo', 'fatora', 'bluetape', 'invisible-collector'] as const;

export type ProviderId = (typeof PROVIDER_IDS)[number];

export function isProviderId(value: string): value is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(value);
}
