import type { Readable, Writable } from 'node:stream';

/** What a CLI command may touch: injected so commands run in-process in tests. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); the CLI wires real signals. */
  onStop?: ((stop: () => void) => () => void) | undefined;
}

/** A user error that stops a command before it runs: exit code 2 and the message on stderr. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function writeLine(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}
