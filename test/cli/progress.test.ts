import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatBytes, formatDuration, InputTracker, ProgressBar, progressLine, type ProgressState } from '../../src/cli/progress.js';
import type { Progress } from '../../src/job/run-sync.js';
import { openSource } from '../../src/sources/index.js';
import { customer, ndjson, tempDir } from './helpers.js';

const ERASE = '\r\x1b[2K';

const PROGRESS: Progress = {
  read: 1204,
  invalid: 1,
  done: 1190,
  sent: 4752,
  failed: 2,
  perProvider: { yativo: { sent: 1190, failed: 0 }, fatora: { sent: 1188, failed: 2 } },
};

function state(overrides: Partial<ProgressState> = {}): ProgressState {
  return { progress: PROGRESS, elapsedMs: 14_000, position: 2_800_000, size: 6_800_000, ...overrides };
}

const columnsOf = (text: string): number => [...text].length;

describe('the progress line', () => {
  it('with a known size: a bar, the percent, the bytes, the counts, records/s, elapsed, ETA and each provider', () => {
    expect(progressLine(state(), 200)).toBe(
      '[████████░░░░░░░░░░░░] 41%  2.8/6.8 MB  read 1204  sent 4752  failed 2  invalid 1  85 records/s  0:14 elapsed  ETA 0:20' +
        '  | yativo 1190  fatora 1188/2✗',
    );
  });

  it('without a known size (standard input): the bytes read and the counts, no bar, percent or ETA', () => {
    const line = progressLine(state({ size: undefined }), 200);
    expect(line).toBe('input 2.8 MB  read 1204  sent 4752  failed 2  invalid 1  85 records/s  0:14 elapsed  | yativo 1190  fatora 1188/2✗');
  });

  it('estimates the time left from the pace so far, once a second has passed and something is done', () => {
    expect(progressLine(state({ elapsedMs: 10_000, position: 1_700_000 }), 200)).toContain('25%  1.7/6.8 MB');
    expect(progressLine(state({ elapsedMs: 10_000, position: 1_700_000 }), 200)).toContain('0:10 elapsed  ETA 0:30');
    expect(progressLine(state({ elapsedMs: 90_000, position: 680_000 }), 200)).toContain('1:30 elapsed  ETA 13:30');
    expect(progressLine(state({ elapsedMs: 900, position: 100 }), 200)).not.toContain('ETA');
    expect(progressLine(state({ elapsedMs: 5_000, position: 0 }), 200)).not.toContain('ETA');
  });

  it('says done, or stopped, at the end instead of an ETA', () => {
    expect(progressLine(state({ position: 6_800_000, finished: true }), 200)).toMatch(/^\[█{20}\] 100% {2}6\.8\/6\.8 MB .* 0:14 elapsed {2}done {2}\|/);
    expect(progressLine(state({ finished: true, stopped: true }), 200)).toContain('0:14 elapsed  stopped');
  });

  it('never reaches the last column, leaving out the least useful parts first, then cutting', () => {
    for (const columns of [200, 150, 120, 100, 80, 60, 40, 20, 10, 3, 1]) {
      for (const size of [6_800_000, undefined]) {
        expect(columnsOf(progressLine(state({ size }), columns))).toBeLessThanOrEqual(Math.max(1, columns - 1));
      }
    }
    // 120 columns: no room for the providers.
    expect(progressLine(state(), 120)).toBe(
      '[████████░░░░░░░░░░░░] 41%  2.8/6.8 MB  read 1204  sent 4752  failed 2  invalid 1  85 records/s  0:14 elapsed  ETA 0:20',
    );
    // 80 columns: a shorter bar; the percent, the counts that matter, the rate and the ETA stay.
    expect(progressLine(state(), 80)).toBe('[████░░░░░░] 41%  read 1204  sent 4752  failed 2  85 records/s  ETA 0:20');
    expect(progressLine(state(), 40)).toBe('41%  read 1204  85 records/s  ETA 0:20');
    expect(progressLine(state(), 4)).toBe('41%');
    expect(progressLine(state(), 3)).toBe('4…');
  });

  it('formats durations and sizes', () => {
    expect([0, 7_000, 754_000, 3_723_000].map(formatDuration)).toEqual(['0:00', '0:07', '12:34', '1:02:03']);
    expect([812, 64_000, 2_800_000, 3_100_000_000].map(formatBytes)).toEqual(['812 B', '64.0 kB', '2.8 MB', '3.1 GB']);
  });
});

