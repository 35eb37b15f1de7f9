import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { safeCause, SourceError } from './errors.js';
import { SOURCE_FORMATS, type SourceFormat } from './types.js';

const STDIN = '-';

const EXTENSIONS: Readonly<Record<string, SourceFormat>> = {
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.csv': 'csv',
  '.json': 'json',
};

/** The byte stream of one input. */
export interface Input {
  /** The input as given (`-` for standard input). */
  readonly input: string;
  /** How messages name it: `"customers.csv"` or `standard input`. */
  readonly label: string;
  /**
   * The bytes in order, a UTF-8 BOM at the start left out; call once. A chunk is read only when the previous one was
   * consumed, so a paused consumer pauses the file. Ends quietly after `close()`; a read error throws a SourceError.
   */
  chunks(): AsyncGenerator<Buffer, void, undefined>;
  /** True once `close()` was called. */
  isClosed(): boolean;
  /** Bytes handed to the parser so far (a BOM included): where reading is, for a progress display. */
  bytesRead(): number;
  /** The file's size in bytes when the input is a regular file; `undefined` for standard input or a pipe. */
  readonly size?: number | undefined;
  close(): Promise<void>;
}

/** A SourceError about this input's content, its message prefixed with the input's name. */
export function inputError(input: Pick<Input, 'input' | 'label'>, message: string): SourceError {
  return new SourceError(input.input, `${input.label}: ${message}`);
}

/** The format asked for, else the one the extension gives; standard input defaults to NDJSON. */
export function resolveFormat(input: string, format: string | undefined): SourceFormat {
  if (format !== undefined) {
    if ((SOURCE_FORMATS as readonly string[]).includes(format)) return format as SourceFormat;
    throw new SourceError(input, `unknown input format "${format}" (known: ${SOURCE_FORMATS.join(', ')})`);
  }
  if (input === STDIN) return 'ndjson';
  const byExtension = EXTENSIONS[extname(input).toLowerCase()];
  if (byExtension !== undefined) return byExtension;
  throw new SourceError(
    input,
    `cannot tell the format of "${input}" from its extension (known: ${Object.keys(EXTENSIONS).join(', ')}); ` +
      `name it with --format ${SOURCE_FORMATS.join('|')}`,
  );
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
  ELOOP: 'too many symbolic links',
};

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined && REASONS[code]) || code || 'read failed';
}

/** What a chunk handed on holds at most: what the parsers, their size caps and the progress display are made for. */
const HAND_ON_BYTES = 64 * 1024;

/**
 * Opens a file (checked now: a missing or unreadable file throws here) or standard input. A file is read `readBytes`
 * at a time (node's 64 KiB when not given) and handed on in chunks of at most 64 KiB, so fewer, larger reads change
 * nothing downstream; standard input comes as its stream gives it.
 */
export async function openInput(input: string, stdin?: NodeJS.ReadableStream, readBytes?: number): Promise<Input> {
  if (input === STDIN) {
    const stream = stdin ?? process.stdin;
    return fromStream(input, 'standard input', stream instanceof Readable ? stream : new Readable().wrap(stream));
  }
  const label = JSON.stringify(input);
  try {
    const handle = await open(input, 'r');
    const stat = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (stat.isDirectory()) {
      await handle.close();
      throw Object.assign(new Error(`EISDIR: ${input}`), { code: 'EISDIR' });
    }
    const stream = handle.createReadStream(readBytes === undefined ? {} : { highWaterMark: readBytes });
    return fromStream(input, label, stream, stat.isFile() ? stat.size : undefined, HAND_ON_BYTES);
  } catch (error) {
    throw new SourceError(input, `cannot read input file ${label}: ${reason(error)}`, safeCause(error));
  }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** `handOn`: the largest chunk handed on; a larger one read is handed on in pieces of that size. */
function fromStream(input: string, label: string, stream: Readable, size?: number, handOn = Number.POSITIVE_INFINITY): Input {
  let closed = false;
  let bytesRead = 0;
  // A read error surfaces through the iteration below; without a listener, one while nobody iterates would crash.
  stream.on('error', () => undefined);

  async function* raw(): AsyncGenerator<Buffer, void, undefined> {
    try {
      for await (const chunk of stream as AsyncIterable<unknown>) {
        if (closed) return;
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string | Uint8Array);
        for (let at = 0; at < bytes.length; at += handOn) {
          const piece = bytes.length <= handOn ? bytes : bytes.subarray(at, at + handOn);
          bytesRead += piece.length;
          yield piece;
          if (closed) return;
        }
      }
    } catch (error) {
      // Destroying the stream on close() ends a pending read with a premature-close error: not a read failure.
      if (closed) return;
      throw new SourceError(input, `cannot read ${label}: ${reason(error)}`, safeCause(error));
    }
  }

  /** Holds back the first bytes until they can be told apart from a BOM, which may come split over chunks. */
  async function* chunks(): AsyncGenerator<Buffer, void, undefined> {
    let head: Buffer | undefined = Buffer.alloc(0);
    for await (const chunk of raw()) {
      if (head === undefined) {
        yield chunk;
        continue;
      }
      head = Buffer.concat([head, chunk]);
      if (head.length < BOM.length && BOM.subarray(0, head.length).equals(head)) continue;
      const rest: Buffer = head.subarray(0, BOM.length).equals(BOM) ? head.subarray(BOM.length) : head;
      head = undefined;
      if (rest.length > 0) yield rest;
    }
    // An input shorter than a BOM: what was held back is data (not valid UTF-8, reported as such downstream).
    if (head !== undefined && head.length > 0) yield head;
  }

  return {
    input,
    label,
    chunks,
    isClosed: () => closed,
    bytesRead: () => bytesRead,
    size,
    async close() {
      closed = true;
      stream.destroy();
      // Settles once the stream is closed (for a file: its descriptor released); a premature close is expected.
      await finished(stream).catch(() => undefined);
    },
  };
}
