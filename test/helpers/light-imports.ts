import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the light-import tests share: the children they run, the provider they push to, what must not load. */

export const HELPERS = resolve(import.meta.dirname);
export const MODULE_LOG = join(HELPERS, 'module-log.mjs');
export const PUSH_CHILD = join(HELPERS, 'push-child.mjs');
export const HELP_CHILD = join(HELPERS, 'help-child.ts');

/**
 * Packages that pushing to a provider never needs: SQLite (and its native loader), BullMQ (and its msgpackr),
 * Redis, PostgreSQL. Matched as `node_modules/<name>/`.
 */
export const HEAVY_PACKAGES = [
  'better-sqlite3',
  'bindings',
  'bullmq',
  'msgpackr',
  'ioredis',
  '@ioredis/commands',
  'pg',
  'pg-pool',
  'pg-cursor',
  'pg-protocol',
  'pg-connection-string',
  'pgpass',
] as const;

/**
 * What neither `customer-sync --help`, `--version` nor a command's own `--help` loads (issue 13): besides the above,
 * the commands' HTTP client, logger and its pretty printer, the model's phone metadata and country names, the input
 * parsers, and zod (~95 modules: the adapters' schemas, loaded with the provider registry).
 */
export const HELP_HEAVY_PACKAGES = [
  ...HEAVY_PACKAGES,
  'axios',
  'pino',
  'pino-pretty',
  'libphonenumber-js',
  'i18n-iso-countries',
  'csv-parse',
  '@streamparser/json',
  'zod',
] as const;

/**
 * What only pushing, reading input and logging a run need: the commands that push nothing (`state list`, `resolve`,
 * `forget`, `init`) load none of it, though they read a config, whose adapters are made without their pipeline.
 */
export const PUSH_PACKAGES = [
  'axios',
  'bottleneck',
  'p-retry',
  'libphonenumber-js',
  'pino',
  'pino-pretty',
  'csv-parse',
  '@streamparser/json',
  'bullmq',
  'ioredis',
  'pg',
] as const;

/** The package's run-time dependencies (package.json): of these, the help loads commander alone. */
export const DEPENDENCIES: readonly string[] = Object.keys(
  (JSON.parse(readFileSync(join(HELPERS, '../../package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies,
);

/**
 * How many module files (ESM and CommonJS) `customer-sync --help` and `--version` may load; each loads, as measured
 * for issue 13: from source, 13 of the project's and commander's 8; built, dist/cli.js, 5 chunks and commander's 8.
 * A little room above that; past it, see what the new modules bring before raising the bound.
 */
export const HELP_MODULE_BOUND = { source: 24, dist: 18 } as const;

/** The commands a `--help` text lists under "Commands:" (commander's format), without `help`. */
export function listedCommands(help: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  // A description too long for its line goes on below, indented further.
  return section
    .split('\n')
    .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'help');
}

/**
 * Source files an adapter never loads: the SQLite and PostgreSQL stores and the queue. `src/queue/settings.ts` is
 * allowed: constants and the namespace check (`createCustomerSync({ namespace })`), nothing but a type from BullMQ.
 */
export function heavySourceFile(path: string): boolean {
  return /\/src\/state\/(sqlite|postgres)-[^/]*$/.test(path) || (/\/src\/queue\//.test(path) && !path.endsWith('/src/queue/settings.ts'));
}

/** The packages (by name) and the files among `modules` that are in `packages`. */
export function loadedPackages(modules: readonly string[], packages: readonly string[]): string[] {
  const found = new Set<string>();
  for (const path of modules) {
    const name = packageOf(path);
    if (name !== undefined && packages.includes(name)) found.add(name);
  }
  return [...found].sort();
}

/** The package a path is in (the innermost `node_modules/<name>` or `node_modules/@scope/<name>`), if any. */
export function packageOf(path: string): string | undefined {
  const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return match?.[1];
}

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every module file the child loaded (ESM and CommonJS), as absolute paths, without duplicates. */
  modules: string[];
  /**
   * The modules loaded after each `mark:<name>` line the child appended to the log, by name, until the next mark.
   * Only what passed through the ESM loader: CommonJS required by CommonJS is logged at exit, in the last mark's.
   */
  marked: Map<string, string[]>;
}

/**
 * Runs `node <args>` with ./module-log.mjs imported after `nodeOptions` (say `--import tsx`), and returns what
 * it printed and every module file it loaded. Without tsx's own files: they load whatever is run.
 */
export async function runLogged(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; nodeOptions?: readonly string[] }): Promise<ChildRun> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-light-'));
  const log = join(dir, 'modules.txt');
  try {
    const argv = [...(options.nodeOptions ?? []), '--import', MODULE_LOG, ...args];
    const env = { ...process.env, ...options.env, CUSTOMER_SYNC_MODULE_LOG: log, NODE_OPTIONS: '' };
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, argv, { cwd: options.cwd, env, timeout: 55_000, encoding: 'utf8' }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        done({ code, stdout, stderr });
      });
    });
    let lines: string[] = [];
    try {
      lines = readFileSync(log, 'utf8').split('\n');
    } catch {
      // No module logged: the child failed before loading any; its stderr says why.
    }
    const modules = new Set<string>();
    const marked = new Map<string, string[]>();
    let mark: string[] | undefined;
    for (const line of lines) {
      if (line.startsWith('mark:')) {
        mark = [];
        marked.set(line.slice('mark:'.length), mark);
      }
      if (!line.startsWith('file:')) continue;
      const path = fileURLToPath(line);
      if (packageOf(path) === 'tsx' || packageOf(path) === 'get-tsconfig') continue;
      modules.add(path);
      mark?.push(path);
    }
    return { code, stdout, stderr, modules: [...modules], marked };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A customer already linked at every provider: each push is one update. */
