import { writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { z } from 'zod';
import { createAdapter } from '../adapter/create-adapter.js';
import type { ProviderDefinition } from '../adapter/definition.js';
import { DEFAULT_STATE } from '../config/state-open.js';
import { DEFAULT_RETRY } from '../pipeline/retry-decision.js';
import { BUILT_IN } from '../providers.js';
import { UsageError, writeLine, type CliIo } from './io.js';

// `customer-sync init [FILE]`. The config loader allows `//` comments (src/config/config.ts), so the starter file says
// in comments what each part means; the same is printed to stdout with what to do next.

export interface InitFlags {
  force?: boolean | undefined;
}

/** Where `init` writes unless told otherwise. */
export const DEFAULT_CONFIG_FILE = 'customer-sync.json';

/** One provider's credentials as the starter config writes them. */
interface CredentialForms {
  /** The smallest set of string options the definition accepts (the form the file uses), in its shape's order. */
  used: string[];
  /** Every other minimal set it accepts (e.g. an `accountId` + `appSecret` beside a `token`). */
  alternatives: string[][];
}

/**
 * The credential forms of a provider, read off its definition: the sets of its own string options with which an
 * adapter can be made (the options' schema and `checkOptions` agree), smallest first, none a superset of another.
 */
export function credentialForms(definition: ProviderDefinition): CredentialForms {
  const keys = Object.entries(definition.optionsShape)
    .filter(([, schema]) => schema instanceof z.ZodType && schema.safeParse('x').success)
    .map(([key]) => key);
  const accepted: string[][] = [];
  for (const subset of subsetsBySize(keys)) {
    if (accepted.some((smaller) => smaller.every((key) => subset.includes(key)))) continue;
    try {
      createAdapter(definition, Object.fromEntries(subset.map((key) => [key, 'x'])));
      accepted.push(subset);
    } catch {
      // not a complete set of credentials
    }
  }
  const [used = [], ...alternatives] = accepted;
  return { used, alternatives };
}

/** Every subset of `keys`, smallest first, each in the order of `keys`. */
function subsetsBySize(keys: readonly string[]): string[][] {
  const all: string[][] = [];
  for (let mask = 0; mask < 1 << keys.length; mask++) all.push(keys.filter((_, i) => (mask & (1 << i)) !== 0));
  return all.sort((a, b) => a.length - b.length);
}

/** `acme-billing` + `apiKey` → `ACME_BILLING_API_KEY`. */
export function variableName(provider: string, key: string): string {
  const snake = (text: string): string => text.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
  return `${snake(provider)}_${snake(key)}`;
}

/** The starter config: every built-in provider with its default URL and limits, credentials as `${VAR}`s. */
export function starterConfig(): { config: Record<string, unknown>; forms: Map<string, CredentialForms> } {
  const providers: Record<string, Record<string, unknown>> = {};
  const forms = new Map<string, CredentialForms>();
  for (const [id, definition] of BUILT_IN) {
    const form = credentialForms(definition);
    forms.set(id, form);
    providers[id] = {
      baseUrl: definition.defaultBaseUrl,
      ...Object.fromEntries(form.used.map((key) => [key, `\${${variableName(id, key)}}`])),
      ...('createMissing' in definition.optionsShape ? { createMissing: false } : {}),
      rateLimit: { ...definition.defaultRateLimit },
    };
  }
  const { retries, minDelayMs, maxDelayMs } = DEFAULT_RETRY;
  return { config: { providers, retry: { retries, minDelayMs, maxDelayMs }, state: DEFAULT_STATE }, forms };
}

/** Credentials of a provider in words: `token (or accountId + appSecret instead)`. */
function describeForm(form: CredentialForms): string {
  const others = form.alternatives.map((keys) => keys.join(' + '));
  return `${form.used.join(' + ')}${others.length > 0 ? ` (or ${others.join(', or ')} instead)` : ''}`;
}

/** `value` as JSON indented by `depth` levels of two spaces, its first line not indented (it follows a key). */
function indented(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replaceAll('\n', `\n${'  '.repeat(depth)}`);
}

/** The starter config as the file holds it: the JSON of `starterConfig`, each part with a comment saying what it is. */
export function commentedConfig(config: Record<string, unknown>, forms: ReadonlyMap<string, CredentialForms>): string {
  const providers = config.providers as Record<string, Record<string, unknown>>;
  const lines = [
    '// customer-sync config, written by `customer-sync init`. Comments (//) are allowed in this file.',
    '// Credentials come from the environment: "${VAR}" is replaced by that variable, and one that is not set stops',
    '// the run, named. Never write a credential into this file.',
    '{',
    '  // Only the providers listed here are synced: delete the ones you do not use. A provider of your own goes under',
    '  // its id with "module": "./acme-provider.js" (its default export is what defineProvider returned).',
    '  "providers": {',
  ];
  const ids = Object.keys(providers);
  ids.forEach((id, index) => {
    const form = forms.get(id);
    const options = providers[id] ?? {};
    const variables = form?.used.map((key) => variableName(id, key)).join(', ') ?? '';
    lines.push(`    // ${id}: ${form ? describeForm(form) : 'its options'}${variables ? `; set ${variables}` : ''}.`);
    if ('createMissing' in options) lines.push('    // "createMissing": true creates a customer it does not have yet (false: skipped, and the report says why).');
    lines.push(`    ${JSON.stringify(id)}: ${indented(options, 2)}${index < ids.length - 1 ? ',' : ''}`);
  });
  lines.push(
    '  },',
    '  // Retries of a request that may be sent again (429, 5xx, a dropped connection): the defaults, to be tuned.',
    `  "retry": ${indented(config.retry, 1)},`,
    '  // Where provider ids and what was delivered are remembered: a SQLite file, or postgres://… for workers sharing',
    '  // one state. Add "redis": "redis://…" for limits shared across processes and the queue of `sync --queue`.',
    `  "state": ${JSON.stringify(config.state)}`,
    '}',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * `customer-sync init [FILE]`: writes a starter config (`customer-sync.json` unless named; an existing file only
 * with `--force`) and prints what each part means and what to do next.
 */
export async function initCommand(file: string | undefined, flags: InitFlags, io: CliIo): Promise<number> {
  const path = resolve(io.cwd, file ?? DEFAULT_CONFIG_FILE);
  const { config, forms } = starterConfig();
  try {
    await writeFile(path, commentedConfig(config, forms), { flag: flags.force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${path} exists; not overwritten (--force replaces it)`);
    throw new UsageError(`cannot write ${path}: ${code ?? (error as Error).message}`);
  }
  const shown = relative(io.cwd, path) || path;
  const names = [...BUILT_IN.values()].map((definition) => definition.name);
  const out = (text = ''): void => writeLine(io.stdout, text);
  out(`Wrote ${shown}: a starter config for ${names.join(', ')}.`);
  out('Its comments say what each part means; in short:');
  out();
  out('1. Keep only the providers you sync with: delete the others from "providers" (only those listed are synced).');
  out('2. Credentials are read from the environment: "${VAR}" is replaced by the variable, and a variable that is not');
  out('   set stops the run with its name. Set these (never write a credential into the file):');
  const rows: Array<[string, string]> = [];
  for (const [id, form] of forms) {
    const variables = form.used.map((key) => variableName(id, key)).join(', ');
    rows.push([variables, `${id}: ${describeForm(form)}`]);
  }
  const width = Math.max(...rows.map(([variables]) => variables.length));
  for (const [variables, meaning] of rows) out(`     ${variables.padEnd(width)}  ${meaning}`);
  const creators = [...BUILT_IN].filter(([, definition]) => 'createMissing' in definition.optionsShape).map(([id]) => id);
  if (creators.length > 0) {
    out(`3. "createMissing": true lets ${creators.join(', ')} create customers they do not have yet;`);
    out('   false (the default) skips such a record, and the report says why.');
  }
  out('4. "rateLimit" and "retry" are the defaults, written out to be tuned; "timeoutMs" and "maxResponseBytes" may be');
  out('   added per provider. "baseUrl" is the production API: point it at `customer-sync sandbox` to try things first.');
  out(`5. "state" is where the sync remembers provider ids and what was delivered (a SQLite file, or postgres://… for`);
  out('   workers sharing one state); "redis": "redis://…" adds shared limits and the queue of `sync --queue`.');
  out('6. A provider of your own goes under its id with "module": "./acme-provider.js" (its default export is what');
  out('   defineProvider returned) and the options it defines.');
  out();
  out('Then:');
  const next = [
    [`customer-sync check --config ${shown}`, 'are the credentials accepted?'],
    [`customer-sync sync --config ${shown} --input customers.ndjson --dry-run`, 'what would be sent'],
  ] as const;
  const commandWidth = Math.max(...next.map(([command]) => command.length));
  for (const [command, what] of next) out(`  ${command.padEnd(commandWidth)}  # ${what}`);
  return 0;
}
