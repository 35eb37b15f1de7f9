import type { LoadedConfig } from '../config/config.js';
import { engineFor } from '../config/runtime.js';
import { SharedLimits } from '../pipeline/shared-limits.js';
import { SyncEngine } from '../push/engine.js';
import type { StateStore } from '../state/store.js';
import { DEFAULT_NAMESPACE } from './settings.js';

/**
 * The engine a worker delivers with: `engineFor` (the config's adapters, pipeline and state, limits shared through
 * Redis). In another namespace the shared limits move with the queue, so an isolated deployment (or test run) on
 * the same Redis neither slows nor is slowed by the default one.
 */
export function queueEngine(loaded: LoadedConfig, store: StateStore, namespace: string = DEFAULT_NAMESPACE): SyncEngine {
  const redis = loaded.config.redis;
  if (namespace === DEFAULT_NAMESPACE || redis === undefined) return engineFor(loaded, store);
  return new SyncEngine(loaded.adapters, store, loaded.config.retry, { shared: new SharedLimits(redis, namespace) });
}
