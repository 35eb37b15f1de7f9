import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Serving {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Where it listens, as it said on stdout: `http://127.0.0.1:<port>`. */
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/**
 * `customer-sync serve <args>` from source as a child process (pass `--port 0`); resolves once it says where it
 * listens, rejects with its stderr if it exits first.
 */
export async function startServe(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Serving> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'serve', ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /Serving on (http:\/\/\S+) /.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    void exit.then((code) => reject(new Error(`serve exited ${code} before serving: ${stderr}`)));
  });
  return { child, url, stdout: () => stdout, stderr: () => stderr, exit };
}
