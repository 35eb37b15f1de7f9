// A child process of test/light-imports.test.ts, run with `--import tsx --import ./module-log.mjs`: runs
// `customer-sync <command> --help` in this one process for every command and subcommand the help lists (one tsx
// child each would take a second or more apiece), each after a line `mark:<command>` in the module log, so that the
// test can tell what each one loaded first. The commands given as arguments (e.g. "state resolve") run last: what
// they load is then theirs alone, and cannot hide what another one loads. A last mark, `(exit)`, precedes the
// CommonJS modules logged at exit. Prints, as JSON, each command's exit code and the first line of its help.
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import { listedCommands } from './light-imports.js';

const log = process.env.CUSTOMER_SYNC_MODULE_LOG;
const last = process.argv.slice(2);

async function help(command: readonly string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const stdout = new PassThrough();
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const stderr = new PassThrough().resume();
  const code = await runCli([...command, '--help'], { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: process.cwd() });
  return { code, text };
}

const results: Array<{ command: string; code: number; usage: string }> = [];
const queue: string[][] = [[]];
const later: string[][] = [];
for (;;) {
  const next = queue.shift();
  if (next !== undefined && last.includes(next.join(' '))) {
    later.push(next);
    continue;
  }
  const command = next ?? later.shift();
  if (command === undefined) break;
  const name = command.join(' ');
  if (log) appendFileSync(log, `mark:${name}\n`);
  const { code, text } = await help(command);
  results.push({ command: name, code, usage: text.split('\n')[0] ?? '' });
  for (const sub of listedCommands(text)) queue.push([...command, sub]);
}
// CommonJS required by CommonJS is logged at exit: after a mark of its own, not in the last command's.
if (log) appendFileSync(log, 'mark:(exit)\n');
process.stdout.write(`${JSON.stringify(results)}\n`);
