import type { Progress } from '../job/run-sync.js';

/**
 * The sync job's progress on a terminal (DESIGN §6): one line at the bottom of stderr, redrawn in place, with log
 * lines written above it, never through it. Plain ANSI (carriage return, erase line): the log lines come through
 * `ProgressBar.log`, which erases the bar, writes them and draws the bar again.
 */

/** Where reading is: a source's `bytesRead()` and, for a file, its `size`. */
export interface InputPosition {
  bytesRead(): number;
  readonly size?: number | undefined;
}

/** What one progress line shows. */
export interface ProgressState {
  progress: Readonly<Progress>;
  elapsedMs: number;
  /** Where in the input the records done so far end, in bytes (`InputTracker.position`). */
  position: number;
  /** The input's size in bytes, when known (a file): the line then has a bar, a percent and an ETA. */
  size?: number | undefined;
  /** The run is over: the line shows the totals and `done` (`stopped` when it was stopped) instead of an ETA. */
  finished?: boolean | undefined;
  stopped?: boolean | undefined;
}

/** What the bar draws on: a terminal's stderr. */
export interface Terminal {
  write(text: string): unknown;
  columns?: number | undefined;
}

const BAR_WIDTH = 20;
/** Used when the stream does not say how wide it is. */
const DEFAULT_COLUMNS = 80;
/** Carriage return, then erase the whole line: the cursor stays at its start. */
const ERASE_LINE = '\r\x1b[2K';

const NO_PROGRESS: Readonly<Progress> = { read: 0, invalid: 0, done: 0, sent: 0, failed: 0, perProvider: {} };

/**
 * One status line, at most `columns - 1` characters wide (a line as wide as the terminal wraps on some terminals):
 *
 *     [████████░░░░░░░░░░░░] 41%  2.8/6.8 MB  read 1204  sent 4752  failed 2  invalid 1  85 records/s  0:14 elapsed  ETA 0:20  | acme 1190  other 1188/2✗
 *
 * `read` counts records read from the input, `invalid` those of them that were not valid; `sent` and `failed` count
 * pushes, one per record and provider (a record sent to four providers counts four); records/s is the average, since
 * the start, of records done (every provider answered, or unchanged). Without a known size (standard input) there is
 * no bar, percent or ETA, only the bytes done (`input 2.8 MB`). On a narrow terminal the least useful parts are left
 * out first (the providers, the bytes, the elapsed time, `invalid`; the bar is drawn half as wide, then left out;
 * then `sent`, `failed`), and a line still too long is cut.
 */
export function progressLine(state: ProgressState, columns: number = DEFAULT_COLUMNS): string {
  const { progress, elapsedMs, position, size, finished, stopped } = state;
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? progress.done / seconds : 0;
  const fraction = size !== undefined && size > 0 ? Math.min(1, position / size) : undefined;
  const providers = Object.entries(progress.perProvider)
    .map(([id, c]) => `${id} ${c?.sent ?? 0}${c && c.failed > 0 ? `/${c.failed}✗` : ''}`)
    .join('  ');
  const eta = finished ? (stopped ? 'stopped' : 'done') : etaText(state);

  // In the order shown; `keep` says which go last when the line is too long (the lowest first).
  const parts: Array<{ text: string | undefined; keep: number; glue?: string }> = [];
  const bar = fraction === undefined ? undefined : { text: drawBar(fraction, BAR_WIDTH), keep: KEEP_BAR };
  if (bar !== undefined && fraction !== undefined && size !== undefined) {
    parts.push(bar);
    parts.push({ text: `${Math.floor(fraction * 100)}%`, keep: 10, glue: ' ' });
    parts.push({ text: `${amount(position, unitOf(size))}/${formatBytes(size)}`, keep: 2 });
  } else {
    parts.push({ text: `input ${formatBytes(position)}`, keep: 2 });
  }
  parts.push(
    { text: `read ${progress.read}`, keep: 9 },
    { text: `sent ${progress.sent}`, keep: 6 },
    { text: `failed ${progress.failed}`, keep: 7 },
    { text: `invalid ${progress.invalid}`, keep: 4 },
    { text: `${formatRate(rate)} records/s`, keep: 8 },
    { text: `${formatDuration(elapsedMs)} elapsed`, keep: 3 },
    { text: eta, keep: 8 },
    { text: providers === '' ? undefined : `| ${providers}`, keep: 1 },
  );
  let shown = parts.filter((part) => part.text !== undefined);
  const join = (): string => shown.map((part, i) => (i === 0 ? '' : (part.glue ?? '  ')) + part.text).join('');
  const limit = Math.max(1, columns - 1);
  while (width(join()) > limit && shown.length > 1) {
    const least = Math.min(...shown.map((part) => part.keep));
    if (least === KEEP_BAR && bar !== undefined && fraction !== undefined && width(bar.text) > BAR_WIDTH / 2 + 2) {
      bar.text = drawBar(fraction, BAR_WIDTH / 2);
      continue;
    }
    shown = shown.filter((part) => part.keep !== least);
  }
  return cut(join(), limit);
}

