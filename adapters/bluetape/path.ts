/**
 * Whether `id` cannot be a path segment. Empty, it would address the collection. `.` and `..` are resolved away
 * by URL parsers (the WHATWG URL that axios uses), even percent-encoded as `%2E`, so
 * `PUT /integration/customer/..` would reach `PUT /integration/`.
 * No encoding makes these ids safe: they are refused instead.
 */
export function unusableAsSegment(id: string): boolean {
  return id === '' || id === '.' || id === '..';
}

/** `id` as one path segment: `/`, `?`, `#` and `%` are percent-encoded so they stay inside it. */
export function pathSegment(id: string): string {
  // Unreachable through the definition (its bodies refuse such ids); kept so no request can ever escape its path.
  if (unusableAsSegment(id)) throw new RangeError(`"${id}" cannot be used as a URL path segment`);
  return encodeURIComponent(id);
}
