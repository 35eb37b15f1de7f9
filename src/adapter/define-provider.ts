import { OptionsError } from '../errors/validation-error.js';
import { isProviderIdForm } from '../provider-id.js';
import type { Adapter } from './adapter.js';
import { createAdapter } from './create-adapter.js';
import type { CommonAdapterOptions, ProviderDefinition } from './definition.js';

/**
 * What `defineProvider` returns: a function that makes an adapter from options (`acme({ token })`), carrying the
 * provider's id and definition so that a config file, the CLI and the model can know the provider before any
 * adapter is made.
 */
export interface ProviderFactory<Options extends CommonAdapterOptions = CommonAdapterOptions, Id extends string = string> {
  (options: Options): Adapter;
  readonly id: Id;
  readonly definition: ProviderDefinition<Options>;
}


/**
 * Turns a provider definition (the shape every built-in adapter uses, see `ProviderDefinition`) into an adapter
 * factory like the built-in ones (`acme({ token })`). The definition is checked now, so a mistake shows where the provider is defined, not at
 * the first push. Throws `OptionsError` naming each problem.
 */
export function defineProvider<Options extends CommonAdapterOptions, const Id extends string>(
  definition: ProviderDefinition<Options> & { id: Id },
): ProviderFactory<Options, Id> {
  checkDefinition(definition as unknown as ProviderDefinition);
  const frozen = Object.freeze({ ...definition });
  const factory = (options: Options): Adapter => createAdapter(frozen, options);
  Object.defineProperties(factory, {
    id: { value: frozen.id, enumerable: true },
    definition: { value: frozen, enumerable: true },
    // The factory's name in stack traces and `console.log`: the provider's.
    name: { value: frozen.id },
  });
  return factory as ProviderFactory<Options, Id>;
}

/** Whether `value` is what `defineProvider` returned (a module's default export, say). */
export function isProviderFactory(value: unknown): value is ProviderFactory {
  if (typeof value !== 'function') return false;
  const { id, definition } = value as Partial<ProviderFactory>;
  return typeof id === 'string' && typeof definition === 'object' && definition !== null && definition.id === id;
}

const FUNCTIONS = ['secrets', 'auth', 'skipReason', 'updateBody', 'updateRequest', 'parseSuccess', 'errorMessage'] as const;

function checkDefinition(definition: ProviderDefinition): void {
  const issues: Array<{ path: string; message: string }> = [];
  if (definition === null || typeof definition !== 'object') {
    throw new OptionsError('Invalid provider definition', [{ path: '', message: 'must be an object' }]);
  }
  if (!isProviderIdForm(definition.id)) {
    issues.push({ path: 'id', message: 'must be lower-case letters, digits and "-", starting with a letter (at most 64)' });
  }
  if (typeof definition.name !== 'string' || definition.name.trim() === '') issues.push({ path: 'name', message: 'is required' });
  if (typeof definition.defaultBaseUrl !== 'string') issues.push({ path: 'defaultBaseUrl', message: 'is required' });
  const limit = definition.defaultRateLimit;
  if (!limit || !(limit.perSecond > 0) || !Number.isInteger(limit.concurrency) || limit.concurrency < 1) {
    issues.push({ path: 'defaultRateLimit', message: 'needs perSecond > 0 and an integer concurrency >= 1' });
  }
  if (typeof definition.optionsShape !== 'object' || definition.optionsShape === null) {
    issues.push({ path: 'optionsShape', message: 'is required (a zod shape; {} for none)' });
  }
  for (const name of FUNCTIONS) {
    if (typeof definition[name] !== 'function') issues.push({ path: name, message: 'must be a function' });
  }
  if (definition.idType !== undefined && definition.idType !== 'text' && definition.idType !== 'integer') {
    issues.push({ path: 'idType', message: 'must be "text" or "integer"' });
  }
  const create = definition.create;
  if (create !== undefined) {
    if (create.when !== 'no-id' && create.when !== 'on-missing') issues.push({ path: 'create.when', message: 'must be "no-id" or "on-missing"' });
    if (typeof create.body !== 'function') issues.push({ path: 'create.body', message: 'must be a function' });
    if (typeof create.request !== 'function') issues.push({ path: 'create.request', message: 'must be a function' });
    if (create.conflict?.resolve === 'lookup' && definition.lookup === undefined) {
      issues.push({ path: 'create.conflict', message: 'resolve "lookup" needs a lookup rule' });
    }
  }
  if (issues.length > 0) throw new OptionsError(`Invalid provider definition${typeof definition.id === 'string' ? ` ${definition.id}` : ''}`, issues);
}
