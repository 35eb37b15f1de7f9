/**
 * State rows (one per customer and provider) computed the way a real run computes them: each provider's
 * `updateBody` of the validated record, and `payloadHash` of that body and the id an update addresses (DESIGN §3
 * "path id": the record's own id for the provider, else the provider's default id, else the id learned at a
 * create). This mirrors `Delivery#targetId` in src/push/deliver.ts. `seedEverywhere` (harness.ts) records them for
 * customers it created with raw requests, so that the scenarios' syncs find them known and update them.
 */
import type { ProviderDefinition } from '../src/adapter/definition.js';
import type { Customer } from '../src/model/types.js';
import { BUILT_IN } from '../src/providers.js';
import { payloadHash } from '../src/push/hash.js';

const DEFINITIONS: readonly ProviderDefinition[] = [...BUILT_IN.values()];

/** One `links` row: customer id, provider, provider id, payload hash. */
export type Row = [customerId: string, provider: string, providerId: string, payloadHash: string];

/** The id an update to `def` addresses for `customer`, given the id learned at create. */
function targetId(def: ProviderDefinition, customer: Customer, learned: string): string {
  const own = customer.providerIds?.[def.id];
  return own !== undefined ? String(own) : (def.defaultId?.(customer) ?? learned);
}

/** The rows a successful sync of `customer` leaves at `definitions`, given the ids each provider gave it. */
export function rowsFor(
  customer: Customer,
  learned: (provider: string) => string,
  definitions: readonly ProviderDefinition[] = DEFINITIONS,
): Row[] {
  return definitions.map((def) => {
    const update = def.updateBody(customer);
    if (!update.ok) throw new Error(`${def.id} cannot take ${customer.id}: ${update.message}`);
    const id = learned(def.id);
    return [customer.id, def.id, id, payloadHash(targetId(def, customer, id), update.body)];
  });
}
