import { JSONParser } from '@streamparser/json';
import { inputError, type Input } from './input.js';
import { describeBytes } from './limits.js';
import type { SourceRecord } from './types.js';

const SYNTAX = 'not valid JSON; the rest of the input was not read';
const TRUNCATED = 'the input ends before the JSON array is closed';
const AFTER_END = 'unexpected data after the end of the JSON array';

/** JSON's whitespace: space, tab, line feed, carriage return. */
function isWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function firstNonWhitespace(chunk: Buffer): number {
  for (let i = 0; i < chunk.length; i++) if (!isWhitespace(chunk[i])) return i;
  return -1;
}

/** What a top-level value is, from its first character: named in the error, never shown. */
function describeStart(byte: number | undefined): string {
  if (byte === 0x7b) return 'an object';
  if (byte === 0x22) return 'a string';
  if (byte === 0x74 || byte === 0x66) return 'a boolean';
  if (byte === 0x6e) return 'null';
  if (byte === 0x2d || (byte !== undefined && byte >= 0x30 && byte <= 0x39)) return 'a number';
  return 'not JSON';
}

/**
 * The elements of a top-level JSON array, one record each, streamed with @streamparser/json: `paths: ['$.*']` emits
 * each element once it is complete and `keepStack: false` lets it go from the parser's array, so memory holds one
 * element (plus one chunk of input), whatever the array's length.
 *
 * `line` is the element's 1-based index in the array, not a line of the file.
 *
 * An input that does not start with `[` throws a SourceError before any record. A syntax error (or an input cut
 * short, or data after the array) cannot be recovered from in one JSON document: the elements before it are
 * produced, then one error record (at the index of the element being read), and reading stops. An element larger
 * than `maxElementBytes` also stops reading, as its end cannot be found without reading it.
 */
export async function* jsonArrayRecords(input: Input, maxElementBytes: number): AsyncGenerator<SourceRecord> {
  const queue: SourceRecord[] = [];
  let elements = 0;
  let ended = false;
  let ending = false;
  let failure: string | undefined;

  const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
  parser.onValue = ({ value }) => {
    elements++;
    queue.push({ line: elements, value });
  };
  parser.onEnd = () => {
    ended = true;
  };
  // The parser's message quotes the offending character: it is not passed on.
  parser.onError = () => {
    failure ??= ended ? AFTER_END : ending ? TRUNCATED : SYNTAX;
  };

  let started = false;
  /** Bytes given to the parser since it last completed an element: roughly the size of the one it is reading. */
  let pending = 0;
  for await (const chunk of input.chunks()) {
    let data = chunk;
    if (!started) {
      const start = firstNonWhitespace(chunk);
      if (start === -1) continue;
      if (chunk[start] !== 0x5b) {
        throw inputError(input, `a JSON input must be an array of customers, not ${describeStart(chunk[start])}`);
      }
      started = true;
      data = chunk.subarray(start);
    }
    if (ended) {
      if (firstNonWhitespace(data) !== -1) failure ??= AFTER_END;
    } else {
      const before = elements;
      parser.write(data);
      pending = elements > before ? 0 : pending + data.length;
    }
    for (const record of queue.splice(0)) yield record;
    if (failure !== undefined) {
      yield { line: elements + 1, error: failure };
      return;
    }
    if (pending > maxElementBytes) {
      const error = `a JSON array element larger than ${describeBytes(maxElementBytes)}; reading stopped`;
      yield { line: elements + 1, error };
      return;
    }
  }
  if (!started) throw inputError(input, 'the JSON input is empty (expected an array of customers)');
  if (!ended) {
    ending = true;
    parser.end();
    for (const record of queue.splice(0)) yield record;
    yield { line: elements + 1, error: failure ?? TRUNCATED };
  }
}
