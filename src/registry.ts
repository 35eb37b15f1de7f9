import { bluetape } from '../adapters/bluetape/index.js';
import { fatora } from '../adapters/fatora/index.js';
import { invisibleCollector } from '../adapters/invisible-collector/index.js';
import { yativo } from '../adapters/yativo/index.js';
import type { Adapter } from './adapter/adapter.js';
import type { ProviderId } from './providers.js';

/** Every provider's adapter factory, by provider id: what a config file's `providers` keys name. */
export const ADAPTER_FACTORIES: Record<ProviderId, (options: never) => Adapter> = {
  yativo,
  fatora,
  bluetape,
  'invisible-collector': invisibleCollector,
};
