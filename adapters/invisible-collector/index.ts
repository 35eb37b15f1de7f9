import { defineProvider } from '../../src/adapter/define-provider.js';
import { definition, type InvisibleCollectorOptions } from './definition.js';

/** An Invisible Collector adapter: `invisibleCollector({ token })`. */
export const invisibleCollector = defineProvider(definition);

/** The provider's definition, as `defineProvider` takes it. @deprecated use `invisibleCollector.definition` */
export const invisibleCollectorDefinition = definition;
export type { InvisibleCollectorOptions };
