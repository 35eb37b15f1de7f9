import { SharedLimits } from '../pipeline/shared-limits.js';
import { DEFAULT_NAMESPACE } from '../queue/settings.js';
import { SyncEngine } from '../push/engine.js';
import type { StateStore } from '../state/store.js';
import type { LoadedConfig } from './config.js';

/**
 * The engine a config describes: its adapters, its state, its retry policy, and shared limits when `redis` is set,
 * under `namespace` (`CUSTOMER_SYNC_NAMESPACE`), the one workers and `sync --queue` share their limits under too:
 * a plain `sync` beside workers of that namespace must count against the same limit.
 */
export function engineFor(loaded: LoadedConfig, store: StateStore, namespace: string = DEFAULT_NAMESPACE): SyncEngine {
  const shared = loaded.config.redis === undefined ? undefined : new SharedLimits(loaded.config.redis, namespace);
  return new SyncEngine(loaded.adapters, store, loaded.config.retry, { shared });
}
