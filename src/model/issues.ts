import { closestPath } from './suggest.js';
import type { core } from 'zod';
import type { ValidationIssue } from './types.js';

const NOUNS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  object: 'an object',
  array: 'an array',
  boolean: 'a boolean',
};

/** The kind of a value, never the value itself. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function typeMessage(expected: readonly string[], input: unknown): string {
  if (expected.includes('nonoptional') || input === undefined) return 'is required';
  const nouns = expected.map((type) => NOUNS[type] ?? type).join(' or ');
  const received = kindOf(input);
  return expected.includes(received) ? `must be ${nouns}` : `must be ${nouns}, not ${NOUNS[received] ?? received}`;
}

/** The types a union expected, when every option refused the value for its type alone (else `undefined`). */
function unionTypes(errors: readonly (readonly core.$ZodIssue[])[]): string[] | undefined {
  const expected: string[] = [];
  for (const issues of errors) {
    const [issue, ...others] = issues;
    if (issue?.code !== 'invalid_type' || others.length > 0 || issue.path.length > 0) return undefined;
    expected.push(issue.expected);
  }
  return expected.length > 0 ? expected : undefined;
}

/**
 * Per-parse zod error map for the messages the schemas do not set themselves.
 * Describes what is expected and the kind of what was received, never the received value.
 */
export const issueMessage: core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') return typeMessage([issue.expected], issue.input);
  if (issue.code === 'invalid_union') {
    // A field of several types (an integer id: a number or a string) is described like a field of one.
    const expected = unionTypes(issue.errors);
    if (expected !== undefined) return typeMessage(expected, issue.input);
  }
  if (issue.code === 'unrecognized_keys') return 'is not a known field';
  return undefined;
};

/** Unknown keys per object that get a suggestion: bounds the work on a record made of thousands of them. */
const MAX_SUGGESTIONS = 10;

/** Dot path: `address.country`, `''` for the record itself. */
export function dotPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * zod issues as {@link ValidationIssue}s. An unknown-keys issue becomes one issue per key, its path naming the key,
 * with a suggestion from `knownKeys(objectPath)` when the key looks like a typo of a known field (first few keys).
 */
export function toValidationIssues(
  issues: readonly core.$ZodIssue[],
  knownKeys: (objectPath: string) => readonly string[] | undefined,
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') {
      out.push({ path: dotPath(issue.path), message: issue.message });
      continue;
    }
    const known = knownKeys(dotPath(issue.path)) ?? [];
    for (const [index, key] of issue.keys.entries()) {
      const suggestion = index < MAX_SUGGESTIONS ? closestPath(key, known) : undefined;
      const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
      out.push({ path: dotPath([...issue.path, key]), message: `is not a known field${hint}` });
    }
  }
  return out;
}