/** An input whose bytes read the test sets. */
function fakeInput(size?: number) {
  const input = { read: 0, bytesRead: () => input.read, size };
  return input;
}

describe('where the records done are in the input', () => {
  it('places them among the batches handed on, in proportion within a batch, not at the bytes read ahead', async () => {
    const input = fakeInput(1000);
    const tracker = new InputTracker(input);
    async function* source() {
      input.read = 400; // a chunk read: the lines of its first 400 bytes come out as a batch of 4
      yield [1, 2, 3, 4];
      input.read = 1000;
      yield [5, 6];
    }
    // The run takes the batches one at a time, as runSync does.
    const batches = tracker.track(source());
    expect((await batches.next()).value).toEqual([1, 2, 3, 4]);
    expect(tracker.position()).toBe(0);
    tracker.advance(1);
    expect(tracker.position()).toBe(100);
    tracker.advance(3);
    expect(tracker.position()).toBe(300);
    expect((await batches.next()).value).toEqual([5, 6]);
    // Asking for the second batch says the first went through whole.
    expect(tracker.position()).toBe(400);
    tracker.advance(5);
    expect(tracker.position()).toBe(700);
    tracker.advance(6);
    expect(tracker.position()).toBe(1000);
    expect((await batches.next()).done).toBe(true);
  });

  it('moves past batches whose records were passed over and never counted (--customers)', async () => {
    const input = fakeInput(900);
    const tracker = new InputTracker(input);
    async function* source() {
      for (const bytes of [300, 600, 900]) {
        input.read = bytes;
        yield ['a', 'b', 'c'];
      }
    }
    const seen: number[] = [];
    for await (const batch of tracker.track(source())) {
      expect(batch).toHaveLength(3);
      seen.push(tracker.position());
    }
    expect(seen).toEqual([0, 300, 600]);
    expect(tracker.position()).toBe(900);
  });

  it('counts the bytes read when every record handed on is through, or the input was read to its end', async () => {
    const input = fakeInput(1000);
    const tracker = new InputTracker(input);
    async function* source() {
      input.read = 600;
      yield ['a', 'b'];
      input.read = 1000; // blank lines only: read, nothing handed on
    }
    const batches = tracker.track(source());
    await batches.next();
    tracker.advance(1);
    expect(tracker.position()).toBe(300);
    expect(tracker.position(true)).toBe(600);
    expect((await batches.next()).done).toBe(true);
    expect(tracker.position()).toBe(1000);
  });
});

describe('a source says where reading is', () => {
  it('a file: its size, and the bytes handed on, up to the size once read; each batch counted as it goes by', async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, 'customers.ndjson');
      const text = `\ufeff${ndjson(Array.from({ length: 2000 }, (_, i) => customer(i)))}`;
      writeFileSync(path, text);
      const source = await openSource({ input: path });
      const size = Buffer.byteLength(text);
      expect(source.size).toBe(size);
      expect(source.bytesRead()).toBe(0);
      const tracker = new InputTracker(source);
      const lengths: number[] = [];
      const positions: number[] = [];
      for await (const batch of tracker.track(source.batches)) {
        lengths.push(batch.length);
        positions.push(tracker.position());
        expect(source.bytesRead()).toBeLessThanOrEqual(size);
      }
      // Read a chunk at a time: several batches, each placed after the one before.
      expect(lengths.length).toBeGreaterThan(1);
      expect(lengths.reduce((a, b) => a + b, 0)).toBe(2000);
      expect(positions[0]).toBe(0);
      expect(positions[1]).toBeGreaterThan(0);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(positions.at(-1)).toBeLessThan(size);
      expect(source.bytesRead()).toBe(size);
      expect(tracker.position()).toBe(size);
      await source.close();
    } finally {
      tmp.remove();
    }
  });

  it('standard input: no size, the bytes handed on', async () => {
    const text = ndjson([customer(1), customer(2)]);
    const source = await openSource({ input: '-', stdin: Readable.from([Buffer.from(text)]) });
    expect(source.size).toBeUndefined();
    for await (const batch of source.batches) expect(batch).toHaveLength(2);
    expect(source.bytesRead()).toBe(Buffer.byteLength(text));
  });
});

/** A terminal that keeps what is written, one entry per write. */
function fakeTerminal(columns = 200) {
  const writes: string[] = [];
  return { writes, columns, write: (text: string) => writes.push(text) };
}

