import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ProviderIdType } from '../adapter/definition.js';
import { DEFAULT_STATE, isPostgresUrl, openState } from '../config/state-open.js';
import { providerIdType, readStateLocation, type StateLocation } from '../config/state-location.js';
import type { ErrorKind } from '../errors/kinds.js';
import { integerId } from '../model/fields.js';
import { isProviderId, PROVIDER_IDS } from '../providers.js';
import { isProviderIdForm, type ProviderId } from '../provider-id.js';
import type { AttentionRecord, Resolution } from '../state/sqlite-store.js';
import type { CustomerLink, ForgottenCustomer } from '../state/store.js';
import { asUsageError } from './config-file.js';
import { UsageError, writeLine, type CliIo } from './io.js';

// The state commands need the state, not the providers: the config is read with readStateLocation, which substitutes
// the `${VAR}`s of `state` and `redis` alone, so a provider's credentials need not be set to run them.

export interface StateFlags {
  state?: string | undefined;
  config?: string | undefined;
  json?: boolean | undefined;
}

interface Located {
  /** A SQLite file (absolute) or a postgres:// URL. */
  location: string;
  /** The config, when `--config` was given. */
  config: StateLocation | undefined;
}

/** The state: `--state`, else the config's `state`, else the default. */
async function locate(flags: StateFlags, io: CliIo): Promise<Located> {
  const config = flags.config === undefined ? undefined : await readConfig(flags.config, io);
  const named = flags.state ?? config?.state ?? DEFAULT_STATE;
  return { location: isPostgresUrl(named) ? named : resolve(io.cwd, named), config };
}

async function readConfig(path: string, io: CliIo): Promise<StateLocation> {
  return readStateLocation(resolve(io.cwd, path), io.env).catch(asUsageError);
}

/** What the state commands need of a store; the SQLite store answers some at once, PostgreSQL asynchronously. */
interface MaintainableStore {
  attention(): AttentionRecord[] | Promise<AttentionRecord[]>;
  resolve(customerId: string, provider: ProviderId, action: Resolution): boolean | Promise<boolean>;
  linksOf(customerId: string): Promise<CustomerLink[]>;
  forget(customerId: string): Promise<ForgottenCustomer>;
  close(): Promise<void>;
}

