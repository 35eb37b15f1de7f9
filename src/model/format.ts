import type { Address } from './types.js';

/** Joins the present, non-empty parts with `separator`; `undefined` when none is present. */
export function joinPresent(parts: ReadonlyArray<string | undefined>, separator: string): string | undefined {
  const present = parts.filter((part): part is string => part !== undefined && part !== '');
  return present.length === 0 ? undefined : present.join(separator);
}

/** `street number`, as one-line addresses want it. */
export function streetLine(address: Address): string | undefined {
  return joinPresent([address.street, address.number], ' ');
}

/** Drops keys whose value is `undefined`: a field the record lacks is omitted, never sent as null or "". */
export function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) out[key] = value;
  }
  return out as Partial<T>;
}
