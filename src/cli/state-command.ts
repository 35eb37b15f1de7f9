import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config/config.js';
import { DEFAULT_STATE, isPostgresUrl, openState } from '../config/runtime.js';
import { isProviderId, PROVIDER_IDS } from '../providers.js';
import { isProviderIdForm, type ProviderId } from '../provider-id.js';
import type { AttentionRecord, Resolution } from '../state/sqlite-store.js';
import { UsageError, writeLine, type CliIo } from './io.js';

export interface StateFlags {
  state?: string | undefined;
  config?: string | undefined;
  json?: boolean | undefined;
}

/** The state file: `--state`, else the config's `state`, else the default. */
async function statePath(flags: StateFlags, io: CliIo): Promise<string> {
  const location = await configuredState(flags, io);
  return isPostgresUrl(location) ? location : resolve(io.cwd, location);
}

async function configuredState(flags: StateFlags, io: CliIo): Promise<string> {
  if (flags.state) return flags.state;
  if (flags.config) {
    const { config } = await loadConfig(resolve(io.cwd, flags.config), io.env).catch((error: Error) => {
      throw new UsageError(error.message);
    });
    if (config.state) return config.state;
  }
  return DEFAULT_STATE;
}

/** What `state list` and `state resolve` need; the SQLite store answers at once, PostgreSQL asynchronously. */
interface MaintainableStore {
  attention(): AttentionRecord[] | Promise<AttentionRecord[]>;
  resolve(customerId: string, provider: ProviderId, action: Resolution): boolean | Promise<boolean>;
  close(): Promise<void>;
}

async function openExisting(flags: StateFlags, io: CliIo): Promise<MaintainableStore> {
  const location = await statePath(flags, io);
  if (!isPostgresUrl(location) && !existsSync(location)) throw new UsageError(`no state file at ${location} (has a sync run yet?)`);
  try {
    return (await openState(location, { cwd: io.cwd })) as unknown as MaintainableStore;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `customer-sync state list`: records that need a person: unknown create outcomes, pending creates, last failures. */
export async function stateListCommand(flags: StateFlags, io: CliIo): Promise<number> {
  const store = await openExisting(flags, io);
  try {
    const records = await store.attention();
    if (flags.json) {
      writeLine(io.stdout, JSON.stringify(records, null, 2));
      return 0;
    }
    if (records.length === 0) {
      writeLine(io.stdout, 'Nothing needs attention.');
      return 0;
    }
    for (const record of records) {
      const what = record.intent
        ? record.intent.status === 'unknown_outcome'
          ? 'create may have been applied (unknown outcome): not sent again until resolved'
          : 'create pending: the next sync replays it'
        : `last failure: ${record.lastFailure?.kind}${record.lastFailure?.status ? ` ${record.lastFailure.status}` : ''}`;
      writeLine(io.stdout, `${record.provider}  ${record.customerId}  ${what}`);
    }
    writeLine(io.stdout, `\n${records.length} records. Resolve one with: customer-sync state resolve --customer ID --provider P (--provider-id ID | --allow-create)`);
    return 0;
  } finally {
    await store.close();
  }
}

export interface ResolveFlags extends StateFlags {
  customer: string;
  provider: string;
  providerId?: string | undefined;
  allowCreate?: boolean | undefined;
}

/**
 * `customer-sync state resolve`: after checking at the provider, attach the id it has (`--provider-id`), or let the
 * next sync create afresh (`--allow-create`, when the provider has no such customer).
 */
export async function stateResolveCommand(flags: ResolveFlags, io: CliIo): Promise<number> {
  // A provider of the user's own keeps its links in the same state, under its id.
  if (!isProviderId(flags.provider) && !isProviderIdForm(flags.provider)) {
    throw new UsageError(`unknown provider "${flags.provider}" (built-in: ${PROVIDER_IDS.join(', ')}, or the id of a provider of your own)`);
  }
  if ((flags.providerId === undefined) === (flags.allowCreate !== true)) {
    throw new UsageError('give exactly one of --provider-id ID or --allow-create');
  }
  const store = await openExisting(flags, io);
  try {
    const action = flags.providerId !== undefined ? { attachProviderId: flags.providerId } : ({ allowCreate: true } as const);
    const changed = await store.resolve(flags.customer, flags.provider, action);
    writeLine(
      io.stdout,
      flags.providerId !== undefined
        ? `${flags.customer} at ${flags.provider} is now ${flags.providerId}; the next sync sends an update.`
        : changed
          ? `${flags.customer} at ${flags.provider}: the next sync creates it afresh.`
          : `${flags.customer} at ${flags.provider} had nothing to resolve.`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
