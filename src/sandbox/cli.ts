import { startSandbox } from './index.js';
import type { Sandbox, SandboxOptions, SandboxProvidersConfig } from './types.js';

export interface SandboxCommandOptions extends Omit<SandboxOptions, 'port' | 'host'> {
  /** @default 0 (an ephemeral port; the lines printed say which) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * Keep the customers in this JSON file across runs: loaded at start, saved after changes and on `close()`
   * (call it on SIGINT so the last moment is saved too). @default none (in memory only)
   */
  dataFile?: string;
  /**
   * Print `{"providers": …}` (`sandboxProvidersConfig`, pretty JSON: a config file of its own) instead of the lines.
   * @default false
   */
  printConfig?: boolean;
  /** Where the lines go; the CLI passes stdout. @default process.stdout */
  write?: (text: string) => void;
}

/** `key=value` pairs of a provider's credentials, in the order of its config keys. */
function credentialPairs(credentials: Readonly<Record<string, string>>): string {
  return Object.entries(credentials)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

/** One line per provider: `<id> <base URL> <credentials>`, the id padded so the URLs line up. */
export function describeSandbox(sandbox: Sandbox): string[] {
  const width = Math.max(...sandbox.providers.map((id) => id.length));
  return sandbox.providers.map(
    (id) => `${id.padEnd(width)}  ${sandbox.urls[id]}  ${credentialPairs(sandbox.credentials[id] ?? {})}`,
  );
}

/**
 * The `providers` section of a customer-sync config file that points at this sandbox (DESIGN §6): each provider's
 * own `config()`, with static credentials where it takes several forms.
 */
export function sandboxProvidersConfig(sandbox: Sandbox): SandboxProvidersConfig {
  return sandbox.providersConfig();
}

/**
 * `customer-sync sandbox`: starts the sandbox and prints one line per provider with its base URL and credentials
 * (or, with `printConfig`, the config JSON that points at it). Resolves once listening; the caller keeps the
 * process alive and calls `close()` on SIGINT (which also writes the `dataFile`, when one is given). Rejects,
 * naming the path, when the `dataFile` cannot be loaded.
 */
export async function runSandboxCommand(options: SandboxCommandOptions = {}): Promise<Sandbox> {
  const { write = (text: string) => void process.stdout.write(text), printConfig = false, ...sandboxOptions } = options;
  const sandbox = await startSandbox(sandboxOptions);
  if (printConfig) write(`${JSON.stringify({ providers: sandboxProvidersConfig(sandbox) }, null, 2)}\n`);
  else for (const line of describeSandbox(sandbox)) write(`${line}\n`);
  return sandbox;
}
