import { CUSTOMER_FIELD_PATHS, NUMERIC_FIELD_PATHS, validateCustomer } from '../model/customer.js';
import { inputError, type Input } from './input.js';
import { closestPath } from './suggest.js';

/** One CSV column: where its cells go in the record. */
export interface CsvColumn {
  /** `['address', 'city']` for the header `address.city`. */
  path: readonly string[];
  /** Whole-number cells become numbers (`providerIds.fatora`). */
  numeric: boolean;
}

export interface HeaderRules {
  /** Every leaf dot path a column may name. */
  known: readonly string[];
  numeric: readonly string[];
  /** Columns without which no record could be valid. */
  required: readonly string[];
}

/** The fields a record cannot do without: those an empty record is reported for (`id`, `email`). */
function requiredPaths(known: readonly string[]): string[] {
  const result = validateCustomer({});
  const paths = result.ok ? [] : result.issues.map((issue) => issue.path);
  return known.filter((path) => paths.includes(path));
}

export const CUSTOMER_HEADER_RULES: HeaderRules = {
  known: CUSTOMER_FIELD_PATHS,
  numeric: NUMERIC_FIELD_PATHS,
  required: requiredPaths(CUSTOMER_FIELD_PATHS),
};

/**
 * Checks the header row and maps each column to its path (DESIGN §6). Any problem stops the run before a record is
 * read, naming the column: a typo in a header would otherwise drop a field from every record. Column names are
 * trimmed; they are compared with the known paths case-sensitively, as JSON keys are.
 */
export function parseHeader(
  cells: readonly string[],
  input: Pick<Input, 'input' | 'label'>,
  rules = CUSTOMER_HEADER_RULES,
): CsvColumn[] {
  const fail = (message: string): never => {
    throw inputError(input, message);
  };
  const names = cells.map((cell) => cell.trim());
  const seen = new Set<string>();
  for (const [index, name] of names.entries()) {
    if (name === '') fail(`CSV column ${index + 1} has no name`);
    if (seen.has(name)) fail(`duplicate CSV column "${name}"`);
    seen.add(name);
    if (rules.known.includes(name)) continue;
    const fields = rules.known.filter((path) => path.startsWith(`${name}.`));
    if (fields.length > 0) {
      fail(`CSV column "${name}" is an object, not a field: use its fields (${fields.join(', ')})`);
    }
    const suggestion = closestPath(name, rules.known);
    const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
    fail(`unknown CSV column "${name}"${hint} (known: ${rules.known.join(', ')})`);
  }
  // With leaf-only known paths this cannot happen; it guards the nesting below if a known path ever is both.
  for (const name of names) {
    const child = names.find((other) => other.startsWith(`${name}.`));
    if (child !== undefined) fail(`CSV column "${name}" is both a field and the parent of "${child}"`);
  }
  const missing = rules.required.filter((path) => !seen.has(path));
  if (missing.length > 0) {
    const list = missing.map((path) => `"${path}"`).join(', ');
    fail(`the CSV header lacks the required column${missing.length > 1 ? 's' : ''} ${list}`);
  }
  return names.map((name) => ({ path: name.split('.'), numeric: rules.numeric.includes(name) }));
}
