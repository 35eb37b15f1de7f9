import { defineProvider } from '../../src/adapter/define-provider.js';
import { definition } from './definition.js';
import type { BlueTapeOptions } from './options.js';

/** A BlueTape adapter (generic connector): `bluetape({ apiKey, accountId })`. */
export const bluetape = defineProvider(definition);

/** The provider's definition, as `defineProvider` takes it. @deprecated use `bluetape.definition` */
export const bluetapeDefinition = definition;
export type { BlueTapeOptions };