/** How much the bar's drawing is worth keeping on a narrow terminal (see `progressLine`). */
const KEEP_BAR = 5;

function drawBar(fraction: number, cells: number): string {
  const filled = Math.floor(fraction * cells);
  return `[${'█'.repeat(filled)}${'░'.repeat(cells - filled)}]`;
}

/**
 * What is left: the bytes not done yet, at the pace bytes were done so far. Shown once a second has passed and some
 * of the input is done (before, a guess is noise); never without a known size.
 */
function etaText(state: ProgressState): string | undefined {
  const { elapsedMs, position, size } = state;
  if (size === undefined || size <= 0 || elapsedMs < 1000 || position <= 0) return undefined;
  return `ETA ${formatDuration((elapsedMs * (size - Math.min(size, position))) / position)}`;
}

/**
 * Where the records done so far end in the input, in bytes. A source reads its input a chunk (up to 64 KiB) at a
 * time, ahead of the records in flight: on a small file its bytes read alone would say half done before a record
 * is. So the batches are counted as the source hands them on, each with the bytes read by then, and the records
 * done (or invalid) are placed among them, in proportion within a batch. A batch the run asked past went through
 * whole, records passed over (`--customers`) included: the position is never behind it.
 */
export class InputTracker {
  readonly #input: InputPosition;
  /**
   * Records handed on and bytes read by then, after each batch, from the last one at or below the records through
   * (`#through()`): the marks behind it are dropped, so memory stays bounded.
   */
  readonly #marks: Array<{ records: number; bytes: number }> = [{ records: 0, bytes: 0 }];
  /** Records handed on. */
  #records = 0;
  /** Records in the batches the run asked past. */
  #passed = 0;
  /** Records done or invalid, as `advance` was last told. */
  #done = 0;

  constructor(input: InputPosition) {
    this.#input = input;
  }

  get size(): number | undefined {
    return this.#input.size;
  }

  /** The batches, unchanged, counted as they go by. */
  async *track<T>(batches: AsyncIterable<readonly T[]>): AsyncGenerator<readonly T[], void, undefined> {
    for await (const batch of batches) {
      this.#records += batch.length;
      this.#marks.push({ records: this.#records, bytes: this.#input.bytesRead() });
      yield batch;
      // The run asks for the next batch: every record of this one was taken, or passed over.
      this.#passed = this.#records;
      this.#prune();
    }
  }

  /** The records done or invalid so far (a count that only grows). */
  advance(records: number): void {
    this.#done = Math.max(this.#done, records);
    this.#prune();
  }

