import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RawLineIndex, rawKeyBytes, rawKeyOf, RAW_KEY_BYTES } from '../../src/state/raw-line-index.js';

/** A key like the hasher's: 16 uniform bytes. */
function key(text: string): Buffer {
  return createHash('sha256').update(text).digest().subarray(0, RAW_KEY_BYTES);
}

const k = (text: string): string => rawKeyOf(key(text));

/** The bytes of a key with one bit flipped. */
function flipped(bytes: Uint8Array, byte: number, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[byte]! ^= 1 << bit;
  return copy;
}

describe('RawLineIndex', () => {
  it('finds every key it was built from and no other, whatever the number of keys', () => {
    for (const n of [1, 2, 3, 7, 1_000, 4_097]) {
      const texts = Array.from({ length: n }, (_, i) => `line ${n} ${i}`);
      const index = new RawLineIndex([Buffer.concat(texts.map(key))]);
      expect(index.size).toBe(n);
      expect(texts.filter((text) => !index.has(k(text)))).toEqual([]);
      expect(texts.filter((text) => index.has(k(`${text} changed`)))).toEqual([]);
    }
  });

  it('holds nothing when built from no key, or from empty pieces', () => {
    for (const pieces of [[], [Buffer.alloc(0)], [Buffer.alloc(0), Buffer.alloc(0)]]) {
      const index = new RawLineIndex(pieces);
      expect(index.size).toBe(0);
      expect(index.has(k('anything'))).toBe(false);
      expect(index.has('\u0000'.repeat(16))).toBe(false);
      expect(index.delete(k('anything'))).toBe(false);
    }
  });

  it('tells apart keys that differ only in one bit, the last ones included', () => {
    const base = key('base');
    const index = new RawLineIndex([base]);
    expect(index.has(rawKeyOf(base))).toBe(true);
    for (const byte of [0, 3, 4, 7, 8, 11, 12, 15]) {
      for (const bit of [0, 7]) expect(index.has(rawKeyOf(flipped(base, byte, bit))), `byte ${byte} bit ${bit}`).toBe(false);
    }
    // The same, among neighbours: keys sharing all but the last bit, all held, then one taken out.
    const twin = flipped(base, 15, 0);
    const pair = new RawLineIndex([Buffer.concat([base, twin, key('other')])]);
    expect([pair.has(rawKeyOf(base)), pair.has(rawKeyOf(twin))]).toEqual([true, true]);
    expect(pair.delete(rawKeyOf(twin))).toBe(true);
    expect([pair.has(rawKeyOf(base)), pair.has(rawKeyOf(twin)), pair.has(k('other'))]).toEqual([true, false, true]);
  });

  it('takes keys in pieces, in any order', () => {
    const texts = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    const index = new RawLineIndex([Buffer.concat(texts.slice(30).map(key)), Buffer.alloc(0), Buffer.concat(texts.slice(0, 30).map(key))]);
    expect(index.size).toBe(50);
    expect(texts.every((text) => index.has(k(text)))).toBe(true);
  });

  it('deletes a key: it is no longer found, the others still are, and deleting it again finds nothing', () => {
    const texts = Array.from({ length: 300 }, (_, i) => `line ${i}`);
    const index = new RawLineIndex([Buffer.concat(texts.map(key))]);
    expect(index.delete(k('line 42'))).toBe(true);
    expect(index.has(k('line 42'))).toBe(false);
    expect(index.size).toBe(299);
    expect(texts.filter((text) => text !== 'line 42' && !index.has(k(text)))).toEqual([]);
    expect(index.delete(k('line 42'))).toBe(false);
    expect(index.delete(k('never held'))).toBe(false);
    expect(index.size).toBe(299);
  });

  it('deletes every copy of a key held twice', () => {
    const index = new RawLineIndex([Buffer.concat([key('a'), key('b'), key('a')])]);
    expect(index.size).toBe(3);
    expect(index.delete(k('a'))).toBe(true);
    expect(index.has(k('a'))).toBe(false);
    expect(index.has(k('b'))).toBe(true);
    expect(index.size).toBe(1);
  });

  it('holds the all-zero key and keys whose first word is zero, which an empty slot resembles', () => {
    const zero = Buffer.alloc(RAW_KEY_BYTES);
    const lowFirst = Buffer.concat([Buffer.alloc(4), key('rest').subarray(4)]);
    const onlyLast = Buffer.alloc(RAW_KEY_BYTES);
    onlyLast[15] = 1;
    const index = new RawLineIndex([Buffer.concat([key('a'), lowFirst, zero, key('b')])]);
    expect(index.size).toBe(4);
    expect([index.has(rawKeyOf(zero)), index.has(rawKeyOf(lowFirst)), index.has(rawKeyOf(onlyLast))]).toEqual([true, true, false]);
    expect(index.delete(rawKeyOf(zero))).toBe(true);
    expect([index.has(rawKeyOf(zero)), index.has(rawKeyOf(lowFirst)), index.has(k('a')), index.has(k('b'))]).toEqual([false, true, true, true]);
    expect(index.delete(rawKeyOf(zero))).toBe(false);
    expect(index.delete(rawKeyOf(lowFirst))).toBe(true);
    expect([index.has(rawKeyOf(lowFirst)), index.has(k('a')), index.has(k('b'))]).toEqual([false, true, true]);
    expect(index.size).toBe(2);
    // Without it, the all-zero key is not found in an empty slot.
    expect(new RawLineIndex([key('a')]).has(rawKeyOf(zero))).toBe(false);
  });

  it('keeps keys found when a key at the end of the table is deleted and those after it wrapped to its start', () => {
    const withFirstWord = (text: string, first: number): Buffer => {
      const bytes = key(text);
      bytes.writeUInt32LE(first, 0);
      return bytes;
    };
    // Five slots for three keys: the last slot is home to first words near 2^32, the first slot to small ones.
    const last = [withFirstWord('last 1', 0xffff_ffff), withFirstWord('last 2', 0xffff_fffe)];
    const start = [withFirstWord('start 1', 1), withFirstWord('start 2', 2)];
    for (const keys of [[last[0]!, start[0]!, start[1]!], [last[0]!, last[1]!, start[0]!]]) {
      const index = new RawLineIndex([Buffer.concat(keys)]);
      expect(index.delete(rawKeyOf(keys[0]!))).toBe(true);
      expect(keys.map((bytes) => index.has(rawKeyOf(bytes)))).toEqual([false, true, true]);
      expect(index.delete(rawKeyOf(keys[1]!))).toBe(true);
      expect(keys.map((bytes) => index.has(rawKeyOf(bytes)))).toEqual([false, false, true]);
    }
  });

  it('keeps every other key found while keys that crowd the same slots, across the end of the table, are deleted', () => {
    // Keys sharing a few first words land on a few home slots, so they queue up behind one another; first words
    // near 2^32 have their home in the last slots and queue on from the first. A Map of counts is the reference.
    const firstWords = [0xffff_ffff, 0xffff_fff0, 0x0000_0001, 0x8000_0000, 0x8000_0001];
    const keys = Array.from({ length: 400 }, (_, i) => {
      const bytes = key(`crowd ${i}`);
      bytes.writeUInt32LE(firstWords[i % firstWords.length]!, 0);
      return bytes;
    });
    const held = new Map<string, number>();
    for (const bytes of [...keys, ...keys.slice(0, 40)]) held.set(rawKeyOf(bytes), (held.get(rawKeyOf(bytes)) ?? 0) + 1);
    const index = new RawLineIndex([Buffer.concat(keys), Buffer.concat(keys.slice(0, 40))]);
    expect(index.size).toBe(440);
    // Deleted in an order unrelated to where they sit: every 7th key, then every 3rd of those left.
    const order = [...keys.filter((_, i) => i % 7 === 0), ...keys.filter((_, i) => i % 7 !== 0 && i % 3 === 0)];
    let size = 440;
    for (const [n, bytes] of order.entries()) {
      const copies = held.get(rawKeyOf(bytes)) ?? 0;
      expect(index.delete(rawKeyOf(bytes))).toBe(copies > 0);
      held.delete(rawKeyOf(bytes));
      size -= copies;
      if (n % 20 === 0 || n === order.length - 1) {
        expect(keys.filter((other) => index.has(rawKeyOf(other)) !== held.has(rawKeyOf(other)))).toEqual([]);
        expect(index.size).toBe(size);
      }
    }
    expect(keys.filter((other) => index.has(rawKeyOf(flipped(other, 15, 3))))).toEqual([]);
  });

  it('refuses pieces that are not whole keys, and keys of another length', () => {
    expect(() => new RawLineIndex([Buffer.alloc(17)])).toThrow('raw-line keys: a piece of 17 bytes is not whole keys');
    const index = new RawLineIndex([key('a')]);
    expect(() => index.has(k('a').slice(0, 15))).toThrow('a raw-line key is 16 bytes, not 15');
  });

  it('turns a key into the bytes the state stores and back', () => {
    const bytes = key('line');
    expect(rawKeyBytes(rawKeyOf(bytes))).toEqual(bytes);
    // From a view into a larger buffer (as a page of keys is), only its 16 bytes.
    const page = Buffer.concat([key('before'), bytes, key('after')]);
    expect(rawKeyOf(page.subarray(16, 32))).toBe(rawKeyOf(bytes));
  });
});
