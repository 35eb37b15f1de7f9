/**
 * A provider's id: a built-in one or that of a provider of the user's own (`defineProvider`). Used everywhere:
 * config keys, report keys, `providerIds` keys and `--only`. A leaf module, so that naming the type imports nothing.
 */
export type ProviderId = string;
