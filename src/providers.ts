import type { ProviderDefinition } from './adapter/definition.js';
import { BUILT_IN_DEFINITIONS } from './registry.js';

export type { ProviderId } from './provider-id.js';

/** The ids of the providers this package ships. */
export type BuiltInProviderId = (typeof BUILT_IN_DEFINITIONS)[number]['id'];

/** The built-in providers' ids, in registry order. */
export const PROVIDER_IDS: readonly BuiltInProviderId[] = BUILT_IN_DEFINITIONS.map((definition) => definition.id);

/** Whether `value` is the id of a built-in provider. */
export function isProviderId(value: string): value is BuiltInProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(value);
}

/** The built-in providers' definitions, by id. */
export const BUILT_IN: ReadonlyMap<string, ProviderDefinition> = new Map(
  BUILT_IN_DEFINITIONS.map((definition) => [definition.id, definition as unknown as ProviderDefinition]),
);
