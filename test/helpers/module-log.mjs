// `node --import <this file> …`: when CUSTOMER_SYNC_MODULE_LOG names a file, every module the process loads is
// appended to it, one URL a line: each module the ESM loader loads (./module-log-hooks.mjs, from now on), and at
// exit every CommonJS module in require's cache (CommonJS required by CommonJS never passes through ESM hooks).
// test/light-imports.test.ts and test/pack/light-imports.test.ts read it.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const file = process.env.CUSTOMER_SYNC_MODULE_LOG;
if (file) {
  register('./module-log-hooks.mjs', import.meta.url, { data: { file } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const required = Object.keys(cache).map((path) => `${pathToFileURL(path).href}\n`);
    appendFileSync(file, required.join(''));
  });
}
