import { hash } from 'node:crypto';

/** Slots to start with; the table doubles whenever it would be more than half full. */
const INITIAL_SLOTS = 1024;

/**
 * The customers a run has met, to tell one met twice: 63 bits of the sha256 of each id, in an open-addressing table
 * of typed arrays (8 bytes a slot, at most half full: 16–32 MB for a million customers). A `Set` of the ids took
 * ~220 MB more peak RSS on a first full sync of a million lines here, most of a 300 MB budget. Two ids sharing 63
 * bits (about 5e-8 for a million) make the second look met twice: its line is not remembered, so it is parsed
 * again next night; nothing is skipped wrongly.
 */
export class SeenCustomers {
  /** Two 32-bit words a slot; 0, 0 is an empty slot (the low bit of the second word is always set). */
  #words = new Uint32Array(INITIAL_SLOTS * 2);
  #count = 0;

  /** How many different customers were met. */
  get size(): number {
    return this.#count;
  }

  /** Notes the customer as met; true when it had been met before. */
  add(customerId: string): boolean {
    const digest = hash('sha256', customerId, 'binary');
    const first = word(digest, 0);
    const second = (word(digest, 4) | 1) >>> 0;
    if (this.#place(this.#words, first, second)) return true;
    this.#count += 1;
    if (this.#count * 2 > this.#words.length / 2) this.#grow();
    return false;
  }

  /** Puts the pair in its slot, or finds it there: true when it was there already. */
  #place(words: Uint32Array, first: number, second: number): boolean {
    const mask = words.length / 2 - 1;
    for (let slot = first & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 2;
      if (words[at + 1] === 0) {
        words[at] = first;
        words[at + 1] = second;
        return false;
      }
      if (words[at] === first && words[at + 1] === second) return true;
    }
  }

  #grow(): void {
    const old = this.#words;
    const words = new Uint32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 2) if (old[at + 1] !== 0) this.#place(words, old[at]!, old[at + 1]!);
    this.#words = words;
  }
}

function word(text: string, at: number): number {
  return (text.charCodeAt(at) | (text.charCodeAt(at + 1) << 8) | (text.charCodeAt(at + 2) << 16) | (text.charCodeAt(at + 3) << 24)) >>> 0;
}
