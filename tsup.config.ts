import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli/main.ts',
    'adapters/yativo': 'adapters/yativo/index.ts',
    'adapters/fatora': 'adapters/fatora/index.ts',
    'adapters/bluetape': 'adapters/bluetape/index.ts',
    'adapters/invisible-collector': 'adapters/invisible-collector/index.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
});
