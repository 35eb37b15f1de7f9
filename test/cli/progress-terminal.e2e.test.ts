/**
 * The sync job's progress and logs as a person sees them: the CLI runs as a child process on a real pseudo-terminal
 * (tmux, whose screen is then read back as rendered; `script` for the raw bytes), against the sandbox, with a 429
 * forced mid-run so that a warning is logged while the progress line is drawn. Every wait is bounded by an event
 * (the child's end, signalled through tmux) with a generous timeout, never by a guess at how long a run takes.
 */
import { execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { customer, ndjson, runCliChild, tempDir, writeSandboxConfig } from './helpers.js';

const run = promisify(execFile);

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** A bound on one run of the CLI, far above the few seconds it takes, for a machine busy with other work. */
const RUN_BOUND_MS = 120_000;
const RECORDS = 300;
const PAUSED = 'provider paused by a 429';

const available = async (command: string, args: string[]): Promise<boolean> =>
  run(command, args).then(
    () => true,
    () => false,
  );
const HAS_TMUX = await available('tmux', ['-V']);
const HAS_SCRIPT = process.platform === 'linux' && (await available('script', ['--version']));

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let config: string;
let input: string;

beforeEach(async () => {
  // Answers take a little time, and Fatora pauses the run once with a 429 (Retry-After: 1 s) a third of the way in.
  sandbox = await startSandbox({ latencyMs: 5 });
  sandbox.setFaults('fatora', { script: [...Array<'pass'>(100).fill('pass'), '429-seconds'], retryAfterSeconds: 1 });
  tmp = tempDir();
  config = writeSandboxConfig(tmp.dir, sandbox);
  input = join(tmp.dir, 'customers.ndjson');
  writeFileSync(input, ndjson(Array.from({ length: RECORDS }, (_, i) => customer(i + 1))));
});

afterEach(async () => {
  await sandbox.close();
  tmp.remove();
});

/** A word for a POSIX shell, quoted. */
const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

function syncCommand(extra: string[] = []): string {
  return [process.execPath, '--import', TSX, MAIN, 'sync', '--config', config, '--input', input, ...extra].map(quote).join(' ');
}

type Tmux = (...args: string[]) => Promise<{ stdout: string }>;

/** The screen as rendered, scrollback included, without trailing blank lines. */
async function screenOf(tmux: Tmux): Promise<string[]> {
  const { stdout } = await tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', 'sync');
  const screen = stdout.split('\n');
  while (screen.length > 0 && screen.at(-1)!.trim() === '') screen.pop();
  return screen;
}

/**
 * Runs `command` in a detached tmux session of `columns` x `rows`, lets `meanwhile` act on it (type a key), waits for
 * it to end, and returns its exit code and the screen. The session's shell holds the pane open after the command
 * (so the screen can be read) until the server is killed; it traps Ctrl-C (the command gets it as usual) so as to
 * go on after the command.
 */
async function onTmuxScreen(
  command: string,
  columns: number,
  rows: number,
  meanwhile?: (tmux: Tmux) => Promise<void>,
): Promise<{ code: number; screen: string[] }> {
  // A server of its own, its socket in the test's folder (removed with it).
  const socket = join(tmp.dir, 'tmux.sock');
  const tmux: Tmux = (...args) => run('tmux', ['-S', socket, '-f', '/dev/null', ...args], { timeout: RUN_BOUND_MS });
  const exitFile = join(tmp.dir, 'exit-code');
  const script =
    `trap : INT; ${command}; echo $? > ${quote(exitFile)}; ` +
    `tmux -S ${quote(socket)} wait-for -S ended; tmux -S ${quote(socket)} wait-for released`;
  try {
    await tmux('new-session', '-d', '-s', 'sync', '-x', String(columns), '-y', String(rows), '-c', tmp.dir, script);
    await meanwhile?.(tmux);
    // Returns once the command signalled its end (at once when it did already); the timeout bounds a hang.
    await tmux('wait-for', 'ended');
    const code = Number(readFileSync(exitFile, 'utf8').trim());
    return { code, screen: await screenOf(tmux) };
  } finally {
    await tmux('kill-server').catch(() => undefined);
  }
}

/** Reads the screen until `test` holds, within RUN_BOUND_MS. */
async function untilScreen(tmux: Tmux, test: (screen: string[]) => boolean): Promise<void> {
  const deadline = Date.now() + RUN_BOUND_MS;
  for (;;) {
    const screen = await screenOf(tmux);
    if (test(screen)) return;
    if (Date.now() > deadline) throw new Error(`the screen never showed what was awaited:\n${screen.join('\n')}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

/** Runs `command` on a pseudo-terminal made by `script`, returning its exit code and every byte it wrote, raw. */
function onScriptTerminal(command: string): Promise<{ code: number | null; raw: string; hung: boolean }> {
  // The terminal is given a size, as a person's has.
  const child = spawn('script', ['-qfec', `stty cols 120 rows 40; ${command}`, '/dev/null'], { cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let raw = '';
  let hung = false;
  child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, RUN_BOUND_MS);
  return new Promise((done) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, raw, hung });
    }),
  );
}

describe('customer-sync sync on a terminal', () => {
  it.skipIf(!HAS_TMUX)(
    'shows one progress line with its totals at the bottom, a 429 warning above it in human form, then the summary',
    async () => {
      const { code, screen } = await onTmuxScreen(syncCommand(), 120, 40);
      const shown = screen.join('\n');
      expect(code, shown).toBe(0);

      // The warning is there once, as a human line, not as pino's JSON.
      const warnings = screen.filter((line) => line.includes(PAUSED));
      expect(warnings, shown).toHaveLength(1);
      expect(warnings[0]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: provider paused by a 429 provider=fatora waitMs=1000$/);
      expect(shown).not.toMatch(/"level"|"msg"|^\{/m);

      // One progress line is left, the final one, whole: no stale copy of it is mixed into another line.
      const progress = screen.filter((line) => line.includes('records/s'));
      expect(progress, shown).toHaveLength(1);
      const [last] = progress;
      expect(last).toMatch(new RegExp(`^\\[█{20}\\] 100% {2}.* read ${RECORDS} {2}sent ${RECORDS * 4} {2}failed 0 {2}invalid 0 {2}\\S+ records/s {2}\\d+:\\d\\d elapsed {2}done`));
      expect([...last!].length).toBeLessThan(120);
      expect(screen.filter((line) => line.includes('█') || line.includes('░'))).toEqual([last]);

      // In order: the warning above the progress line, the summary below it.
      const at = (test: (line: string) => boolean): number => screen.findIndex(test);
      const warningAt = at((line) => line.includes(PAUSED));
      const progressAt = at((line) => line.includes('records/s'));
      const summaryAt = at((line) => line.startsWith(`${RECORDS} records read`));
      expect(warningAt, shown).toBeGreaterThanOrEqual(0);
      expect(progressAt, shown).toBeGreaterThan(warningAt);
      expect(summaryAt, shown).toBeGreaterThan(progressAt);
      expect(screen.slice(summaryAt).join('\n')).toMatch(/^fatora\s+300\s/m);
    },
    RUN_BOUND_MS * 2,
  );

  it.skipIf(!HAS_TMUX)(
    'on Ctrl-C: the stopping message goes above the line too, and the final line says stopped',
    async () => {
      // Fatora's 429 holds the run for 8 s: Ctrl-C is typed as soon as its warning is on the screen.
      sandbox.setFaults('fatora', { script: [...Array<'pass'>(20).fill('pass'), '429-seconds'], retryAfterSeconds: 8 });
      const { screen } = await onTmuxScreen(syncCommand(), 120, 40, async (tmux) => {
        await untilScreen(tmux, (lines) => lines.some((line) => line.includes(PAUSED)));
        await tmux('send-keys', '-t', 'sync', 'C-c');
      });
      const shown = screen.join('\n');
      const stopping = screen.filter((line) => line.includes('stopping: finishing the records in flight'));
      expect(stopping, shown).toHaveLength(1);
      expect(stopping[0]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: stopping: finishing the records in flight, then writing the state and the report$/);
      const progress = screen.filter((line) => line.includes('records/s'));
      expect(progress, shown).toHaveLength(1);
      expect(progress[0]).toMatch(/ {2}stopped$/);
      const at = (text: string): number => screen.findIndex((line) => line.includes(text));
      expect(at(PAUSED)).toBeLessThan(at('stopping:'));
      expect(at('stopping:')).toBeLessThan(at('records/s'));
      expect(at('records/s')).toBeLessThan(at('(interrupted: rerun to finish)'));
      expect(shown).not.toMatch(/"level"|"msg"|^\{/m);
    },
    RUN_BOUND_MS * 3,
  );

  // The same, on the raw bytes, where tmux is not installed.
  it.skipIf(HAS_TMUX || !HAS_SCRIPT)(
    'draws the line in place and writes the warning over it on the raw terminal, never through it',
    async () => {
      const { code, raw, hung } = await onScriptTerminal(syncCommand());
      expect(hung).toBe(false);
      expect(code, raw).toBe(0);
      // The warning starts on an erased line (the progress line taken away first) and is followed by the progress
      // line drawn again.
      const warning = raw.indexOf(PAUSED);
      expect(warning, raw).toBeGreaterThan(0);
      const lineStart = raw.lastIndexOf('\r\x1b[2K', warning);
      expect(raw.slice(lineStart + 5, warning)).toMatch(/^\[\d\d:\d\d:\d\d\] \S*WARN\S*: \S*$/);
      expect(raw.slice(warning)).toMatch(/^provider paused by a 429 provider=fatora waitMs=1000\S*\r?\n\[[█░]{20}\] \d+%/);
      expect(raw).not.toContain('"level"');
    },
    RUN_BOUND_MS * 2,
  );

  it.skipIf(!HAS_SCRIPT)(
    'with --json on a terminal: no progress line, the logs as JSON lines, the report as JSON',
    async () => {
      const { code, raw, hung } = await onScriptTerminal(syncCommand(['--json']));
      expect(hung).toBe(false);
      expect(code, raw).toBe(0);
      expect(raw).not.toContain('\x1b[2K');
      expect(raw).not.toContain('records/s');
      const lines = raw.split(/\r?\n/);
      const warning = lines.find((line) => line.includes(PAUSED));
      expect(JSON.parse(warning!)).toMatchObject({ level: 40, msg: PAUSED, provider: 'fatora', waitMs: 1000 });
      expect(raw).toContain(`"read": ${RECORDS}`);
    },
    RUN_BOUND_MS * 2,
  );
});

describe('customer-sync sync not on a terminal', () => {
  it(
    'writes JSON log lines on stderr and no progress line; the summary on stdout',
    async () => {
      const result = await runCliChild(tmp.dir, ['sync', '--config', config, '--input', input], RUN_BOUND_MS);
      expect(result.hung).toBe(false);
      expect(result.code, result.stderr).toBe(0);
      for (const drawn of ['\r', '\x1b[', 'records/s']) expect(result.stderr).not.toContain(drawn);
      const logged = result.stderr
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toContainEqual(expect.objectContaining({ level: 40, msg: PAUSED, provider: 'fatora', waitMs: 1000 }));
      expect(result.stdout).toMatch(new RegExp(`^${RECORDS} records read`, 'm'));
    },
    RUN_BOUND_MS * 2,
  );
});
