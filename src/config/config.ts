import { readFile } from 'node:fs/promises';
import stripJsonComments from 'strip-json-comments';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Adapter } from '../adapter/adapter.js';
import { isProviderFactory, type ProviderFactory } from '../adapter/define-provider.js';
import type { RetryOptions } from '../adapter/definition.js';
import { commonOptionsShape, retrySchema, toIssues } from '../adapter/options.js';
import type { ProviderDefinition } from '../adapter/definition.js';
import { OptionsError } from '../errors/validation-error.js';
import { customerModel, type CustomerModel } from '../model/customer.js';
import { closestPath } from '../model/suggest.js';
import type { ValidationIssue } from '../model/types.js';
import { BUILT_IN, PROVIDER_IDS, type ProviderId } from '../providers.js';
import { createAdapter } from '../adapter/create-adapter.js';
import { substituteEnv } from './env.js';
import { findJsonSyntaxError } from './json-position.js';

/** The config file (DESIGN §6): which providers, their credentials and limits, the retry policy, the state file. */
export interface SyncConfig {
  /**
   * Options per provider id. A provider of the user's own adds `"module": "./acme-provider.js"` (resolved from the
   * config file's folder; its default export is what `defineProvider` returned).
   */
  providers: Record<ProviderId, Record<string, unknown>>;
  retry?: RetryOptions;
  /** A SQLite file path, or `postgres://…` for a state shared by workers. */
  state?: string;
  /** `redis://…`: provider limits shared by every process, and the queue of `enqueue`/`worker`/`sync --queue`. */
  redis?: string;
  /** `customer-sync serve`: the bearer tokens it accepts and its body size limit. */
  serve?: ServeConfig;
}

export interface ServeConfig {
  /** Accepted bearer tokens (`"${SERVE_TOKEN}"`); several let a token be rotated without downtime. */
  tokens?: string[];
  /** @default 1048576 */
  maxBodyBytes?: number;
}

export interface LoadedConfig {
  config: SyncConfig;
  adapters: Adapter[];
  /** The customer model of these providers: `providerIds` accepts each configured provider's id. */
  model: CustomerModel;
}

/** The config file cannot be used; the CLI exits with code 2. The message names paths and variables, never values. */
export class ConfigError extends OptionsError {
  override name = 'ConfigError';

  /**
   * `message`, for a problem with the file as a whole (missing, not JSON), is the whole message: no issue list after
   * the subject. `issues` still says it, with an empty path.
   */
  constructor(subject: string, issues: readonly ValidationIssue[], message?: string) {
    super(subject, issues);
    if (message !== undefined) this.message = message;
  }
}

/** The key that names a provider of the user's own; it is not an option of the adapter. */
const MODULE_KEY = 'module';

const providerOptions = z.record(z.string(), z.unknown());
const configSchema = z.strictObject({
  providers: z.record(z.string(), providerOptions).refine((providers) => Object.keys(providers).length > 0, {
    error: 'configure at least one provider',
    when: (payload) => payload.issues.length === 0,
  }),
  retry: retrySchema.optional(),
  state: z.string().min(1).optional(),
  redis: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  serve: z
    .strictObject({
      // A short token can be guessed: 16 characters at least (`openssl rand -hex 32` makes 64).
      tokens: z.array(z.string().min(16, 'must be at least 16 characters')).optional(),
      maxBodyBytes: z.number().int().min(1, 'must be at least 1').optional(),
    })
    .optional(),
});

/** Why a config file cannot be read, by the file-system error's code. */
const UNREADABLE: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'does not exist (a parent is not a folder)',
  EISDIR: 'is a folder, not a file',
  EACCES: 'cannot be read: permission denied',
  EPERM: 'cannot be read: permission denied',
};

export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const json = await readConfigJson(path);
  const subject = `Invalid config file ${path}`;
  const modules = await loadProviderModules(json, dirname(path), subject);
  return parseConfig(json, env, subject, modules);
}

/**
 * The config file at `path`, parsed (a leading BOM allowed), nothing substituted or checked: `loadConfig`'s first
 * step, shared with readers of a part of it (`readStateLocation`). A `ConfigError` when it cannot be read or is not
 * JSON, naming the line and column, never quoting the text.
 */
