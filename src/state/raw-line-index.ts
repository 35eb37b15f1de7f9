/**
 * A raw line's key: the first `RAW_KEY_BYTES` bytes of its sha256 digest (see `rawLineHasher`), the digest schema 3
 * stored whole as base64url text, so a state migrated from it keeps every confirmation.
 *
 * 128 bits bound the chance of skipping a line that was never confirmed: a line read is wrongly skipped only if its
 * key equals one of the N stored keys of other lines, so a night of M lines wrongly skips one with probability at
 * most N·M / 2^128, about 3e-27 for a million lines against a million keys (the issue asks for below 1e-12 a night).
 */
export const RAW_KEY_BYTES = 16;

/**
 * In memory, a key is a string of `RAW_KEY_BYTES` one-byte characters (latin1, a byte per character), not a
 * Buffer: Node gives every Buffer an ArrayBuffer of its own, and a digest returned as a Buffer hashed about half as
 * many lines a second as one returned as a string here.
 */
export type RawLineKey = string;

/** The bytes of a key, as the state stores them. */
export function rawKeyBytes(key: RawLineKey): Buffer {
  return Buffer.from(key, 'latin1');
}

/** The key of stored bytes. */
export function rawKeyOf(bytes: Uint8Array): RawLineKey {
  return Buffer.from(bytes.buffer, bytes.byteOffset, RAW_KEY_BYTES).toString('latin1');
}

/** Most key bits a bucket number takes: 2^26 buckets hold 64 M keys at one a bucket. */
const MAX_BUCKET_BITS = 26;

/**
 * The keys of the lines confirmed by the last runs, loaded once per run: `has` answers from memory, no query per
 * line or batch. A line confirmed during the run does not enter it (its customer was forgotten before its push,
 * and `delete` took the old key out), so only lines confirmed before the run are skipped.
 *
 * Layout: a radix directory over a flat array of keys. The keys are uniform bits, so the top `bits` bits of a key's
 * first word name its bucket, with `bits` = ⌊log2 n⌋ (one or two keys a bucket); `starts[b]` … `starts[b + 1]` are
 * bucket b's keys. A lookup reads the directory and one or two adjacent keys, where a binary search over a sorted
 * array reads twenty scattered ones; it is built in two passes, counting then placing, with no sort. Memory: 16
 * bytes a key plus 2 to 4 for the directory (about 20 MB for a million keys).
 */
export class RawLineIndex {
  readonly #shift: number;
  /** Bucket b's keys are words `4 * starts[b]` up to `4 * starts[b + 1]`. */
  readonly #starts: Uint32Array;
  /** Four little-endian 32-bit words a key, grouped by bucket. */
  readonly #words: Uint32Array;
  #size: number;

  /** From every key end to end (`RAW_KEY_BYTES` each), in any order and in any number of pieces. */
  constructor(pieces: readonly Uint8Array[]) {
    let count = 0;
    for (const piece of pieces) {
      if (piece.length % RAW_KEY_BYTES !== 0) throw new Error(`raw-line keys: a piece of ${piece.length} bytes is not whole keys`);
      count += piece.length / RAW_KEY_BYTES;
    }
    const bits = Math.min(MAX_BUCKET_BITS, Math.max(1, Math.floor(Math.log2(Math.max(count, 1)))));
    const shift = 32 - bits;
    const starts = new Uint32Array((1 << bits) + 1);
    for (const piece of pieces) {
      for (let at = 0; at < piece.length; at += RAW_KEY_BYTES) starts[(word(piece, at) >>> shift) + 1]! += 1;
    }
    for (let b = 1; b < starts.length; b++) starts[b]! += starts[b - 1]!;
    const next = starts.slice(0, -1);
    const words = new Uint32Array(count * 4);
    for (const piece of pieces) {
      for (let at = 0; at < piece.length; at += RAW_KEY_BYTES) {
        const first = word(piece, at);
        const slot = next[first >>> shift]!++ * 4;
        words[slot] = first;
        words[slot + 1] = word(piece, at + 4);
        words[slot + 2] = word(piece, at + 8);
        words[slot + 3] = word(piece, at + 12);
      }
    }
    this.#shift = shift;
    this.#starts = starts;
    this.#words = words;
    this.#size = count;
  }

  /** Keys held: those loaded, less those deleted. */
  get size(): number {
    return this.#size;
  }

  has(key: RawLineKey): boolean {
    return this.#find(key, false);
  }

  /** Takes the key out (every copy of it); true when it was there. */
  delete(key: RawLineKey): boolean {
    return this.#find(key, true);
  }

  #find(key: RawLineKey, remove: boolean): boolean {
    if (key.length !== RAW_KEY_BYTES) throw new Error(`a raw-line key is ${RAW_KEY_BYTES} bytes, not ${key.length}`);
    const first = charWord(key, 0);
    const bucket = first >>> this.#shift;
    const words = this.#words;
    const end = this.#starts[bucket + 1]! * 4;
    let found = false;
    for (let slot = this.#starts[bucket]! * 4; slot < end; slot += 4) {
      if (words[slot] !== first || words[slot + 1] !== charWord(key, 4)) continue;
      if (words[slot + 2] !== charWord(key, 8) || words[slot + 3] !== charWord(key, 12)) continue;
      if (!remove) return true;
      // Flipping the top bit files the first word under another bucket's prefix: no key looked up in this bucket
      // can equal it any more, and the other keys keep their places.
      words[slot] = (first ^ 0x8000_0000) >>> 0;
      this.#size -= 1;
      found = true;
    }
    return found;
  }
}

function word(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function charWord(key: string, at: number): number {
  return (key.charCodeAt(at) | (key.charCodeAt(at + 1) << 8) | (key.charCodeAt(at + 2) << 16) | (key.charCodeAt(at + 3) << 24)) >>> 0;
}