describe('the progress bar on a terminal', () => {
  let now: number;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 1_000_000;
  });
  afterEach(() => vi.useRealTimers());

  const progress = (done: number): Progress => ({ read: done, invalid: 0, done, sent: done, failed: 0, perProvider: { yativo: { sent: done, failed: 0 } } });

  it('draws the line in place, at most every interval and only when it changed', () => {
    const terminal = fakeTerminal();
    const bar = new ProgressBar(terminal, fakeInput(), { now: () => now });
    bar.start();
    expect(terminal.writes).toEqual([`${ERASE}input 0 B  read 0  sent 0  failed 0  invalid 0  0.0 records/s  0:00 elapsed`]);
    vi.advanceTimersByTime(500);
    expect(terminal.writes).toHaveLength(1);
    bar.update(progress(20));
    now += 2_000;
    vi.advanceTimersByTime(100);
    expect(terminal.writes).toHaveLength(2);
    expect(terminal.writes[1]).toBe(`${ERASE}input 0 B  read 20  sent 20  failed 0  invalid 0  10 records/s  0:02 elapsed  | yativo 20`);
    bar.finish();
  });

  it('writes a log line above the line, in one write: erase the line, the log line, the line again', () => {
    const terminal = fakeTerminal();
    const bar = new ProgressBar(terminal, fakeInput(), { now: () => now });
    bar.start();
    bar.update(progress(3));
    bar.log('[12:00:00] WARN: provider paused by a 429 provider=fatora waitMs=1000\n');
    expect(terminal.writes[1]).toBe(
      `${ERASE}[12:00:00] WARN: provider paused by a 429 provider=fatora waitMs=1000\n` +
        'input 0 B  read 3  sent 3  failed 0  invalid 0  0.0 records/s  0:00 elapsed  | yativo 3',
    );
    // The line drawn with the log line is the one on the screen: no redraw of the same text.
    vi.advanceTimersByTime(300);
    expect(terminal.writes).toHaveLength(2);
    bar.log('no newline');
    expect(terminal.writes[2]?.startsWith(`${ERASE}no newline\n`)).toBe(true);
    bar.finish();
  });

  it('leaves the final line on the screen when it finishes, then writes log lines as they are', () => {
    const terminal = fakeTerminal();
    const input = fakeInput(1000);
    const bar = new ProgressBar(terminal, input, { now: () => now });
    bar.start();
    input.read = 1000;
    bar.update(progress(10));
    now += 1_000;
    bar.finish();
    expect(terminal.writes.at(-1)).toBe(
      `${ERASE}[████████████████████] 100%  1.0/1.0 kB  read 10  sent 10  failed 0  invalid 0  10 records/s  0:01 elapsed  done  | yativo 10\n`,
    );
    const count = terminal.writes.length;
    vi.advanceTimersByTime(1_000);
    expect(terminal.writes).toHaveLength(count);
    bar.log('after');
    bar.finish();
    expect(terminal.writes.slice(count)).toEqual(['after\n']);
  });

  it('erases the line for a run that ends in an error', () => {
    const terminal = fakeTerminal();
    const bar = new ProgressBar(terminal, fakeInput(), { now: () => now });
    bar.start();
    bar.erase();
    bar.finish();
    expect(terminal.writes.slice(1)).toEqual([ERASE]);
  });

  it('draws nothing unless started: log lines go straight to the terminal', () => {
    const terminal = fakeTerminal();
    const bar = new ProgressBar(terminal, fakeInput(), { now: () => now });
    bar.update(progress(5));
    bar.log('a line');
    vi.advanceTimersByTime(1_000);
    bar.finish();
    expect(terminal.writes).toEqual(['a line\n']);
  });

  it('fits the width of the terminal, and takes 80 columns when the terminal says 0', () => {
    const narrow = fakeTerminal(40);
    new ProgressBar(narrow, fakeInput(), { now: () => now }).start();
    expect(columnsOf(narrow.writes[0]!.slice(ERASE.length))).toBeLessThanOrEqual(39);
    const unsized = fakeTerminal(0);
    const bar = new ProgressBar(unsized, fakeInput(), { now: () => now });
    bar.start();
    expect(unsized.writes[0]).toBe(`${ERASE}input 0 B  read 0  sent 0  failed 0  invalid 0  0.0 records/s  0:00 elapsed`);
    vi.clearAllTimers();
  });
});