export async function readConfigJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = (code !== undefined && UNREADABLE[code]) || `cannot be read (${code ?? 'unknown error'})`;
    throw new ConfigError(`Cannot read config file ${path}`, [{ path: '', message: problem }], `config file ${path} ${problem}`);
  }
  // An editor's byte order mark is not JSON, but it is no mistake either.
  if (text.startsWith('\ufeff')) text = text.slice(1);
  // `//` and `/* */` comments are allowed (the starter file of `init` explains itself with them); they become spaces,
  // so an error's line and column are still the file's.
  text = stripJsonComments(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text around the error, which may be a credential: never passed on.
    const syntax = text.trim() === '' ? { line: 1, column: 1, reason: 'the file is empty' } : findJsonSyntaxError(text);
    const where = syntax === undefined ? '' : ` at line ${syntax.line}, column ${syntax.column}: ${syntax.reason}`;
    const message = `Config file ${path} is not valid JSON${where}`;
    const issue = syntax === undefined ? 'not valid JSON' : `not valid JSON at line ${syntax.line}, column ${syntax.column}: ${syntax.reason}`;
    throw new ConfigError(`Config file ${path} is not valid JSON`, [{ path: '', message: issue }], message);
  }
  return json;
}

/**
 * Imports the module of each provider of the user's own (`"module"` in its entry), relative to `baseDir`. A module
 * that cannot be loaded, or whose default export is not a provider made by `defineProvider`, or whose id is not the
 * entry's key, is a `ConfigError` naming the entry.
 */
export async function loadProviderModules(json: unknown, baseDir: string, subject = 'Invalid config'): Promise<Map<string, ProviderFactory>> {
  const modules = new Map<string, ProviderFactory>();
  const providers = isObject(json) && isObject(json.providers) ? json.providers : {};
  const issues: ValidationIssue[] = [];
  for (const [id, entry] of Object.entries(providers)) {
    if (!isObject(entry) || entry[MODULE_KEY] === undefined) continue;
    const path = `providers.${id}.${MODULE_KEY}`;
    const specifier = entry[MODULE_KEY];
    if (typeof specifier !== 'string' || specifier === '') {
      issues.push({ path, message: 'must be the path of a module, e.g. "./acme-provider.js"' });
      continue;
    }
    const target = isAbsolute(specifier) ? specifier : resolve(baseDir, specifier);
    let loaded: Record<string, unknown>;
    try {
      loaded = (await import(pathToFileURL(target).href)) as Record<string, unknown>;
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).name ?? 'error';
      issues.push({ path, message: `cannot load ${target} (${reason}: ${(error as Error).message})` });
      continue;
    }
    const factory = loaded.default;
    if (!isProviderFactory(factory)) {
      issues.push({ path, message: `${target} must export by default what defineProvider() returned` });
    } else if (factory.id !== id) {
      issues.push({ path, message: `${target} defines the provider "${factory.id}": configure it under that id` });
    } else {
      modules.set(id, factory);
    }
  }
  if (issues.length > 0) throw new ConfigError(subject, issues);
  return modules;
}

/**
 * Validates a parsed config (after `${VAR}` substitution) and makes its adapters. `modules` holds the providers of
 * the user's own, by id, as `loadProviderModules` imported them.
 */
