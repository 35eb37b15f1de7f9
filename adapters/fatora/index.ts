import { defineProvider } from '../../src/adapter/define-provider.js';
import { definition } from './definition.js';
import type { FatoraOptions } from './options.js';

/** The Fatora adapter: `fatora({ token })` or `fatora({ apiKey })`, optionally `createMissing: true`. */
export const fatora = defineProvider(definition);

/** The provider's definition, as `defineProvider` takes it. @deprecated use `fatora.definition` */
export const fatoraDefinition = definition;
export type { FatoraOptions };
