import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Adapter } from '../adapter/adapter.js';
import type { RetryOptions } from '../adapter/definition.js';
import { retrySchema, toIssues } from '../adapter/options.js';
import { OptionsError } from '../errors/validation-error.js';
import type { ValidationIssue } from '../model/types.js';
import { PROVIDER_IDS, type ProviderId } from '../providers.js';
import { ADAPTER_FACTORIES } from '../registry.js';
import { substituteEnv } from './env.js';

/** The config file (DESIGN §6): which providers, their credentials and limits, the retry policy, the state file. */
export interface SyncConfig {
  providers: Partial<Record<ProviderId, Record<string, unknown>>>;
  retry?: RetryOptions;
  /** A SQLite file path, or `postgres://…` for a state shared by workers. */
  state?: string;
  /** `redis://…`: provider limits shared by every process, and the queue of `enqueue`/`worker`/`sync --queue`. */
  redis?: string;
}

export interface LoadedConfig {
  config: SyncConfig;
  adapters: Adapter[];
}

/** The config file cannot be used; the CLI exits with code 2. The message names paths and variables, never values. */
export class ConfigError extends OptionsError {
  override name = 'ConfigError';
}

const providerOptions = z.record(z.string(), z.unknown());
const configSchema = z.strictObject({
  providers: z
    .strictObject(Object.fromEntries(PROVIDER_IDS.map((id) => [id, providerOptions.optional()])) as Record<ProviderId, z.ZodOptional<typeof providerOptions>>)
    .refine((providers) => Object.values(providers).some((p) => p !== undefined), {
      error: 'configure at least one provider',
      when: (payload) => payload.issues.length === 0,
    }),
  retry: retrySchema.optional(),
  state: z.string().min(1).optional(),
  redis: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
});

export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`Cannot read config file ${path}`, [{ path: '', message: code }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`Config file ${path} is not valid JSON`, [{ path: '', message: 'not valid JSON' }]);
  }
  return parseConfig(json, env, `Invalid config file ${path}`);
}

/** Validates a parsed config (after `${VAR}` substitution) and makes its adapters. */
export function parseConfig(json: unknown, env: NodeJS.ProcessEnv, subject = 'Invalid config'): LoadedConfig {
  const { value, missing } = substituteEnv(json, env);
  if (missing.length > 0) {
    throw new ConfigError(
      subject,
      missing.map(({ variable, path }) => ({ path, message: `environment variable ${variable} is not set` })),
    );
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(subject, toIssues(parsed.error));
  const config = parsed.data as SyncConfig;
  const adapters: Adapter[] = [];
  const issues: ValidationIssue[] = [];
  for (const id of PROVIDER_IDS) {
    const options = config.providers[id];
    if (options === undefined) continue;
    try {
      adapters.push(ADAPTER_FACTORIES[id](options as never));
    } catch (error) {
      if (!(error instanceof OptionsError)) throw error;
      for (const issue of error.issues) {
        issues.push({ path: issue.path === '' ? `providers.${id}` : `providers.${id}.${issue.path}`, message: issue.message });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(subject, issues);
  return { config, adapters };
}
