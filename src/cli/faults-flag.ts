import { FAULT_KINDS, type FaultKind, type Faults } from '../sandbox/types.js';

// `customer-sync sandbox --faults KIND=P,…`: what each provider of the sandbox answers at random instead of doing
// its job. From the sandbox only its types module (no import at run time but the kinds' list): the CLI's help loads
// no sandbox code (test/light-imports.test.ts).

/**
 * The kinds `--faults` takes: a group (`429`, `5xx`, `reset`: the chance is split evenly between its members) or
 * one fault kind of the sandbox (src/sandbox/types.ts `FaultKind`).
 */
export const FAULT_FLAG_KINDS: ReadonlyMap<string, readonly FaultKind[]> = new Map<string, readonly FaultKind[]>([
  ['429', ['429-seconds', '429-date']],
  ['5xx', ['500', '502', '503']],
  ['reset', ['reset-before', 'reset-after']],
  ...FAULT_KINDS.map((kind) => [kind, [kind]] as const),
]);

/** Faults whose kinds are drawn uniformly from a list (src/sandbox/faults.ts): a kind's weight is its number of entries. */
const RESOLUTION = 60_000;

/** A `--faults` value that cannot be used; the message says why and lists the kinds. */
export class FaultsFlagError extends Error {
  override name = 'FaultsFlagError';
}

const kindsList = (): string => [...FAULT_FLAG_KINDS.keys()].join(', ');

/**
 * Parses `KIND=P,…` (P a chance from 0 to 1 per request) into one provider's `Faults`: `rate` is the sum of the
 * chances (at most 1), `kinds` a list in which each kind appears in proportion to its chance, reduced to the fewest
 * entries that keep the proportions (`429=0.01,5xx=0.02` → 429-seconds, 429-date and 500, 502, 503 with weights
 * 3, 3, 4, 4, 4: a group's chance is split evenly between its members).
 */
export function parseFaults(value: string): Faults {
  const chances = new Map<FaultKind, number>();
  let rate = 0;
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.every((entry) => entry === '')) throw new FaultsFlagError(`must be KIND=P,… (kinds: ${kindsList()})`);
  for (const entry of entries) {
    if (entry === '') continue;
    const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(entry);
    if (match === null) throw new FaultsFlagError(`"${entry}" is not KIND=P (kinds: ${kindsList()})`);
    const [, name, given] = match as unknown as [string, string, string];
    const kinds = FAULT_FLAG_KINDS.get(name);
    if (kinds === undefined) throw new FaultsFlagError(`unknown fault kind "${name}" (kinds: ${kindsList()})`);
    const chance = /^(\d+(\.\d*)?|\.\d+)$/.test(given) ? Number(given) : NaN;
    if (!(chance >= 0 && chance <= 1)) throw new FaultsFlagError(`${name}=${given}: the chance must be a number from 0 to 1`);
    rate += chance;
    for (const kind of kinds) chances.set(kind, (chances.get(kind) ?? 0) + chance / kinds.length);
  }
  // The sum as written (0.7 + 0.2 + 0.1 is 1, not floating point's 0.9999999999999999).
  rate = Math.round(rate * 1e12) / 1e12;
  if (rate > 1) throw new FaultsFlagError(`the chances add up to ${rate}, more than 1`);
  if (rate === 0) return { rate: 0 };
  return { rate, kinds: weighted(chances, rate) };
}

/** The kinds as a list in which each appears in proportion to its chance, as few entries as keep the proportions. */
function weighted(chances: ReadonlyMap<FaultKind, number>, rate: number): FaultKind[] {
  const weights = [...chances]
    .filter(([, chance]) => chance > 0)
    .map(([kind, chance]) => [kind, Math.max(1, Math.round((chance / rate) * RESOLUTION))] as const);
  const divisor = weights.reduce((common, [, weight]) => gcd(common, weight), 0);
  return weights.flatMap(([kind, weight]) => Array.from({ length: weight / divisor }, () => kind));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** `429 1%, 5xx 2%`: what the sandbox injects, for its start-up lines. */
export function describeFaults(value: string): string {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [name, chance] = entry.split('=').map((part) => part.trim()) as [string, string];
      return `${name} ${Number((Number(chance) * 100).toFixed(4))}%`;
    })
    .join(', ');
}
