import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one level at a time, for the state's and the report's directories. Node's recursive mkdir (sync
 * and async alike, Node 20) never returns on some paths: under `/proc` every mkdir fails with ENOENT, which it takes
 * for a missing parent and retries forever. Here each missing level is made once, from the deepest existing
 * ancestor down, and the first failure is thrown (a Node error with its `code`, or ENOTDIR when a level is a
 * file): a path that cannot be created fails at once.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let current = resolve(dir);
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch (error) {
      if (codeOf(error) !== 'ENOENT' || dirname(current) === current) throw error;
      missing.push(current);
      current = dirname(current);
      continue;
    }
    if (!isDirectory) throw Object.assign(new Error(`ENOTDIR: not a directory, ${current}`), { code: 'ENOTDIR', path: current });
    break;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (error) {
      // Made meanwhile by another process: fine when it is a directory.
      if (codeOf(error) === 'EEXIST' && statSync(level).isDirectory()) continue;
      throw error;
    }
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