async function openExisting(location: string, io: CliIo): Promise<MaintainableStore> {
  if (!isPostgresUrl(location) && !existsSync(location)) throw new UsageError(`no state file at ${location} (has a sync run yet?)`);
  try {
    return (await openState(location, { cwd: io.cwd })) as unknown as MaintainableStore;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The state flags again, for a command line the user can paste. */
function stateArgs(flags: StateFlags): string {
  if (flags.state !== undefined) return ` --state ${shellWord(flags.state)}`;
  if (flags.config !== undefined) return ` --config ${shellWord(flags.config)}`;
  return '';
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** What the record's state says, in a word or two. */
function statusOf(record: AttentionRecord): string {
  if (record.intent?.status === 'unknown_outcome') return 'unknown outcome';
  if (record.intent) return 'create pending';
  return 'failed';
}

/** Failures `state resolve` can settle: the provider's side is a fact the user can check and tell. */
const RESOLVABLE: ReadonlySet<ErrorKind> = new Set(['unknown_outcome', 'not_found']);

/** What to do about the record: settle it by hand (`state resolve`), or what fixes it elsewhere. */
function nextStep(record: AttentionRecord): { resolvable: boolean; advice: string } {
  if (record.intent?.status === 'unknown_outcome') return { resolvable: true, advice: 'check at the provider, then resolve' };
  if (record.intent) return { resolvable: true, advice: 'the next sync replays it (or resolve)' };
  const kind = record.lastFailure?.kind;
  if (kind !== undefined && RESOLVABLE.has(kind)) return { resolvable: true, advice: 'check at the provider, then resolve' };
  switch (kind) {
    case 'auth':
      return { resolvable: false, advice: 'fix the credentials (customer-sync check)' };
    case 'invalid':
      return { resolvable: false, advice: 'fix the record' };
    case 'rejected':
      return { resolvable: false, advice: 'read the message; the next sync asks again' };
    default:
      return { resolvable: false, advice: 'the next sync retries' };
  }
}

/** `kind status: message`, on one line. */
function failureText(record: AttentionRecord): string {
  const failure = record.lastFailure;
  if (failure === undefined) return '';
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const message = failure.message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return `${failure.kind}${failure.status === undefined ? '' : ` ${failure.status}`}: ${message}`;
}

/** Rows of cells, each column padded to its widest cell; the last column is left as it is. */
function alignColumns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/**
 * `customer-sync state list`: records that need a person (an unknown create outcome, a pending create, a last
 * failure), one aligned row each: customer, provider, status, what to do, the failure's kind, status and message.
 * `state resolve` is suggested only for what it can settle.
 */
export async function stateListCommand(flags: StateFlags, io: CliIo): Promise<number> {
  const { location } = await locate(flags, io);
  const store = await openExisting(location, io);
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
    const rows = [['CUSTOMER', 'PROVIDER', 'STATUS', 'NEXT', 'FAILURE']];
    let resolvable = 0;
    for (const record of records) {
      const next = nextStep(record);
      if (next.resolvable) resolvable += 1;
      rows.push([record.customerId, record.provider, statusOf(record), next.advice, failureText(record)]);
    }
    for (const line of alignColumns(rows)) writeLine(io.stdout, line);
    writeLine(io.stdout);
    writeLine(io.stdout, `${records.length} ${records.length === 1 ? 'record needs' : 'records need'} attention.`);
    if (resolvable > 0) {
      const state = stateArgs(flags);
      writeLine(io.stdout, `${resolvable} can be settled by hand, once you have checked whether the provider has the customer:`);
      writeLine(io.stdout, `  customer-sync state resolve${state} --customer ID --provider P --provider-id ID   # it has: attach its id`);
      writeLine(io.stdout, `  customer-sync state resolve${state} --customer ID --provider P --allow-create     # it has none: create it next sync`);
    }
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
  force?: boolean | undefined;
}

/** The id as the state keeps it (an integer id as its decimal digits), or a usage error saying what is wrong. */
function normalizeId(given: string, provider: string, idType: ProviderIdType): string {
  if (idType === 'integer') {
    const parsed = integerId.safeParse(given);
    if (!parsed.success) {
      const reason = parsed.error.issues[0]?.message ?? 'must be a positive integer';
      throw new UsageError(`--provider-id: ${provider} ids are integers; "${given}" is not one (${reason})`);
    }
    return String(parsed.data);
  }
  const id = given.trim();
  if (id === '') throw new UsageError('--provider-id must not be empty');
  return id;
}

/**
 * `customer-sync state resolve`: after checking at the provider, attach the id it has (`--provider-id`), or let the
 * next sync create afresh (`--allow-create`, when the provider has no such customer). Refuses an id of the wrong
 * type and a customer the state has never seen; replacing an id the state holds is confirmed on a terminal, or
 * needs `--force`.
 */
export async function stateResolveCommand(flags: ResolveFlags, io: CliIo): Promise<number> {
  // A provider of the user's own keeps its links in the same state, under its id.
  if (!isProviderId(flags.provider) && !isProviderIdForm(flags.provider)) {
    throw new UsageError(`unknown provider "${flags.provider}" (built-in: ${PROVIDER_IDS.join(', ')}, or the id of a provider of your own)`);
  }
  if ((flags.providerId === undefined) === (flags.allowCreate !== true)) {
    throw new UsageError('give exactly one of --provider-id ID or --allow-create');
  }
  const { location, config } = await locate(flags, io);
  let providerId: string | undefined;
  if (flags.providerId !== undefined) {
    const idType = await providerIdType(flags.provider, config).catch(asUsageError);
    providerId = normalizeId(flags.providerId, flags.provider, idType);
  }
  const store = await openExisting(location, io);
  try {
    const links = await store.linksOf(flags.customer);
    if (links.length === 0) {
      throw new UsageError(
        `the state has never seen customer "${flags.customer}" (no link at any provider): check the id; a customer a sync never reached needs no resolving`,
      );
    }
    const link = links.find((candidate) => candidate.provider === flags.provider);
    const held = link?.providerId;
    if (providerId !== undefined && held !== undefined && held !== providerId) {
      const fact = `the state links ${flags.customer} at ${flags.provider} to ${held}`;
      if (!(await confirmed(flags, io, { fact, ask: `Replace it with ${providerId}?`, refusal: `replacing it with ${providerId} needs --force` }))) {
        writeLine(io.stdout, `Left as it was: ${flags.customer} at ${flags.provider} stays ${held}.`);
        return 1;
      }
    }
    const action: Resolution = providerId !== undefined ? { attachProviderId: providerId } : { allowCreate: true };
    const changed = await store.resolve(flags.customer, flags.provider, action);
    const where = `${flags.customer} at ${flags.provider}`;
    if (providerId !== undefined) writeLine(io.stdout, `${where} is now ${providerId}; the next sync sends an update.`);
    else if (held !== undefined) writeLine(io.stdout, `${where}: intent and failure cleared; it stays linked to ${held}, which the next sync updates.`);
    else if (changed) writeLine(io.stdout, `${where}: the next sync creates it afresh.`);
    else writeLine(io.stdout, `${where} had nothing to resolve.`);
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * Yes with `--force`; else asks y/N on a terminal (the question on stderr, the answer from stdin); else a usage
 * error (exit 2): the fact and the refusal.
 */
async function confirmed(
  flags: { force?: boolean | undefined },
  io: CliIo,
  prompt: { fact: string; ask: string; refusal: string },
): Promise<boolean> {
  if (flags.force) return true;
  if ((io.stdin as Readable & { isTTY?: boolean }).isTTY !== true) {
    throw new UsageError(`${prompt.fact}: ${prompt.refusal} (or run this on a terminal to be asked)`);
  }
  const fact = prompt.fact.charAt(0).toUpperCase() + prompt.fact.slice(1);
  io.stderr.write(`${fact}. ${prompt.ask} [y/N] `);
  const answer = await readLine(io.stdin);
  return /^\s*y(es)?\s*$/i.test(answer);
}

/** One line from `input` ('' when it ends first). */
async function readLine(input: Readable): Promise<string> {
  const lines = createInterface({ input, terminal: false, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

export interface ForgetFlags extends StateFlags {
  customer: string;
}

/** One removed link, as the confirmation names it. */
function describeLink(link: CustomerLink): string {
  const held = [
    link.providerId === undefined ? 'no id' : `id ${link.providerId}`,
    ...(link.payloadHash === undefined ? [] : ['delivered payload hash']),
    ...(link.intent === undefined ? [] : [`${link.intent.status === 'unknown_outcome' ? 'unknown-outcome' : 'pending'} create intent`]),
    ...(link.lastFailure === undefined ? [] : [`last failure (${link.lastFailure.kind})`]),
  ];
  return held.join(', ');
}

/**
 * `customer-sync state forget --customer ID`: erases what the state holds about one customer (its links at every
 * provider, their intents and failures, its remembered input line) and says what was removed.
 */
export async function stateForgetCommand(flags: ForgetFlags, io: CliIo): Promise<number> {
  if (flags.customer.trim() === '') throw new UsageError('--customer must not be empty');
  const { location } = await locate(flags, io);
  const store = await openExisting(location, io);
  try {
    const forgotten = await store.forget(flags.customer);
    if (forgotten.links.length === 0 && !forgotten.rawLine) {
      writeLine(io.stdout, `The state holds nothing about customer ${flags.customer}; nothing removed.`);
      return 0;
    }
    writeLine(io.stdout, `Forgot customer ${flags.customer}:`);
    const rows = forgotten.links.map((link) => [`  ${link.provider}`, describeLink(link)]);
    if (forgotten.rawLine) rows.push(['  input line', 'the remembered hash of its last confirmed line']);
    for (const line of alignColumns(rows)) writeLine(io.stdout, line);
    const linked = forgotten.links.filter((link) => link.providerId !== undefined).map((link) => link.provider);
    if (linked.length > 0) {
      writeLine(
        io.stdout,
        `Nothing was changed at the providers. A sync that meets ${flags.customer} again treats it as new: ${linked.join(', ')} ` +
          `had an id for it, which is no longer known (name it in providerIds, or take the customer out of the input).`,
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
