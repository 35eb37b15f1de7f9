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

/**
 * Table slots a key: the table is kept at most this full, so a lookup of a held key reads about 1.5 slots on
 * average (linear probing) and a miss about 2.5, mostly in the cache line the first slot is in.
 */
const MAX_LOAD = 0.6;

/** What `#slotOf` answers for the all-zero key when it is held (it has no slot). */
const ZERO_KEY = -2;
const NOT_HELD = -1;

/** 2^32: a key's first word is a uniform 32-bit number, scaled to a slot number by `slots / 2^32`. */
const WORD_RANGE = 2 ** 32;

/**
 * The keys of the lines confirmed by the last runs, loaded once per run: `has` answers from memory, no query per
 * line or batch. A line confirmed during the run does not enter it (its customer was forgotten before its push,
 * and `delete` took the old key out), so only lines confirmed before the run are skipped.
 *
 * Layout: an open-addressed hash table with linear probing, four 32-bit words a slot, the key itself in the slot.
 * The keys are uniform bits, so the key's first word scaled to the table's size is its home slot: no hashing, and a
 * lookup reads its home slot and, when that holds another key, the next one or two, nearly always in the same or the
 * next cache line. (A radix directory over a flat array of keys, before, read the directory then the keys: two
 * cache misses a line, 23 % of a no-change night at a million lines.) An empty slot is four zero words; the one key
 * that is all zeros is counted apart. Memory: 16 bytes a slot at most 60 % full, about 27 MB for a million keys.
 */
export class RawLineIndex {
  /** Four little-endian 32-bit words a slot; all four zero: empty. */
  readonly #words: Uint32Array;
  /** `slots / 2^32`: a first word times this, truncated, is a slot number below `slots`. */
  readonly #scale: number;
  /** Copies held of the all-zero key, which an empty slot cannot tell from nothing. */
  #zeros = 0;
  #size: number;

  /** From every key end to end (`RAW_KEY_BYTES` each), in any order and in any number of pieces. */
  constructor(pieces: readonly Uint8Array[]) {
    let count = 0;
    for (const piece of pieces) {
      if (piece.length % RAW_KEY_BYTES !== 0) throw new Error(`raw-line keys: a piece of ${piece.length} bytes is not whole keys`);
      count += piece.length / RAW_KEY_BYTES;
    }
    // At least one slot stays empty, so every probe ends.
    const slots = Math.max(count + 1, Math.ceil(count / MAX_LOAD));
    const words = new Uint32Array(slots * 4);
    const scale = slots / WORD_RANGE;
    const end = words.length;
    for (const piece of pieces) {
      const view = new DataView(piece.buffer, piece.byteOffset, piece.byteLength);
      for (let at = 0; at < piece.length; at += RAW_KEY_BYTES) {
        const w0 = view.getUint32(at, true);
        const w1 = view.getUint32(at + 4, true);
        const w2 = view.getUint32(at + 8, true);
        const w3 = view.getUint32(at + 12, true);
        if ((w0 | w1 | w2 | w3) === 0) {
          this.#zeros += 1;
          continue;
        }
        let slot = ((w0 * scale) >>> 0) * 4;
        while ((words[slot]! | words[slot + 1]! | words[slot + 2]! | words[slot + 3]!) !== 0) {
          slot += 4;
          if (slot === end) slot = 0;
        }
        words[slot] = w0;
        words[slot + 1] = w1;
        words[slot + 2] = w2;
        words[slot + 3] = w3;
      }
    }
    this.#words = words;
    this.#scale = scale;
    this.#size = count;
  }

  /** Keys held: those loaded, less those deleted. */
  get size(): number {
    return this.#size;
  }

  has(key: RawLineKey): boolean {
    return this.#slotOf(key) !== NOT_HELD;
  }

  /** Takes the key out (every copy of it); true when it was there. */
  delete(key: RawLineKey): boolean {
    let found = false;
    for (let slot = this.#slotOf(key); slot !== NOT_HELD; slot = this.#slotOf(key)) {
      if (slot === ZERO_KEY) {
        this.#size -= this.#zeros;
        this.#zeros = 0;
        return true;
      }
      this.#empty(slot);
      this.#size -= 1;
      found = true;
    }
    return found;
  }

  /** The first word of the slot holding the key, `ZERO_KEY` for the all-zero key when held, else `NOT_HELD`. */
  #slotOf(key: RawLineKey): number {
    if (key.length !== RAW_KEY_BYTES) throw new Error(`a raw-line key is ${RAW_KEY_BYTES} bytes, not ${key.length}`);
    const words = this.#words;
    const end = words.length;
    const w0 = charWord(key, 0);
    let slot = ((w0 * this.#scale) >>> 0) * 4;
    for (;;) {
      const first = words[slot]!;
      if (first === w0) {
        if (words[slot + 1] === charWord(key, 4) && words[slot + 2] === charWord(key, 8) && words[slot + 3] === charWord(key, 12)) {
          // Only the all-zero key matches an empty slot.
          if (w0 !== 0 || (words[slot + 1]! | words[slot + 2]! | words[slot + 3]!) !== 0) return slot;
          return this.#zeros > 0 ? ZERO_KEY : NOT_HELD;
        }
        if (w0 === 0 && (words[slot + 1]! | words[slot + 2]! | words[slot + 3]!) === 0) return NOT_HELD;
      } else if (first === 0 && (words[slot + 1]! | words[slot + 2]! | words[slot + 3]!) === 0) {
        return NOT_HELD;
      }
      slot += 4;
      if (slot === end) slot = 0;
    }
  }

  /**
   * Empties a slot without breaking any probe (Knuth's algorithm R for linear probing): each key after it up to the
   * next empty slot whose home is not between the hole and itself moves back into the hole, which moves on to it.
   */
  #empty(slot: number): void {
    const words = this.#words;
    const end = words.length;
    let hole = slot;
    for (let next = hole + 4 === end ? 0 : hole + 4; ; next = next + 4 === end ? 0 : next + 4) {
      if ((words[next]! | words[next + 1]! | words[next + 2]! | words[next + 3]!) === 0) break;
      const home = ((words[next]! * this.#scale) >>> 0) * 4;
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      words.copyWithin(hole, next, next + 4);
      hole = next;
    }
    words.fill(0, hole, hole + 4);
  }
}

function charWord(key: string, at: number): number {
  return (key.charCodeAt(at) | (key.charCodeAt(at + 1) << 8) | (key.charCodeAt(at + 2) << 16) | (key.charCodeAt(at + 3) << 24)) >>> 0;
}