export const LINKED_CUSTOMER = {
  id: 'cus-1',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+351912345678',
  country: 'PRT',
  vatNumber: 'PT123456789',
  updatedAt: '2026-11-20T10:00:00Z',
  providerIds: { yativo: 'y-1', fatora: 7 },
};

interface ProviderCase {
  /** The provider's base path, after the server's origin. */
  basePath: string;
  /** The options besides `baseUrl`. */
  options: Record<string, unknown>;
  /** `METHOD path` → status and JSON body: what the provider answers to the update of LINKED_CUSTOMER. */
  answers: Record<string, [number, unknown]>;
}

/** How each built-in provider answers the update of LINKED_CUSTOMER (as in test/sync.test.ts). */
export const PROVIDER_CASES: Record<string, ProviderCase> = {
  yativo: {
    basePath: '/yativo/api/v1',
    options: { token: 'yat-token' },
    answers: { 'PUT /yativo/api/v1/customer/y-1': [200, { status: 'success', data: { customer_id: 'y-1' } }] },
  },
  fatora: {
    basePath: '/fatora',
    options: { token: 'fat-token' },
    answers: { 'PUT /fatora/v1/clients/7': [200, { status: 'SUCCESS', client: { id: 7 } }] },
  },
  bluetape: {
    basePath: '/bluetape/genericBthubService',
    options: { apiKey: 'bt-key', accountId: 'acct-1' },
    answers: { 'PUT /bluetape/genericBthubService/integration/customer/cus-1': [202, { blueTapeId: 'bt-1' }] },
  },
  'invisible-collector': {
    basePath: '/ic',
    options: { token: 'ic-token' },
    answers: { 'PUT /ic/customers/cus-1': [200, { gid: 'g-1' }] },
  },
};

/** A node:http server answering like each provider of PROVIDER_CASES, under its base path; 404 to anything else. */
export async function startProviders(): Promise<{ optionsFor(id: string): Record<string, unknown>; requests: string[]; close(): Promise<void> }> {
  const answers = new Map(Object.values(PROVIDER_CASES).flatMap((c) => Object.entries(c.answers)));
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const key = `${request.method} ${request.url}`;
      requests.push(key);
      const [status, body] = answers.get(key) ?? [404, { message: 'not found' }];
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    optionsFor(id) {
      const c = PROVIDER_CASES[id];
      if (!c) throw new Error(`no light-import case for the provider ${id}: add one to test/helpers/light-imports.ts`);
      return { ...c.options, baseUrl: `${origin}${c.basePath}`, retry: { retries: 0 } };
    },
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
