import { customerModel, type CustomerModel } from '../model/customer.js';
import { inputError, type Input } from './input.js';
import { closestPath } from '../model/suggest.js';

/** One CSV column: where its cells go in the record. */
export interface CsvColumn {
  /** `['address', 'city']` for the header `address.city`. */
  path: readonly string[];
  /** Whole-number cells become numbers (the `providerIds` of providers whose ids are integers). */
  numeric: boolean;
}

export interface HeaderRules {
  /** Every leaf dot path a column may name. */
  known: readonly string[];
  numeric: readonly string[];
  /** Columns without which no record could be valid. */
  required: readonly string[];
}

/** The columns a CSV file may have for `model`: its fields, those holding numbers, and those no record can lack. */
export function headerRulesFor(model: CustomerModel): HeaderRules {
  // The fields a record cannot do without: those an empty record is reported for (`id`, `email`).
  const result = model.validate({});
  const paths = result.ok ? [] : result.issues.map((issue) => issue.path);
  return { known: model.fieldPaths, numeric: model.numericPaths, required: model.fieldPaths.filter((path) => paths.includes(path)) };
}

/** The columns of the built-in providers' model. */
export const CUSTOMER_HEADER_RULES: HeaderRules = headerRulesFor(customerModel());

/** A name that looks like a field path is shown in messages; anything else may be data (a missing header row). */
const SHOWABLE = /^[A-Za-z_][\w.-]{0,63}$/;

/**
 * Checks the header row and maps each column to its path (DESIGN §6). Any problem stops the run before a record is
 * read, naming the column: a typo in a header would otherwise drop a field from every record. Column names are
 * trimmed; they are compared with the known paths case-sensitively, as JSON keys are.
 *
 * A file without a header row would have its first customer read as the header: when no cell is a known field, the
 * row is said not to be a header, and a cell that does not look like a field name is named by its position only,
 * so the message never carries a customer's data.
 */
export function parseHeader(
  cells: readonly string[],
  input: Pick<Input, 'input' | 'label'>,
  rules = CUSTOMER_HEADER_RULES,
): CsvColumn[] {
  const fail = (message: string): never => {
    throw inputError(input, message);
  };
  const known = `(known: ${rules.known.join(', ')})`;
  const names = cells.map((cell) => cell.trim());
  if (!names.some((name) => rules.known.includes(name))) {
    fail(`the first row is not a CSV header: none of its cells is a field name ${known}`);
  }
  const seen = new Set<string>();
  for (const [index, name] of names.entries()) {
    const column = SHOWABLE.test(name) ? `CSV column "${name}"` : `CSV column ${index + 1}`;
    if (name === '') fail(`${column} has no name`);
    if (!rules.known.includes(name)) {
      const fields = rules.known.filter((path) => path.startsWith(`${name}.`));
      if (fields.length > 0) fail(`${column} is an object, not a field: use its fields (${fields.join(', ')})`);
      const suggestion = closestPath(name, rules.known);
      const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
      fail(`unknown ${column}${hint} ${known}`);
    }
    if (seen.has(name)) fail(`duplicate ${column}`);
    seen.add(name);
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
