import type { Adapter } from '../../src/adapter/adapter.js';
import { createAdapter } from '../../src/adapter/create-adapter.js';
import { yativoDefinition } from './definition.js';
import type { YativoOptions } from './options.js';

/** The Yativo adapter: `yativo({ token })` or `yativo({ accountId, appSecret })`, plus the common options. */
export function yativo(options: YativoOptions): Adapter {
  return createAdapter(yativoDefinition, options);
}

export { yativoDefinition };
export type { YativoOptions };
