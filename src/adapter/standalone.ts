import type { Adapter } from './adapter.js';
import type { ProviderOutcome } from '../push/outcome.js';
import { createCustomerSync, type CustomerSync } from '../sync.js';

/** The one-adapter sync behind `adapter.push`, made on first use so an adapter that is only configured costs nothing. */
const syncs = new WeakMap<Adapter, CustomerSync>();

export async function pushWithAdapter(adapter: Adapter, customer: unknown): Promise<ProviderOutcome> {
  let sync = syncs.get(adapter);
  if (!sync) {
    sync = createCustomerSync({ adapters: [adapter] });
    syncs.set(adapter, sync);
  }
  const result = await sync.push(customer);
  const outcome = result.providers[adapter.id];
  if (!outcome) throw new Error(`no outcome for ${adapter.id}`);
  return outcome;
}

export async function closeStandalone(adapter: Adapter): Promise<void> {
  const sync = syncs.get(adapter);
  syncs.delete(adapter);
  await sync?.close();
}
