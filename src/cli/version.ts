import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'customer-sync';

/**
 * This package's version, from its package.json: the nearest one named `customer-sync` above this module, which
 * is the package root whether this runs from `src/cli/` (tsx, tests) or from `dist/` (the built CLI, bundled into
 * `dist/cli.js` or one of its chunks). One small synchronous read: `--help` stays light. `unknown` when none is found.
 */
export function packageVersion(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const version = versionAt(join(dir, 'package.json'));
    if (version !== undefined) return version;
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

function versionAt(path: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
    return manifest.name === PACKAGE_NAME && typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}
