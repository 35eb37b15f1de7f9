import { dirname } from 'node:path';
import type { ProviderIdType } from '../adapter/definition.js';
import type { ValidationIssue } from '../model/types.js';
import { BUILT_IN } from '../providers.js';
import { ConfigError, loadProviderModules, readConfigJson } from './config.js';
import { substituteEnv } from './env.js';

/**
 * What a config says about where things are kept, read without the rest: `state` and `redis` only. Commands that
 * work on the state alone (`state list`, `state resolve`, `state forget`) read this instead of `loadConfig`, so a
 * provider's `${VAR}`s (its credentials) need not be set, and no adapter is made.
 */
export interface StateLocation {
  /** The config's `state` (`${VAR}`s in it substituted); `undefined` when it names none. */
  state?: string | undefined;
  /** The config's `redis` (`${VAR}`s in it substituted); `undefined` when it names none. */
  redis?: string | undefined;
  /** The config file's folder: a provider's `module` is resolved from it. */
  baseDir: string;
  /** The config's provider entries, as written (no `${VAR}` substituted). */
  providers: Readonly<Record<string, unknown>>;
}

const REDIS_URL = /^rediss?:\/\//;

/**
 * Reads `state` and `redis` from the config file at `path`. Only the `${VAR}`s of those two keys are substituted
 * (a missing one is an error naming it, as `loadConfig` says it); providers are neither validated nor substituted.
 * Throws `ConfigError` as `loadConfig` does when the file cannot be read or is not JSON, or either key is not what it
 * accepts.
 */
export async function readStateLocation(path: string, env: NodeJS.ProcessEnv = process.env): Promise<StateLocation> {
  const json = await readConfigJson(path);
  const subject = `Invalid config file ${path}`;
  if (!isObject(json)) throw new ConfigError(subject, [{ path: '', message: 'must be a JSON object' }]);
  const issues: ValidationIssue[] = [];
  const read = (key: 'state' | 'redis', check: (value: string) => string | undefined): string | undefined => {
    const raw = json[key];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') {
      issues.push({ path: key, message: 'must be a string' });
      return undefined;
    }
    const { value, missing } = substituteEnv(raw, env, key);
    for (const { variable, path: at } of missing) issues.push({ path: at, message: `environment variable ${variable} is not set` });
    if (missing.length > 0) return undefined;
    const problem = check(value as string);
    if (problem !== undefined) issues.push({ path: key, message: problem });
    return value as string;
  };
  const state = read('state', (value) => (value === '' ? 'must not be empty' : undefined));
  const redis = read('redis', (value) => (REDIS_URL.test(value) ? undefined : 'must be a redis:// or rediss:// URL'));
  if (issues.length > 0) throw new ConfigError(subject, issues);
  const providers = isObject(json.providers) ? json.providers : {};
  return { state, redis, baseDir: dirname(path), providers };
}

/**
 * How `provider`'s ids are written: a built-in provider's definition says; a provider of the user's own is asked
 * through its config entry's `module` when `location` (the config) is given and has one (the module is imported,
 * no adapter is made); otherwise its ids are taken as text.
 */
export async function providerIdType(provider: string, location?: StateLocation): Promise<ProviderIdType> {
  const builtIn = BUILT_IN.get(provider);
  if (builtIn !== undefined) return builtIn.idType ?? 'text';
  const entry = location?.providers[provider];
  if (location === undefined || !isObject(entry) || entry.module === undefined) return 'text';
  const modules = await loadProviderModules({ providers: { [provider]: entry } }, location.baseDir);
  return modules.get(provider)?.definition.idType ?? 'text';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
