import type { Adapter } from '../../src/adapter/adapter.js';
import { createAdapter } from '../../src/adapter/create-adapter.js';
import { fatoraDefinition } from './definition.js';
import type { FatoraOptions } from './options.js';

/** The Fatora adapter: `fatora({ token })` or `fatora({ apiKey })`, optionally `createMissing: true`. */
export function fatora(options: FatoraOptions): Adapter {
  return createAdapter(fatoraDefinition, options);
}

export { fatoraDefinition };
export type { FatoraOptions };
