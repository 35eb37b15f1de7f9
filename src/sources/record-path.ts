/**
 * Sets `value` at a column's dot path (`address.city` → `["address", "city"]`) in a record being built from a flat
 * row, making the objects on the way: how CSV and PostgreSQL columns become the nested record an NDJSON line holds.
 */
export function setAtPath(record: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = record;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (isObject(child)) {
      node = child;
    } else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
  node[path[path.length - 1] ?? ''] = value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
