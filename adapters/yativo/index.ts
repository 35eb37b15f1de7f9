import { defineProvider } from '../../src/adapter/define-provider.js';
import { definition } from './definition.js';
import type { YativoOptions } from './options.js';

/** The Yativo adapter: `yativo({ token })` or `yativo({ accountId, appSecret })`, plus the common options. */
export const yativo = defineProvider(definition);

/** The provider's definition, as `defineProvider` takes it. @deprecated use `yativo.definition` */
export const yativoDefinition = definition;
export type { YativoOptions };
