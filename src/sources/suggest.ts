/** Compared without case, `-`, `_` or spaces: `postal_code` and `PostalCode` both match `postalCode`. */
function simplify(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

const MAX_DISTANCE = 2;

/**
 * The known dot path a mistyped column most likely meant: the nearest by a couple of edits (`adress.city` →
 * `address.city`), else one whose last segment is near the column's last segment (`city` → `address.city`,
 * `fatora` → `providerIds.fatora`) when only one is.
 */
export function closestPath(name: string, known: readonly string[]): string | undefined {
  if (name.length > 64) return undefined;
  const nearest = (target: string, key: (path: string) => string): string[] => {
    let best: string[] = [];
    let bestDistance = MAX_DISTANCE;
    for (const path of known) {
      const distance = editDistance(simplify(target), simplify(key(path)));
      if (distance > bestDistance) continue;
      if (distance < bestDistance) [best, bestDistance] = [[], distance];
      best.push(path);
    }
    return best;
  };
  const byPath = nearest(name, (path) => path);
  if (byPath.length > 0) return byPath[0];
  const byLeaf = nearest(lastSegment(name), lastSegment);
  return byLeaf.length === 1 ? byLeaf[0] : undefined;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
