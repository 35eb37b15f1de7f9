// `customer-sync sandbox --behaviour … --rate-limit N[:BURST] --print-config`, run in-process through runCli.
import { PassThrough, Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { parseConfig } from '../../src/config/config.js';
import { call, SANDBOX_CREDENTIALS } from './helpers.js';

interface Running {
  /** The exit code, once the command ends (at once for bad flags, after stop() for a serving sandbox). */
  done: Promise<number>;
  stdout(): string;
  stderr(): string;
  /** Resolves once "Serving" was written; rejects if the command ended first. */
  serving(): Promise<void>;
  /** What SIGINT does to the real CLI. */
  stop(): void;
}

function sandboxCli(args: string[]): Running {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  let onServing: () => void = () => undefined;
  const serving = new Promise<void>((resolve) => (onServing = resolve));
  const check = (): void => {
    if (`${out}${err}`.includes('Serving; stop with Ctrl-C.')) onServing();
  };
  stdout.on('data', (chunk: Buffer) => ((out += chunk.toString('utf8')), check()));
  stderr.on('data', (chunk: Buffer) => ((err += chunk.toString('utf8')), check()));
  let stopRequested = false;
  let listener: (() => void) | undefined;
  const io: CliIo = {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: {},
    cwd: tmpdir(),
    onStop(stop) {
      if (stopRequested) queueMicrotask(stop);
      else listener = stop;
      return () => (listener = undefined);
    },
  };
  const done = runCli(['sandbox', ...args], io);
  return {
    done,
    stdout: () => out,
    stderr: () => err,
    serving: () =>
      Promise.race([
        serving,
        done.then((code) => Promise.reject(new Error(`sandbox ended with ${code} before serving: ${err}`))),
      ]),
    stop() {
      stopRequested = true;
      listener?.();
    },
  };
}

const yativoCreate = {
  customer_name: 'Test Customer',
  customer_email: 'test_customer@yativo.com',
  customer_phone: '+19203751411',
  customer_type: 'individual',
  customer_country: 'USA',
};

describe('customer-sync sandbox flags', () => {
  it('--print-config prints a config file pointing at the sandbox, and nothing else on stdout', async () => {
    const run = sandboxCli(['--print-config']);
    try {
      await run.serving();
      const printed = JSON.parse(run.stdout()) as { providers: Record<string, Record<string, string>> };
      const origin = /^http:\/\/127\.0\.0\.1:\d+/.exec(printed.providers.yativo?.baseUrl ?? '')?.[0];
      expect(origin).toBeDefined();
      const C = SANDBOX_CREDENTIALS;
      expect(printed).toEqual({
        providers: {
          yativo: { baseUrl: `${origin}/yativo/api/v1`, token: C.yativo.token },
          fatora: { baseUrl: `${origin}/fatora`, token: C.fatora.token },
          bluetape: {
            baseUrl: `${origin}/bluetape/genericBthubService`,
            apiKey: C.bluetape.apiKey,
            accountId: C.bluetape.accountId,
          },
          'invisible-collector': { baseUrl: `${origin}/invisible-collector`, token: C['invisible-collector'].token },
        },
      });
      expect(run.stdout().endsWith('}\n')).toBe(true);
      expect(run.stderr()).toBe('Serving; stop with Ctrl-C.\n');
      // A config file of its own.
      const { adapters } = parseConfig(printed, {});
      expect(adapters.map((a) => a.id)).toEqual(['yativo', 'fatora', 'bluetape', 'invisible-collector']);
      await Promise.all(adapters.map((a) => a.close()));
      const find = await call(`${printed.providers['invisible-collector']?.baseUrl ?? ''}/customers/find`, {
        headers: { authorization: `Bearer ${C['invisible-collector'].token}` },
      });
      expect(find.status).toBe(200);
    } finally {
      run.stop();
    }
    expect(await run.done).toBe(0);
  });

  it('serves the documented behaviour by default, with the lines on stdout', async () => {
    const run = sandboxCli([]);
    try {
      await run.serving();
      const lines = run.stdout().trimEnd().split('\n');
      expect(lines).toHaveLength(5);
      expect(lines[4]).toBe('Serving; stop with Ctrl-C.');
      const url = /^yativo\s+(\S+)\s/.exec(lines[0] ?? '')?.[1] ?? '';
      const res = await call(`${url}/customer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SANDBOX_CREDENTIALS.yativo.token}` },
        body: yativoCreate,
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        status_code: 400,
        message: 'Request failed',
        data: { error: 'Idempotency-Key header is required' },
      });
    } finally {
      run.stop();
    }
    expect(await run.done).toBe(0);
  });

  it('--behaviour published and --rate-limit N apply to every provider', async () => {
    const run = sandboxCli(['--behaviour', 'published', '--rate-limit', '1', '--print-config']);
    try {
      await run.serving();
      const { providers } = JSON.parse(run.stdout()) as { providers: Record<string, { baseUrl: string }> };
      const created = await call(`${providers.yativo?.baseUrl ?? ''}/customer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SANDBOX_CREDENTIALS.yativo.token}` },
        body: yativoCreate,
      });
      expect(created.status).toBe(200); // published: no Idempotency-Key needed, HTTP 200
      for (const id of ['fatora', 'bluetape', 'invisible-collector']) {
        const url = `${providers[id]?.baseUrl ?? ''}/nowhere`;
        const statuses = (await Promise.all(Array.from({ length: 10 }, () => call(url)))).map((r) => r.status);
        // One admitted (its answer, whatever it is), others refused within the same second: ten at once: to let all
        // through, a busy machine would have to spread them over nine seconds.
        expect(statuses.filter((s) => s === 429).length, `${id}: ${statuses.join(',')}`).toBeGreaterThanOrEqual(1);
        expect(statuses.filter((s) => s !== 429).length, `${id}: ${statuses.join(',')}`).toBeGreaterThanOrEqual(1);
      }
    } finally {
      run.stop();
    }
    expect(await run.done).toBe(0);
  });

  it('--rate-limit N:BURST is a token bucket: BURST at once', async () => {
    const admitted = async (args: string[]): Promise<number> => {
      const run = sandboxCli([...args, '--print-config']);
      try {
        await run.serving();
        const { providers } = JSON.parse(run.stdout()) as { providers: Record<string, { baseUrl: string }> };
        const url = `${providers.fatora?.baseUrl ?? ''}/nowhere`;
        const statuses = (await Promise.all(Array.from({ length: 6 }, () => call(url)))).map((r) => r.status);
        return statuses.filter((s) => s !== 429).length;
      } finally {
        run.stop();
        expect(await run.done).toBe(0);
      }
    };
    // Six at once, well within a second: a bucket of 3 refilled at 1/s admits 3; a window of 1/s, 1.
    expect(await admitted(['--rate-limit', '1:3'])).toBe(3);
    expect(await admitted(['--rate-limit', '0.5:2'])).toBe(2);
    expect(await admitted(['--rate-limit', '1'])).toBe(1);
  });

  const badRate = (value: string): string =>
    `option '--rate-limit <n[:burst]>' argument '${value}' is invalid. must be N or N:BURST: N requests a second (a whole number, at least 1; with BURST, any number above 0), BURST a whole number, at least 1`;

  it.each([
    [['--behaviour', 'live'], "option '--behaviour <behaviour>' argument 'live' is invalid. Allowed choices are documented, published."],
    [['--rate-limit', '0'], badRate('0')],
    [['--rate-limit', 'fast'], badRate('fast')],
    [['--rate-limit', '5:0'], badRate('5:0')],
    [['--rate-limit', '5:'], badRate('5:')],
    [['--rate-limit', '2.5'], badRate('2.5')],
    [['--rate-limit', '0:5'], badRate('0:5')],
    [['--rate-limit', '5:2.5'], badRate('5:2.5')],
    [['--rate-limit=-1'], badRate('-1')],
  ])('exits 2 on %j, saying why', async (args, message) => {
    const run = sandboxCli(args);
    expect(await run.done).toBe(2);
    expect(run.stderr()).toContain(`error: ${message}`);
    expect(run.stdout()).toBe('');
  });
});
