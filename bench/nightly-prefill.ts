/**
 * Last night for sizes a real first sync cannot reach in a bench's time. A first sync creates every customer, and a
 * create costs the CLI about 5 ms of CPU here (two requests, and a create intent written durably: one fsync each),
 * so 200,000 lines take 15-30 minutes and 1,000,000 would take hours. For those sizes (and `--quick`) the state is
 * prefilled instead, then completed by the CLI itself:
 *
 * - every customer's link is recorded through the state store's own API (`recordSuccess`), with the payload hash a
 *   run computes (state-rows.ts: the validated record, the provider's update body and the id an update addresses);
 * - the changed customers (1 %) are created for real at the sandbox from last night's version (`createChanged`), and
 *   their links carry the ids the sandbox answered; the others get invented ids, which no night ever sends to;
 * - then `customer-sync sync` of last night's file on that state: it must find every line unchanged and send
 *   nothing, which proves the prefill exact, and it leaves whatever else a run remembers (the confirmed raw lines)
 *   as a real night would.
 */
import type { Adapter } from '../src/adapter/adapter.js';
import { parseConfig } from '../src/config/config.js';
import { validateCustomer } from '../src/model/customer.js';
import type { Customer } from '../src/model/types.js';
import { BUILT_IN } from '../src/providers.js';
import { SqliteStateStore } from '../src/state/sqlite-store.js';
import { customerLine, isChanged } from './customers.js';
import { eachLimit, RawClient, rawCreate, type BenchContext } from './harness.js';
import { rowsFor } from './state-rows.js';

/** Links recorded before waiting for their commit. */
const PREFILL_BATCH = 1000;

function validated(line: string): Customer {
  const checked = validateCustomer(JSON.parse(line));
  if (!checked.ok) throw new Error(`bench record is invalid: ${JSON.stringify(checked.issues)}`);
  return checked.customer;
}

/** An id the provider could have handed out at create, for the customers never created for real. */
function inventedId(provider: string, i: number): string {
  return BUILT_IN.get(provider)?.idType === 'integer' ? String(10_000_000 + i) : `${provider}-${i}`;
}

function adapterOf(config: Record<string, unknown>, provider: string): Adapter {
  const adapter = parseConfig(config, {}).adapters.find((a) => a.id === provider);
  if (adapter === undefined) throw new Error(`nightly: the config has no ${provider}`);
  return adapter;
}

/**
 * Creates, at the sandbox `config` points at, the customers among `0 .. lines - 1` that change tonight, in last
 * night's version: the adapter's own create request, sent by a raw client (no limit, no state). Resolves with the
 * ids the sandbox answered, by customer index.
 */
export async function createChanged(config: Record<string, unknown>, lines: number, provider: string): Promise<Map<number, string>> {
  const adapter = adapterOf(config, provider);
  const changed: number[] = [];
  for (let i = 0; i < lines; i++) if (isChanged(i)) changed.push(i);
  const learned = new Map<number, string>();
  const raw = new RawClient(32);
  try {
    await eachLimit(changed, 32, async (i) => {
      learned.set(i, await rawCreate(raw, adapter, validated(customerLine(i, 0))));
    });
  } finally {
    raw.close();
  }
  return learned;
}

/** Records last night's links of customers `0 .. lines - 1` in a new state at `statePath`; see the module comment. */
export async function prefillState(ctx: BenchContext, statePath: string, lines: number, provider: string, config: Record<string, unknown>): Promise<void> {
  const adapter = adapterOf(config, provider);
  const learned = await createChanged(config, lines, provider);
  ctx.log(`nightly prefill: ${learned.size.toLocaleString('en-US')} changed customers created at the sandbox`);

  const store = SqliteStateStore.open(statePath);
  try {
    const definition = [adapter.definition];
    let lastLog = performance.now();
    // Many at once, as a run's deliveries confirm them: the store commits what is pending together.
    let pending: Array<Promise<void>> = [];
    for (let i = 0; i < lines; i++) {
      const id = learned.get(i) ?? inventedId(provider, i);
      for (const [customerId, , providerId, payloadHash] of rowsFor(validated(customerLine(i, 0)), () => id, definition)) {
        pending.push(store.recordSuccess(customerId, provider, { providerId, payloadHash }));
      }
      if (pending.length >= PREFILL_BATCH) {
        await Promise.all(pending);
        pending = [];
      }
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        ctx.log(`nightly prefill: ${(i + 1).toLocaleString('en-US')} of ${lines.toLocaleString('en-US')} links recorded`);
      }
    }
    await Promise.all(pending);
  } finally {
    await store.close();
  }
}
