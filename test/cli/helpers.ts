import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import type { Sandbox } from '../../src/sandbox/index.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function cli(argv: string[], options: { cwd: string; stdin?: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.stdout.push(c));
  stderr.on('data', (c: Buffer) => chunks.stderr.push(c));
  const io: CliIo = {
    stdout,
    stderr,
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? {},
    cwd: options.cwd,
  };
  const code = await runCli(argv, io);
  return { code, stdout: Buffer.concat(chunks.stdout).toString('utf8'), stderr: Buffer.concat(chunks.stderr).toString('utf8') };
}

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cs-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A config file pointing at the sandbox, every provider with `createMissing` where it exists. */
export function writeSandboxConfig(dir: string, sandbox: Sandbox, extra: Record<string, unknown> = {}): string {
  const providers = sandboxProvidersConfig(sandbox);
  const fast = { rateLimit: { perSecond: 500, concurrency: 8 } };
  const config = {
    providers: {
      yativo: { ...providers.yativo, ...fast },
      fatora: { ...providers.fatora, ...fast, createMissing: true },
      bluetape: { ...providers.bluetape, ...fast, createMissing: true },
      'invisible-collector': { ...providers['invisible-collector'], ...fast, createMissing: true },
    },
    retry: { retries: 4, minDelayMs: 5, maxDelayMs: 50 },
    ...extra,
  };
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** A valid customer every provider can take. */
export function customer(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `c-${i}`,
    email: `person${i}@example.com`,
    firstName: 'Person',
    lastName: `Number${i}`,
    phone: `+35191234${String(i).padStart(4, '0')}`,
    country: 'PT',
    address: { street: 'Rua Augusta', number: String(i), city: 'Lisboa', postalCode: '1100-053' },
    vatNumber: `PT${String(500000000 + i)}`,
    locale: 'pt',
    updatedAt: '2026-11-01T10:00:00Z',
    ...overrides,
  };
}

export function ndjson(records: unknown[]): string {
  return `${records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`;
}

export function totalRequests(sandbox: Sandbox): number {
  return (['yativo', 'fatora', 'bluetape', 'invisible-collector'] as const).reduce((sum, id) => sum + sandbox.stats(id).requests, 0);
}

// The CLI as a child process, run from its temp folder: tsx is resolved from here, not from the child's cwd.
const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliChild {
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** `customer-sync sync --config … --input … [extra]` as a child process, to be killed; stderr shown on exit 2. */
export function spawnSync(cwd: string, config: string, input: string, extra: string[] = []): CliChild {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'sync', '--config', config, '--input', input, ...extra], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => {
      if (code === 2) console.error(stderr);
      done({ code, signal });
    }),
  );
  return { exit, kill: (signal) => child.kill(signal) };
}

/**
 * `customer-sync ARGV` as a child process, for a run that must be shown to end: a run still going after
 * `hangMs` is killed and resolves with `hung: true` (a generous bound, far above a normal run's few seconds, so
 * a slow machine is never taken for a hang).
 */
export function runCliChild(
  cwd: string,
  argv: string[],
  hangMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string; hung: boolean }> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...argv], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let hung = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, hangMs);
  return new Promise((done) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, hung });
    }),
  );
}
