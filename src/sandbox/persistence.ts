// The `dataFile` option: what the emulations keep, read at start and written back atomically (temp file + rename),
// on close(), on save(), and debounced after changes. Requests only set a flag; the writing happens off their path.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SavedState } from './state.js';
import { isPlainObject } from './validate.js';

/** A change is written at most this long after it was made (unless the process dies first). */
export const SAVE_DEBOUNCE_MS = 500;

const FORMAT_VERSION = 1;

/** The file as written: `providers` holds each emulation's `save()`, plus its id stream's state as `ids`. */
export interface SavedSandbox {
  version: typeof FORMAT_VERSION;
  savedAt: string;
  providers: Record<string, SavedState>;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The providers' parts of the data file at `path`, or `undefined` when there is no such file. Rejects, naming
 * the path, when it cannot be read or is not a sandbox data file; each part is checked by its emulation later.
 */
export async function readDataFile(path: string): Promise<Record<string, SavedState> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`sandbox data file ${path} cannot be read: ${messageOf(error)}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`sandbox data file ${path} is not valid JSON: ${messageOf(error)}`, { cause: error });
  }
  const bad = (why: string): Error => new Error(`sandbox data file ${path} is not a sandbox data file: ${why}`);
  if (!isPlainObject(parsed)) throw bad('the top level must be an object');
  if (parsed.version !== FORMAT_VERSION) throw bad(`version must be ${FORMAT_VERSION}`);
  const { providers } = parsed;
  if (!isPlainObject(providers)) throw bad('providers must be an object');
  const out: Record<string, SavedState> = {};
  for (const [id, part] of Object.entries(providers)) {
    if (!isPlainObject(part)) throw bad(`providers.${id} must be an object`);
    out[id] = part;
  }
  return out;
}

/** Writes `text` to `path` through a temporary file in the same directory, so a reader never sees half of it. */
async function writeAtomically(path: string, text: string, temp: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new Error(`sandbox data file ${path} cannot be written: ${messageOf(error)}`, { cause: error });
  }
}

let tempCounter = 0;

/** Saves one sandbox's state to its data file: on demand, on close, and debounced after `markDirty()`. */
export class DataFile {
  #dirty = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  /** Writes run one after another, each taking its snapshot when it starts. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly snapshot: () => SavedSandbox,
    private readonly debounceMs = SAVE_DEBOUNCE_MS,
  ) {}

  /**
   * Something changed: a save is due within `debounceMs`. Cheap enough for every request: a flag, and a timer
   * when none is pending. The timer is unref'd, so it never keeps the process alive.
   */
  markDirty(): void {
    this.#dirty = true;
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // A failed write leaves the state dirty: the next change, save() or close() writes again.
      if (this.#dirty) this.save().catch(() => undefined);
    }, this.debounceMs);
    this.#timer.unref();
  }

  /** Writes the state as it is once earlier writes are done. */
  save(): Promise<void> {
    this.#cancelTimer();
    const run = this.#queue.then(() => this.#write());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** No more debounced saves; one last write. */
  close(): Promise<void> {
    this.#closed = true;
    return this.save();
  }

  #cancelTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #write(): Promise<void> {
    this.#dirty = false;
    try {
      // The snapshot and its serialization are synchronous, so no request lands in the middle of them.
      const text = JSON.stringify(this.snapshot());
      tempCounter += 1;
      await writeAtomically(this.path, text, `${this.path}.${process.pid}-${tempCounter}.tmp`);
    } catch (error) {
      this.#dirty = true;
      throw error;
    }
  }
}
