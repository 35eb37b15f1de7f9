/**
 * Whether `id` cannot be a path segment. Empty, it would address the collection. `.` and `..` are resolved away
 * by URL parsers (the WHATWG URL that axios uses), even percent-encoded as `%2E`, so `PUT /customers/..` would
 * reach `PUT /`. No encoding makes these ids safe: they are refused instead.
 */
export function unusableAsSegment(id: string): boolean {
  // An id with half a surrogate pair (from a provider's response, say) has no URL encoding at all.
  return id === '' || id === '.' || id === '..' || !isWellFormed(id);
}

function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** Thrown when an id cannot be one path segment; delivery reports it as `invalid` and sends nothing. */
export class PathSegmentError extends RangeError {
  override name = 'PathSegmentError';
}

/** `id` as one path segment: `/`, `?`, `#` and `%` are percent-encoded so they stay inside it. */
export function pathSegment(id: string): string {
  if (unusableAsSegment(id)) throw new PathSegmentError(`the id ${JSON.stringify(id)} cannot be used as a URL path segment`);
  return encodeURIComponent(id);
}
