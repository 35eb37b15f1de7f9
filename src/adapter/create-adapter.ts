import { inspect } from 'node:util';
import { z } from 'zod';
import { OptionsError } from '../errors/validation-error.js';
import type { Adapter, ResolvedOptions } from './adapter.js';
import type { CommonAdapterOptions, ProviderDefinition } from './definition.js';
import { checkBaseUrl, commonOptionsShape, toIssues } from './options.js';
import { closeStandalone, pushWithAdapter } from './standalone.js';

/** @default values of the common options. */
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Validates `options` against the definition and returns the adapter. Throws `OptionsError` naming each bad
 * option (never its value): a missing credential, a plain-http `baseUrl` off loopback, an unknown key.
 */
export function createAdapter<Options extends CommonAdapterOptions>(
  definition: ProviderDefinition<Options>,
  options: Options,
): Adapter {
  const resolved = resolveOptions(definition, options);
  const adapter: Adapter = {
    id: definition.id,
    definition: definition as unknown as ProviderDefinition,
    options: resolved,
    push: (customer) => pushWithAdapter(adapter, customer),
    close: () => closeStandalone(adapter),
    // The options hold credentials: printing or serializing an adapter shows only where it points.
    toJSON: () => describe(adapter),
    [inspect.custom]: () => `Adapter ${inspect(describe(adapter))}`,
  } as Adapter;
  return Object.freeze(adapter);
}

function resolveOptions<Options extends CommonAdapterOptions>(
  definition: ProviderDefinition<Options>,
  options: Options,
): ResolvedOptions {
  const subject = `Invalid ${definition.name} adapter options`;
  if (options === null || typeof options !== 'object') {
    throw new OptionsError(subject, [{ path: '', message: 'options must be an object' }]);
  }
  const schema = z.strictObject({ ...commonOptionsShape, ...definition.optionsShape });
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw new OptionsError(subject, toIssues(parsed.error));
  const valid = parsed.data as Options;
  const issues = definition.checkOptions?.(valid) ?? [];
  const baseUrl = (valid.baseUrl ?? definition.defaultBaseUrl).replace(/\/+$/, '');
  const urlIssue = checkBaseUrl(baseUrl);
  if (urlIssue) issues.unshift(urlIssue);
  if (issues.length > 0) throw new OptionsError(subject, issues);
  const resolved: ResolvedOptions = {
    ...(valid as Record<string, unknown>),
    baseUrl,
    rateLimit: { ...definition.defaultRateLimit, ...valid.rateLimit },
    timeoutMs: valid.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxResponseBytes: valid.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  };
  return resolved;
}

function describe(adapter: Adapter): { provider: string; baseUrl: string } {
  return { provider: adapter.id, baseUrl: adapter.options.baseUrl };
}
