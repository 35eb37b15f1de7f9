import { distance } from 'fastest-levenshtein';

/** Compared without case, `-`, `_` or spaces: `postal_code` and `PostalCode` both match `postalCode`. */
function simplify(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

const MAX_DISTANCE = 2;

/**
 * The known key or dot path a mistyped field or CSV column most likely meant: the nearest by a couple of edits
 * (`adress.city` → `address.city`), else one whose last segment is near the name's last segment
 * (`city` → `address.city`, `acme` → `providerIds.acme`) when only one is.
 */
export function closestPath(name: string, known: readonly string[]): string | undefined {
  if (name.length > 64) return undefined;
  const nearest = (target: string, key: (path: string) => string): string[] => {
    let best: string[] = [];
    let bestDistance = MAX_DISTANCE;
    for (const path of known) {
      const edits = distance(simplify(target), simplify(key(path)));
      if (edits > bestDistance) continue;
      if (edits < bestDistance) [best, bestDistance] = [[], edits];
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
