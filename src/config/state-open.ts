import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MemoryStateStore } from '../state/memory-store.js';
import type { StateStore } from '../state/store.js';

// Apart from the engine (runtime.ts): the state commands open a state and push nothing, so they need neither the
// pipeline nor axios (test/light-imports.test.ts).

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
