import type { Adapter } from '../../src/adapter/adapter.js';
import { createAdapter } from '../../src/adapter/create-adapter.js';
import { invisibleCollectorDefinition, type InvisibleCollectorOptions } from './definition.js';

/** An Invisible Collector adapter: `invisibleCollector({ token })`. */
export function invisibleCollector(options: InvisibleCollectorOptions): Adapter {
  return createAdapter(invisibleCollectorDefinition, options);
}

export { invisibleCollectorDefinition, type InvisibleCollectorOptions };
