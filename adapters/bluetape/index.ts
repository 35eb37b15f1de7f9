import type { Adapter } from '../../src/adapter/adapter.js';
import { createAdapter } from '../../src/adapter/create-adapter.js';
import { bluetapeDefinition, type BlueTapeOptions } from './definition.js';

/** A BlueTape adapter (generic connector): `bluetape({ apiKey, accountId })`. */
export function bluetape(options: BlueTapeOptions): Adapter {
  return createAdapter(bluetapeDefinition, options);
}

export { bluetapeDefinition, type BlueTapeOptions };
