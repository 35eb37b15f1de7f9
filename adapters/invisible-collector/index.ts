import { defineProvider } from '../../src/adapter/define-provider.js';
import { definition } from './definition.js';
import type { InvisibleCollectorOptions } from './options.js';

/** An Invisible Collector adapter: `invisibleCollector({ token })`. */
export const invisibleCollector = defineProvider(definition);

/** The provider's definition, as `defineProvider` takes it. @deprecated use `invisibleCollector.definition` */
export const invisibleCollectorDefinition = definition;
export type { InvisibleCollectorOptions };
