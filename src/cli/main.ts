#!/usr/bin/env node
import { runCli } from './program.js';

let stops = 0;
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  onStop(stop) {
    const handler = (): void => {
      stops += 1;
      // A second Ctrl-C means now: what is in flight is lost, but intents already written keep creates safe.
      if (stops > 1) process.exit(130);
      stop();
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
});
process.exitCode = code;
