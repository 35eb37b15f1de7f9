import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ProviderDefinition } from '../adapter/definition.js';
import { startSandbox } from '../sandbox/index.js';
import { sandboxProvidersConfig } from '../sandbox/cli.js';
import type { Faults } from '../sandbox/types.js';
import { BUILT_IN } from '../providers.js';
import { writeLine, type CliIo } from './io.js';
import { syncCommand } from './sync-command.js';

export interface DemoFlags {
  input?: string | undefined;
  dir?: string | undefined;
  /** Chance of a transient fault (500/503) per request, to show retries. @default 0.02 */
  faults?: number | undefined;
}

/**
 * Whether a create whose outcome is unknown settles by itself: replayed under its idempotency key, or answered with
 * a conflict when repeated. Any other create met by a 5xx is an unknown outcome by contract (DESIGN §5), which the
 * demo would leave for a person, so only these providers get injected faults.
 */
function createSettlesItself(definition: ProviderDefinition): boolean {
  return definition.idempotencyHeader !== undefined || definition.create?.request({}).retrySafe === true;
}

/** `a`, `a and b`, `a, b and c`. */
function both(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? 'none') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * `customer-sync demo` (`npm start`): a real sync of the sample customers against the sandbox providers, which keep
 * their customers in a file so a second run finds them. The second run sends nothing: every record is unchanged.
 */
export async function demoCommand(flags: DemoFlags, io: CliIo): Promise<number> {
  const dir = resolve(io.cwd, flags.dir ?? '.customer-sync/demo');
  await mkdir(dir, { recursive: true });
  const rate = flags.faults ?? 0.02;
  const definitions = [...BUILT_IN.values()];
  const faulted = definitions.filter(createSettlesItself);
  const sandbox = await startSandbox({
    dataFile: join(dir, 'sandbox.json'),
    faults: Object.fromEntries(
      faulted.map((definition, i): [string, Faults] => [definition.id, { rate, kinds: ['500', '503'], seed: 42 + i }]),
    ),
  });
  try {
    const providers = sandboxProvidersConfig(sandbox);
    const limits = { rateLimit: { perSecond: 100, concurrency: 8 } };
    const config = {
      providers: Object.fromEntries(
        definitions.map((definition) => [
          definition.id,
          // Every record goes everywhere it can: creates wherever a provider offers them.
          { ...providers[definition.id], ...limits, ...(definition.createMissing ? { createMissing: true } : {}) },
        ]),
      ),
      retry: { retries: 5, minDelayMs: 50, maxDelayMs: 1000 },
      state: join(dir, 'state.db'),
    };
    const configPath = join(dir, 'config.json');
    await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
    const input = flags.input ?? 'fixtures/customers.ndjson';
    const faultedNames = both(faulted.map((definition) => definition.name));
    writeLine(io.stdout, `customer-sync demo: syncing ${input} to the sandbox providers at ${sandbox.origin}`);
    const percent = Math.round(rate * 100);
    writeLine(io.stdout, `(config ${configPath}; state ${config.state}; ${percent} % injected 5xx faults at ${faultedNames})\n`);
    const code = await syncCommand({ config: configPath, input, report: join(dir, 'report.json'), logLevel: 'error' }, io);
    const received = sandbox.providers.map((id) => `${id} ${sandbox.stats(id).requests}`).join(', ');
    writeLine(io.stdout, `\nRequests the sandbox received: ${received}.`);
    writeLine(io.stdout, `Report: ${join(dir, 'report.json')}. Run again: unchanged records send nothing.`);
    if (code === 1) writeLine(io.stdout, 'A nightly sync would exit 1 here: the sample holds invalid records on purpose.');
    // The demo succeeded if the sync ran; exit 1 is what the invalid sample records earn a real sync.
    return code === 2 ? 2 : 0;
  } finally {
    await sandbox.close();
  }
}
