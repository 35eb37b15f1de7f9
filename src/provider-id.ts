/**
 * A provider's id: a built-in one or that of a provider of the user's own (`defineProvider`). Used everywhere:
 * config keys, report keys, `providerIds` keys and `--only`. A leaf module, so that naming the type imports nothing.
 */
export type ProviderId = string;

/** A provider id's form: lower-case letters, digits and `-`, from a letter (a config key, a CLI word, a path segment). */
export const PROVIDER_ID_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

export function isProviderIdForm(value: unknown): value is ProviderId {
  return typeof value === 'string' && PROVIDER_ID_PATTERN.test(value);
}
