// Module-resolution hooks (node:module register()) that append the URL of every module loaded through the ESM
// loader to a file, one a line: what test/light-imports.test.ts counts. Registered by ./module-log.mjs.
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
