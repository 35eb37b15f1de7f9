/**
 * The samples of a Prometheus text exposition: each series (name and labels, as written) and its value. HELP and
 * TYPE lines and blank lines are left out; a series written twice fails, since no scrape may hold one.
 */
export function samples(body: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    const series = line.slice(0, at);
    if (series in found) throw new Error(`${series} appears twice`);
    found[series] = Number(line.slice(at + 1));
  }
  return found;
}

/** A series as `name{a="1",b="2"}`, its labels sorted by name (as the Pushgateway writes them); `name` alone without labels. */
export function seriesKey(name: string, labels: Record<string, string> = {}): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, value]) => `${label}="${value}"`);
  return pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
}

/** `samples`, each series written as `seriesKey` writes it, whatever order its labels came in. */
export function sortedSamples(body: string): Record<string, number> {
  const sorted: Record<string, number> = {};
  for (const [series, value] of Object.entries(samples(body))) {
    const match = /^([^{]+)(?:\{(.*)\})?$/.exec(series);
    const labels = Object.fromEntries([...(match?.[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    sorted[seriesKey(match?.[1] ?? series, labels)] = value;
  }
  return sorted;
}