export function parseConfig(
  json: unknown,
  env: NodeJS.ProcessEnv,
  subject = 'Invalid config',
  modules: ReadonlyMap<string, ProviderFactory> = new Map(),
): LoadedConfig {
  const { value, missing } = substituteEnv(json, env);
  if (missing.length > 0) {
    throw new ConfigError(
      subject,
      missing.map(({ variable, path }) => ({ path, message: `environment variable ${variable} is not set` })),
    );
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    // Every problem at once: an unknown provider is named even when another key is wrong too.
    const unknown: ValidationIssue[] = [];
    const providers = isObject(value) && isObject(value.providers) ? value.providers : {};
    for (const [id, entry] of Object.entries(providers)) factoryFor(id, isObject(entry) ? entry[MODULE_KEY] : undefined, modules, unknown);
    throw new ConfigError(subject, [...unknown, ...toIssues(parsed.error).map((issue) => withSuggestion(issue, configSchema))]);
  }
  const config = parsed.data as SyncConfig;
  const adapters: Adapter[] = [];
  const issues: ValidationIssue[] = [];
  // Built-in providers in registry order (as reports always listed them), then the user's own in config order.
  const rank = (id: string): number => {
    const at = (PROVIDER_IDS as readonly string[]).indexOf(id);
    return at === -1 ? PROVIDER_IDS.length : at;
  };
  const entries = Object.entries(config.providers).sort(([a], [b]) => rank(a) - rank(b));
  for (const [id, entry] of entries) {
    const { [MODULE_KEY]: module, ...options } = entry;
    const factory = factoryFor(id, module, modules, issues);
    if (factory === undefined) continue;
    try {
      adapters.push(factory(options as never));
    } catch (error) {
      if (!(error instanceof OptionsError)) throw error;
      const definition = BUILT_IN.get(id) ?? modules.get(id)?.definition;
      for (const raw of error.issues) {
        const issue = definition === undefined ? raw : withSuggestion(raw, optionsSchema(definition));
        issues.push({ path: issue.path === '' ? `providers.${id}` : `providers.${id}.${issue.path}`, message: issue.message });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(subject, issues);
  return { config, adapters, model: customerModel(adapters.map((adapter) => adapter.definition)) };
}

function factoryFor(
  id: string,
  module: unknown,
  modules: ReadonlyMap<string, ProviderFactory>,
  issues: ValidationIssue[],
): ((options: never) => Adapter) | undefined {
  const builtIn = BUILT_IN.get(id);
  if (builtIn !== undefined) {
    if (module !== undefined) issues.push({ path: `providers.${id}.${MODULE_KEY}`, message: `${id} is a built-in provider; a provider of your own needs an id of its own` });
    return module === undefined ? (options) => createAdapter(builtIn, options) : undefined;
  }
  if (module === undefined) {
    const guess = closestPath(id, PROVIDER_IDS);
    const hint = guess === undefined ? ';' : `; did you mean ${guess}?`;
    issues.push({
      path: `providers.${id}`,
      message: `unknown provider ${id}${hint} known: ${PROVIDER_IDS.join(', ')} (a provider of your own names its "module")`,
    });
    return undefined;
  }
  const loaded = modules.get(id);
  if (loaded === undefined) issues.push({ path: `providers.${id}.${MODULE_KEY}`, message: 'not loaded (a config with modules is read with loadConfig)' });
  return loaded;
}

/** What zod reports an unknown key as (`toIssues`). */
const UNKNOWN_OPTION = 'unknown option';

/** An adapter's options as the config gives them (its own keys and the common ones), for naming known keys. */
function optionsSchema(definition: ProviderDefinition<never>): z.ZodType {
  return z.object({ ...definition.optionsShape, ...commonOptionsShape });
}

/**
 * An unknown key's issue, saying which key was meant when one is near (`tokn` → `token`) and which keys there are.
 * Other issues as they are.
 */
function withSuggestion(issue: ValidationIssue, schema: z.ZodType): ValidationIssue {
  if (issue.message !== UNKNOWN_OPTION) return issue;
  const segments = issue.path.split('.');
  const key = segments.pop() ?? '';
  const known = keysAt(schema, segments);
  if (known === undefined) return issue;
  const guess = closestPath(key, known);
  const hint = guess === undefined ? '' : `; did you mean ${guess}?`;
  const list = known.length === 0 ? '' : `${guess === undefined ? ';' : ''} known: ${known.join(', ')}`;
  // The top level of the file holds keys, not options; a provider's entry there lacks its "providers" around it.
  if (schema === configSchema && segments.length === 0) {
    const misplaced = guess === undefined && (PROVIDER_IDS as readonly string[]).includes(key) ? `; a provider's options go under "providers"` : '';
    return { path: issue.path, message: `unknown key ${key}${hint}${misplaced}${list}` };
  }
  return { path: issue.path, message: `${UNKNOWN_OPTION} ${key}${hint}${list}` };
}

/** The keys of the object `path` leads to in `schema` (through optional values and records), if it leads to one. */
function keysAt(schema: z.ZodType, path: readonly string[]): string[] | undefined {
  let node: z.core.$ZodType | undefined = schema;
  for (const segment of [...path, '']) {
    while (node !== undefined) {
      const def: z.core.$ZodTypeDef & { innerType?: z.core.$ZodType; in?: z.core.$ZodType } = node._zod.def;
      if (def.innerType !== undefined) node = def.innerType;
      else if (def.type === 'pipe' && def.in !== undefined) node = def.in;
      else break;
    }
    if (node === undefined) return undefined;
    if (segment === '') break;
    const def = node._zod.def as z.core.$ZodTypeDef & { shape?: Record<string, z.core.$ZodType>; valueType?: z.core.$ZodType };
    if (def.type === 'object') node = def.shape?.[segment];
    else if (def.type === 'record') node = def.valueType;
    else return undefined;
  }
  const def = node?._zod.def as (z.core.$ZodTypeDef & { shape?: Record<string, unknown> }) | undefined;
  return def?.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
