import type { LoadedConfig } from '../config/config.js';
import { engineFor } from '../config/runtime.js';
import type { SyncEngine } from '../push/engine.js';
import type { StateStore } from '../state/store.js';
import { DEFAULT_NAMESPACE } from './settings.js';

/**
 * The engine a worker delivers with: `engineFor` (the config's adapters, pipeline and state, limits shared through
 * Redis). In another namespace the shared limits move with the queue, so an isolated deployment (or test run) on
 * the same Redis neither slows nor is slowed by the default one.
 */
export function queueEngine(loaded: LoadedConfig, store: StateStore, namespace: string = DEFAULT_NAMESPACE): SyncEngine {
  return engineFor(loaded, store, namespace);
}
