import type { Emulation, EmulationContext } from './emulation.js';
import { bluetapeEmulation } from './providers/bluetape.js';
import { fatoraEmulation } from './providers/fatora.js';
import { invisibleCollectorEmulation } from './providers/invisible-collector.js';
import { yativoEmulation } from './providers/yativo.js';
import type { ProviderId } from './types.js';

export interface ProviderEntry<P extends ProviderId> {
  /** The provider's own base path below its prefix: a base URL is `origin + '/' + id + basePath`. */
  basePath: string;
  create(ctx: EmulationContext<P>): Emulation<P>;
}

/** One entry per emulated provider. Adding a fifth is one file in providers/ and one line here. */
export const PROVIDERS: { [P in ProviderId]: ProviderEntry<P> } = {
  yativo: { basePath: '/api/v1', create: yativoEmulation },
  fatora: { basePath: '', create: fatoraEmulation },
  bluetape: { basePath: '/genericBthubService', create: bluetapeEmulation },
  'invisible-collector': { basePath: '', create: invisibleCollectorEmulation },
};
