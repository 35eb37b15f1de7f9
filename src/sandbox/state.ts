// Checks of a provider's saved state (the `dataFile`): each emulation reads its own part with these, so a file
// edited by hand or cut short fails at start, naming the field, rather than as a 500 in the middle of a run.
import { isPlainObject } from './validate.js';

/** What one emulation keeps across a restart, as plain JSON. */
export type SavedState = Record<string, unknown>;

/** A saved state that cannot be taken over; the message names the field, relative to the provider's part. */
export class StateError extends Error {
  override name = 'StateError';
}

/** `string`; `string|null`; `string?` (absent or a string); `id` (a positive safe integer). */
export type FieldKind = 'string' | 'string|null' | 'string?' | 'id';

function fits(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'string|null':
      return value === null || typeof value === 'string';
    case 'string?':
      return value === undefined || typeof value === 'string';
    case 'id':
      return Number.isSafeInteger(value) && (value as number) > 0;
  }
}

const KIND_NAMES: Record<FieldKind, string> = {
  string: 'a string',
  'string|null': 'a string or null',
  'string?': 'a string when present',
  id: 'a positive integer',
};

/** Throws unless every field of `spec` has its kind in `record`; other fields are let through. */
export function checkFields(record: Record<string, unknown>, where: string, spec: Record<string, FieldKind>): void {
  for (const [field, kind] of Object.entries(spec)) {
    if (!fits(record[field], kind)) throw new StateError(`${where}.${field} must be ${KIND_NAMES[kind]}`);
  }
}

/** The objects of the array at `state[key]`; an absent key is an empty list. */
export function savedRecords(state: SavedState, key: string): Array<Record<string, unknown>> {
  const list = state[key];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new StateError(`${key} must be an array`);
  return list.map((item: unknown, i) => {
    if (!isPlainObject(item)) throw new StateError(`${key}[${i}] must be an object`);
    return item;
  });
}

/** The saved customers, each checked against `spec`, with `idField` unique. */
export function savedCustomers<T>(
  state: SavedState,
  idField: string,
  spec: Record<string, FieldKind>,
): T[] {
  const seen = new Set<unknown>();
  return savedRecords(state, 'customers').map((record, i) => {
    const where = `customers[${i}]`;
    checkFields(record, where, spec);
    const id = record[idField];
    if (seen.has(id)) throw new StateError(`${where}.${idField} ${JSON.stringify(id)} appears twice`);
    seen.add(id);
    return record as T;
  });
}

/** A positive integer at `state[key]`, else `undefined` when absent. */
export function savedCounter(state: SavedState, key: string): number | undefined {
  const value = state[key];
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new StateError(`${key} must be a non-negative integer`);
  return value as number;
}

/** A fresh id from `draw` that `taken` does not hold yet: loaded ids are never handed out again. */
export function freshId(draw: () => string, taken: (id: string) => boolean): string {
  let id = draw();
  while (taken(id)) id = draw();
  return id;
}
