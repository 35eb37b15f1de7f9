/**
 * Preloaded into a CLI child (`node --import <this> dist/cli.js …`, see `spawnBuiltCli`): writes the process's
 * peak RSS to the file named by CUSTOMER_SYNC_BENCH_PEAK_RSS_FILE as it exits. Node gives a parent no rusage of its
 * children, and sampling /proc from outside misses a peak between two samples; this is exact, costs one small module
 * at start-up, and imports nothing of the bench.
 */
import { writeFileSync } from 'node:fs';

const path = process.env.CUSTOMER_SYNC_BENCH_PEAK_RSS_FILE;
if (path !== undefined && path !== '') {
  process.on('exit', () => {
    writeFileSync(path, JSON.stringify({ maxRssKB: process.resourceUsage().maxRSS }));
  });
}
