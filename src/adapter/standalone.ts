import type { Adapter } from './adapter.js';
import type { ProviderOutcome } from '../push/outcome.js';
import type { CustomerSync } from '../sync.js';

/**
 * The one-adapter sync behind `adapter.push`, made on first use so an adapter that is only configured costs nothing:
 * the engine, the pipeline and axios load at the first push, not with the adapter (the config makes adapters for
 * commands that push nothing: state, init). Kept as a promise from the first push on, so that a second push, or a
 * close, made while it loads finds the same sync.
 */
const syncs = new WeakMap<Adapter, Promise<CustomerSync>>();

export async function pushWithAdapter(adapter: Adapter, customer: unknown): Promise<ProviderOutcome> {
  let sync = syncs.get(adapter);
  if (!sync) {
    sync = import('../sync.js').then(({ createCustomerSync }) => createCustomerSync({ adapters: [adapter] }));
    syncs.set(adapter, sync);
  }
  const result = await (await sync).push(customer);
  const outcome = result.providers[adapter.id];
  if (!outcome) throw new Error(`no outcome for ${adapter.id}`);
  return outcome;
}

export async function closeStandalone(adapter: Adapter): Promise<void> {
  const sync = syncs.get(adapter);
  syncs.delete(adapter);
  if (sync) await (await sync).close();
}
