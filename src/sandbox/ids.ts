import { randomBytes, randomUUID } from 'node:crypto';

const MULBERRY_STEP = 0x6d2b79f5;

/** Mulberry32's output function: the draw, uniform in [0, 1), of a state. */
function mulberryDraw(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Mulberry32: a tiny seeded PRNG, uniform in [0, 1). Good enough for fault draws and ids, not for secrets. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + MULBERRY_STEP) >>> 0;
    return mulberryDraw(state);
  };
}

/** A seed for when none is given, so random draws still come from one reproducible-in-principle stream. */
export function randomSeed(): number {
  return randomBytes(4).readUInt32LE(0);
}

/** Where generated ids and tokens come from: random by default, repeatable with a seed. */
export interface IdSource {
  /** An RFC 4122 version 4 UUID. */
  uuid(): string;
  /** `length` lower-case hex digits. */
  hex(length: number): string;
  /** Where a seeded stream stands, so that a restart goes on from there; `undefined` when random. */
  state(): number | undefined;
  /** Goes on from a `state()`; a random source ignores it. */
  restore(state: number): void;
}

export function createIdSource(seed?: number): IdSource {
  if (seed === undefined) {
    return {
      uuid: () => randomUUID(),
      hex: (length) =>
        randomBytes(Math.ceil(length / 2))
          .toString('hex')
          .slice(0, length),
      state: () => undefined,
      restore: () => undefined,
    };
  }
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + MULBERRY_STEP) >>> 0;
    return mulberryDraw(state);
  };
  const hex = (length: number): string => {
    let out = '';
    while (out.length < length)
      out += Math.floor(next() * 0x10000)
        .toString(16)
        .padStart(4, '0');
    return out.slice(0, length);
  };
  return {
    hex,
    uuid() {
      const h = hex(32);
      const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    state: () => state,
    restore(at) {
      state = at >>> 0;
    },
  };
}
