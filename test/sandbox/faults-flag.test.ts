// `customer-sync sandbox --faults KIND=P,…`: parsed into each provider's `faults` (rate = the sum, kinds weighted by
// their chances), usable with --print-config (stdout stays the JSON alone), refused with the kinds listed.
import { PassThrough, Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { FAULT_FLAG_KINDS, parseFaults } from '../../src/cli/faults-flag.js';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { FAULT_KINDS, type FaultKind } from '../../src/sandbox/types.js';
import { call, SANDBOX_CREDENTIALS } from './helpers.js';

function counts(kinds: readonly FaultKind[] | undefined): Partial<Record<FaultKind, number>> {
  const found: Partial<Record<FaultKind, number>> = {};
  for (const kind of kinds ?? []) found[kind] = (found[kind] ?? 0) + 1;
  return found;
}

describe('parseFaults', () => {
  it('sums the chances into the rate and weights the kinds by them, a group split evenly', () => {
    const faults = parseFaults('429=0.01,5xx=0.02,reset=0.01,slow=0.01');
    expect(faults.rate).toBe(0.05);
    expect(counts(faults.kinds)).toEqual({
      '429-seconds': 3,
      '429-date': 3,
      '500': 4,
      '502': 4,
      '503': 4,
      'reset-before': 3,
      'reset-after': 3,
      slow: 6,
    });
  });

  it('takes every fault kind of the sandbox by its own name, and adds up a kind named twice', () => {
    for (const kind of FAULT_KINDS) expect(parseFaults(`${kind}=0.5`)).toEqual({ rate: 0.5, kinds: [kind] });
    expect(counts(parseFaults('500=0.1, 5xx=0.3').kinds)).toEqual({ '500': 2, '502': 1, '503': 1 });
    expect(parseFaults('timeout=0')).toEqual({ rate: 0 });
    expect(parseFaults('5xx=1').rate).toBe(1);
    expect(parseFaults('bad-body=0.7,timeout=0.2,slow=0.1').rate).toBe(1);
  });

  it.each([
    ['teapot=0.1', 'unknown fault kind "teapot" (kinds: 429, 5xx, reset, 429-seconds'],
    ['5xx', '"5xx" is not KIND=P'],
    ['5xx=2', '5xx=2: the chance must be a number from 0 to 1'],
    ['5xx=-0.1', '5xx=-0.1: the chance must be a number from 0 to 1'],
    ['5xx=1e-2', '5xx=1e-2: the chance must be a number from 0 to 1'],
    ['5xx=0.6,reset=0.6', 'the chances add up to 1.2, more than 1'],
    ['', 'must be KIND=P,…'],
  ])('refuses %j', (value, message) => {
    expect(() => parseFaults(value)).toThrow(message);
  });

  it('lists every kind in its errors', () => {
    expect(() => parseFaults('x=1')).toThrow([...FAULT_FLAG_KINDS.keys()].join(', '));
  });
});

function sandboxCli(args: string[]): { done: Promise<number>; out: () => string; err: () => string; serving: () => Promise<void>; stop: () => void } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  let stop: (() => void) | undefined;
  let stopAsked = false;
  const io: CliIo = {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: {},
    cwd: tmpdir(),
    onStop(fn) {
      if (stopAsked) queueMicrotask(fn);
      else stop = fn;
      return () => (stop = undefined);
    },
  };
  const done = runCli(['sandbox', ...args], io);
  const serving = async (): Promise<void> => {
    for (let i = 0; i < 200 && !`${out}${err}`.includes('Serving; stop with Ctrl-C.'); i++) {
      const ended = await Promise.race([done.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 25))]);
      if (ended) throw new Error(`sandbox ended before serving: ${err}`);
    }
  };
  return {
    done,
    out: () => out,
    err: () => err,
    serving,
    stop: () => {
      stopAsked = true;
      stop?.();
    },
  };
}

describe('customer-sync sandbox --faults', () => {
  it('works with --print-config: stdout is the config alone, and every provider answers with the faults', async () => {
    const run = sandboxCli(['--faults', '5xx=1', '--print-config']);
    try {
      await run.serving();
      const { providers } = JSON.parse(run.out()) as { providers: Record<string, { baseUrl: string }> };
      expect(run.err()).toBe('Faults at each provider: 5xx 100% of requests.\nServing; stop with Ctrl-C.\n');
      const answer = await call(`${providers['invisible-collector']?.baseUrl ?? ''}/customers/find`, {
        headers: { authorization: `Bearer ${SANDBOX_CREDENTIALS['invisible-collector'].token}` },
      });
      expect([500, 502, 503]).toContain(answer.status);
      const yativo = await call(`${providers.yativo?.baseUrl ?? ''}/customer`, {
        headers: { authorization: `Bearer ${SANDBOX_CREDENTIALS.yativo.token}` },
      });
      expect([500, 502, 503]).toContain(yativo.status);
    } finally {
      run.stop();
    }
    expect(await run.done).toBe(0);
  });

  it('says what it injects among the lines on stdout without --print-config', async () => {
    const run = sandboxCli(['--faults', '429=0.01,5xx=0.02']);
    try {
      await run.serving();
      expect(run.out()).toContain('Faults at each provider: 429 1%, 5xx 2% of requests.\nServing; stop with Ctrl-C.\n');
    } finally {
      run.stop();
    }
    expect(await run.done).toBe(0);
  });

  it('exits 2 on an unknown kind, listing the kinds', async () => {
    const run = sandboxCli(['--faults', 'teapot=0.1']);
    expect(await run.done).toBe(2);
    expect(run.err()).toContain(`error: option '--faults <kind=p,...>' argument 'teapot=0.1' is invalid. unknown fault kind "teapot" (kinds: 429, 5xx, reset,`);
    expect(run.out()).toBe('');
  });

  it('is described in the help', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const code = await runCli(['sandbox', '--help'], { stdout, stderr: new PassThrough(), stdin: Readable.from([]), env: {}, cwd: tmpdir() });
    expect(code).toBe(0);
    expect(out).toContain('--faults <kind=p,...>');
    expect(out).toContain('429=0.01,5xx=0.02,reset=0.01,slow=0.01');
  });
});
