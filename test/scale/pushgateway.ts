import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/*
 * A real Prometheus Pushgateway for the metrics tests: Debian's prometheus-pushgateway, installed with apt-get when
 * it is missing (as root), started on a free loopback port with no persistence file, stopped by `close()`.
 * CUSTOMER_SYNC_TEST_PUSHGATEWAY names another binary. Fails (never skips) with what to do when it cannot be had.
 */

const run = promisify(execFile);
const PACKAGE = 'prometheus-pushgateway';
const BINARIES = ['prometheus-pushgateway', 'pushgateway'];
/** apt-get update and install on a slow mirror; the tests that use it give their beforeAll this long. */
export const PUSHGATEWAY_SETUP_TIMEOUT_MS = 300_000;

export interface Pushgateway {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The gateway's own exposition: everything pushed to it, with job and instance labels. */
  scrape(): Promise<string>;
  close(): Promise<void>;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    if (dir !== '' && existsSync(path)) return path;
  }
  return undefined;
}

function found(): string | undefined {
  const named = process.env.CUSTOMER_SYNC_TEST_PUSHGATEWAY;
  if (named) return existsSync(named) ? named : undefined;
  for (const name of BINARIES) {
    const path = onPath(name) ?? (existsSync(`/usr/bin/${name}`) ? `/usr/bin/${name}` : undefined);
    if (path) return path;
  }
  return undefined;
}

async function install(): Promise<string> {
  const manual = `install it (apt-get install ${PACKAGE}, or the release binary from https://github.com/prometheus/pushgateway) or set CUSTOMER_SYNC_TEST_PUSHGATEWAY to its path`;
  if (process.env.CUSTOMER_SYNC_TEST_PUSHGATEWAY) throw new Error(`These tests need a Pushgateway: CUSTOMER_SYNC_TEST_PUSHGATEWAY=${process.env.CUSTOMER_SYNC_TEST_PUSHGATEWAY} does not exist`);
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new Error(`These tests need a Pushgateway and none is installed; it is installed by apt-get when they run as root on Debian. Otherwise ${manual}`);
  }
  const apt = (args: string[]) => run('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: PUSHGATEWAY_SETUP_TIMEOUT_MS / 2 });
  const installing = ['install', '-y', '--no-install-recommends', PACKAGE];
  try {
    await apt(installing);
  } catch {
    // A fresh machine has no package lists yet.
    try {
      await apt(['update']);
      await apt(installing);
    } catch (error) {
      const said = String((error as { stderr?: unknown }).stderr ?? (error as Error).message).trim().split('\n').slice(-3).join('\n');
      throw new Error(`These tests need a Pushgateway: apt-get install ${PACKAGE} failed:\n${said}\nOtherwise ${manual}`);
    }
  }
  const path = found();
  if (!path) throw new Error(`apt-get installed ${PACKAGE} but no ${BINARIES.join(' or ')} binary is on PATH; ${manual}`);
  return path;
}

function freePort(): Promise<number> {
  return new Promise((done, failed) => {
    const server = createServer();
    server.once('error', failed);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : failed(new Error('no port'))));
    });
  });
}

async function ready(url: string, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const gone = exited();
    if (gone !== undefined) throw new Error(`The Pushgateway exited before it was ready:\n${gone}`);
    const ok = await fetch(`${url}/-/ready`).then((response) => response.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`The Pushgateway at ${url} was not ready after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Installs (when missing) and starts a Pushgateway that keeps nothing on disk. */
export async function startPushgateway(): Promise<Pushgateway> {
  const binary = found() ?? (await install());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(binary, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exit: string | undefined;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => {
    child.on('exit', (code, signal) => {
      exit = `exit ${code ?? signal}; stderr:\n${stderr}`;
      done();
    });
    // Not started at all: there is no exit to wait for.
    child.on('error', (error) => {
      exit = `${binary} could not be started: ${error.message}`;
      done();
    });
  });
  try {
    await ready(url, () => exit);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    async scrape() {
      const response = await fetch(`${url}/metrics`);
      if (!response.ok) throw new Error(`GET ${url}/metrics: HTTP ${response.status}`);
      return response.text();
    },
    async close() {
      if (exit === undefined) child.kill('SIGTERM');
      await exited;
    },
  };
}
