import { defineConfig } from 'tsup';
import { PROVIDER_IDS } from './src/providers.js';

/** One subpath entry per built-in provider, from the registry: `customer-sync/adapters/<id>` (see package.json). */
const adapterEntries = Object.fromEntries(PROVIDER_IDS.map((id) => [`adapters/${id}`, `adapters/${id}/index.ts`]));

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli/main.ts',
    ...adapterEntries,
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
});
