import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'customer-sync';

interface Manifest {
  version: string;
  description: string;
}

const manifests = new Map<string, Manifest | undefined>();

/**
 * This package's package.json: the nearest one named `customer-sync` above `from`, which is the package root whether
 * this runs from `src/cli/` (tsx, tests) or from `dist/` (the built CLI, bundled into `dist/cli.js` or one of its
 * chunks). One small synchronous read per process: `--help` and `--version` stay light.
 */
function manifest(from: string): Manifest | undefined {
  if (manifests.has(from)) return manifests.get(from);
  let found: Manifest | undefined;
  for (let dir = dirname(fileURLToPath(from)); ; ) {
    found = manifestAt(join(dir, 'package.json'));
    const parent = dirname(dir);
    if (found !== undefined || parent === dir) break;
    dir = parent;
  }
  manifests.set(from, found);
  return found;
}

function manifestAt(path: string): Manifest | undefined {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown; description?: unknown };
    if (json.name !== PACKAGE_NAME || typeof json.version !== 'string') return undefined;
    return { version: json.version, description: typeof json.description === 'string' ? json.description : '' };
  } catch {
    return undefined;
  }
}

/** This package's version, from its package.json; `unknown` when none is found. */
export function packageVersion(from: string = import.meta.url): string {
  return manifest(from)?.version ?? 'unknown';
}

/**
 * This package's description, from its package.json: the first line of `customer-sync --help`. It names the
 * built-in providers, so that the help can say which without loading their definitions (and zod with them);
 * test/light-imports.test.ts checks it names each, in the registry's order. Empty when none is found.
 */
export function packageDescription(from: string = import.meta.url): string {
  return manifest(from)?.description ?? '';
}
