/**
 * State rows (one per customer and provider) computed the way a real run computes them: the record's NDJSON line through
 * `validateCustomer`, each provider's `updateBody`, and `payloadHash` of that body and the id an update addresses
 * (DESIGN §3 "path id": the record's own id for the provider, else the provider's default id, else the id learned
 * at a create). This mirrors `Delivery#targetId` in src/push/deliver.ts; the run's report checks it (every
 * unchanged record must come out `unchanged`, every changed one `updated`), and so does `checkRows`.
 */
import type { ProviderDefinition } from '../src/adapter/definition.js';
import { validateCustomer } from '../src/model/customer.js';
import type { Customer } from '../src/model/types.js';
import { BUILT_IN } from '../src/providers.js';
import { payloadHash } from '../src/push/hash.js';
import { customerLine } from './customers.js';

export const DEFINITIONS: readonly ProviderDefinition[] = [...BUILT_IN.values()];

/** One `links` row: customer id, provider, provider id, payload hash. */
export type Row = [customerId: string, provider: string, providerId: string, payloadHash: string];

/** Ids a provider would have handed out at create, for the records the benchmark never creates for real. */
export function inventedId(provider: string, i: number): string {
  const idType = BUILT_IN.get(provider)?.idType;
  return idType === 'integer' ? String(10_000_000 + i) : `${provider}-${i}`;
}

export function validated(line: string): Customer {
  const checked = validateCustomer(JSON.parse(line));
  if (!checked.ok) throw new Error(`bench record is invalid: ${JSON.stringify(checked.issues)}`);
  return checked.customer;
}

/** The id an update to `def` addresses for `customer`, given the id learned at create. */
export function targetId(def: ProviderDefinition, customer: Customer, learned: string): string {
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

/** Rows of last night's record `i` with invented ids (the records that did not change). */
export function prefillRows(i: number): Row[] {
  return rowsFor(validated(customerLine(i, 0)), (provider) => inventedId(provider, i));
}
