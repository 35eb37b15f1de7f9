import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SharedLimits } from '../pipeline/shared-limits.js';
import { DEFAULT_NAMESPACE } from '../queue/settings.js';
import { SyncEngine } from '../push/engine.js';
import { MemoryStateStore } from '../state/memory-store.js';
import type { StateStore } from '../state/store.js';
import type { LoadedConfig } from './config.js';

export const DEFAULT_STATE = '.customer-sync/state.db';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/**
 * Opens the state a config names: `postgres://…` for workers sharing one state, else a SQLite file (relative to
 * `cwd`). A dry run never writes: without a SQLite file it plans against an empty state. Each store's module (and
 * its driver) is loaded here, when that store is opened.
 */
export async function openState(location: string, options: { cwd: string; dryRun?: boolean | undefined }): Promise<StateStore> {
  if (isPostgresUrl(location)) {
    const { PostgresStateStore } = await import('../state/postgres-store.js');
    return PostgresStateStore.open(location);
  }
  const path = resolve(options.cwd, location);
  if (options.dryRun && !existsSync(path)) return new MemoryStateStore();
  const { SqliteStateStore } = await import('../state/sqlite-store.js');
  return SqliteStateStore.open(path);
}

/**
 * The engine a config describes: its adapters, its state, its retry policy, and shared limits when `redis` is set,
 * under `namespace` (`CUSTOMER_SYNC_NAMESPACE`), the one workers and `sync --queue` share their limits under too:
 * a plain `sync` beside workers of that namespace must count against the same limit.
 */
export function engineFor(loaded: LoadedConfig, store: StateStore, namespace: string = DEFAULT_NAMESPACE): SyncEngine {
  const shared = loaded.config.redis === undefined ? undefined : new SharedLimits(loaded.config.redis, namespace);
  return new SyncEngine(loaded.adapters, store, loaded.config.retry, { shared });
}
