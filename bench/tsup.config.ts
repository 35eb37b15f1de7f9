import { defineConfig } from 'tsup';

/**
 * The benchmark, compiled as dist/ is (tsup.config.ts: ESM, node20), so that what it measures in-process is built
 * code and not tsx's on-the-fly transform. One entry per process the bench starts: the CLI of the bench and each
 * script it forks. Packages stay in node_modules (never bundled), as they are for dist/. `npm run bench` builds it.
 */
export default defineConfig({
  entry: {
    run: 'bench/run.ts',
    'sandbox-host': 'bench/sandbox-host.ts',
    'nightly-peak-rss': 'bench/nightly-peak-rss.ts',
  },
  outDir: 'bench/.build',
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: false,
  clean: true,
  sourcemap: true,
  splitting: true,
  skipNodeModulesBundle: true,
  silent: true,
});