  /**
   * The bytes the records through take up; all the bytes read once every record handed on is through, or `complete`
   * (the input was read to its end: blank lines are no record).
   */
  position(complete = false): number {
    const through = this.#through();
    if (complete || (through >= this.#records && this.#records > 0)) return this.#input.bytesRead();
    const [from, to] = this.#marks;
    if (from === undefined || to === undefined || through <= from.records) return from?.bytes ?? 0;
    if (through >= to.records) return to.bytes;
    return from.bytes + ((to.bytes - from.bytes) * (through - from.records)) / (to.records - from.records);
  }

  #through(): number {
    return Math.max(this.#done, this.#passed);
  }

  #prune(): void {
    const through = this.#through();
    const marks = this.#marks;
    while (marks.length > 2 && marks[1]!.records <= through) marks.shift();
  }
}

/** `0:07`, `12:34`, `1:02:03`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** `812 B`, `64.0 kB`, `2.8 MB` (decimal units). */
export function formatBytes(bytes: number): string {
  const unit = unitOf(bytes);
  return `${amount(bytes, unit)} ${UNITS[unit]}`;
}

/** The unit a number of bytes is shown in: an index into UNITS. */
function unitOf(bytes: number): number {
  let unit = 0;
  for (let scaled = bytes; scaled >= 1000 && unit < UNITS.length - 1; scaled /= 1000) unit += 1;
  return unit;
}

function amount(bytes: number, unit: number): string {
  const value = bytes / 1000 ** unit;
  return unit === 0 ? String(Math.round(value)) : value.toFixed(1);
}

function formatRate(rate: number): string {
  return rate < 10 ? rate.toFixed(1) : String(Math.round(rate));
}

/** Columns a line takes: every character this module draws is one column wide (ids are ASCII). */
function width(text: string): number {
  return [...text].length;
}

function cut(text: string, limit: number): string {
  const chars = [...text];
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}

export interface ProgressBarOptions {
  /** How often the line may be redrawn. @default 100 */
  intervalMs?: number | undefined;
  /** @default Date.now */
  now?: (() => number) | undefined;
}

/**
 * Owns the bottom line of a terminal while a run goes: `start()` draws it and redraws it at most every
 * `intervalMs` (a timer that keeps no process alive), only when its text changed; `track` counts the source's batches
 * (see `InputTracker`) and `update` is `runSync`'s `onProgress`; `log` writes text above the line; `finish()` draws
 * the final line and leaves it on the screen, `erase()` takes it away. Before `start()` and after either, `log`
 * writes straight to the terminal.
 */
export class ProgressBar {
  readonly #terminal: Terminal;
  readonly #input: InputTracker;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #progress: Readonly<Progress> = NO_PROGRESS;
  #started: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The text on the screen, `undefined` when no line is drawn. */
  #shown: string | undefined;
  #finished = false;
  #complete = false;

  constructor(terminal: Terminal, input: InputPosition, options: ProgressBarOptions = {}) {
    this.#terminal = terminal;
    this.#input = new InputTracker(input);
    this.#intervalMs = options.intervalMs ?? 100;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    if (this.#started !== undefined || this.#finished) return;
    this.#started = this.#now();
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), this.#intervalMs);
    this.#timer.unref();
  }

  /** The source's batches, unchanged, counted to place the records done in the input. */
  track<T>(batches: AsyncIterable<readonly T[]>): AsyncGenerator<readonly T[], void, undefined> {
    return this.#input.track(batches);
  }

  /** The latest counts; drawn at the next tick. */
  readonly update = (progress: Readonly<Progress>): void => {
    this.#progress = progress;
    this.#input.advance(progress.done + progress.invalid);
  };

  /** Writes `text` (a newline added when it has none) above the line, which is drawn again below it. */
  log(text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`;
    if (this.#shown === undefined) {
      this.#terminal.write(line);
      return;
    }
    const next = this.#text();
    this.#terminal.write(`${ERASE_LINE}${line}${next}`);
    this.#shown = next;
  }

  /**
   * Stops the timer, draws the final line and moves below it; `complete` when the input was read to its end (not
   * stopped). Safe to call twice.
   */
  finish(complete = true): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#complete = complete;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#started === undefined) return;
    this.#terminal.write(`${ERASE_LINE}${this.#text()}\n`);
    this.#shown = undefined;
  }

  /** Stops the timer and erases the line, for a run that ends in an error said instead. Safe to call twice. */
  erase(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#shown !== undefined) this.#terminal.write(ERASE_LINE);
    this.#shown = undefined;
  }

  #text(): string {
    return progressLine(
      {
        progress: this.#progress,
        elapsedMs: this.#now() - (this.#started ?? this.#now()),
        position: this.#input.position(this.#complete),
        size: this.#input.size,
        finished: this.#finished,
        stopped: this.#finished && !this.#complete,
      },
      // A terminal of unknown size says 0 (a pseudo-terminal nobody sized).
      this.#terminal.columns || DEFAULT_COLUMNS,
    );
  }

  #draw(): void {
    const text = this.#text();
    if (text === this.#shown) return;
    this.#terminal.write(`${ERASE_LINE}${text}`);
    this.#shown = text;
  }
}
