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
