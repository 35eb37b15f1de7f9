import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startSandbox } from '../sandbox/index.js';
import { sandboxProvidersConfig } from '../sandbox/cli.js';
import { PROVIDER_IDS } from '../providers.js';
import { writeLine, type CliIo } from './io.js';
import { syncCommand } from './sync-command.js';

export interface DemoFlags {
  input?: string | undefined;
  dir?: string | undefined;
  /** Chance of a transient fault (500/503) per request, to show retries. @default 0.02 */
  faults?: number | undefined;
}

/**
 * `customer-sync demo` (`npm start`): a real sync of the sample customers against the sandbox providers, which keep
 * their customers in a file so a second run finds them. The second run sends nothing: every record is unchanged.
 */
export async function demoCommand(flags: DemoFlags, io: CliIo): Promise<number> {
  const dir = resolve(io.cwd, flags.dir ?? '.customer-sync/demo');
  await mkdir(dir, { recursive: true });
  const rate = flags.faults ?? 0.02;
  const sandbox = await startSandbox({
    dataFile: join(dir, 'sandbox.json'),
    // Faults only where a create is safe to repeat (Yativo's Idempotency-Key, BlueTape's 409): a 5xx to a Fatora or
    // Invisible Collector create is an unknown outcome by contract, which the demo would leave for a person.
    faults: {
      yativo: { rate, kinds: ['500', '503'], seed: 42 },
      bluetape: { rate, kinds: ['500', '503'], seed: 43 },
    },
  });
  try {
    const providers = sandboxProvidersConfig(sandbox);
    const limits = { rateLimit: { perSecond: 100, concurrency: 8 } };
    const config = {
      providers: {
        yativo: { ...providers.yativo, ...limits },
        fatora: { ...providers.fatora, ...limits, createMissing: true },
        bluetape: { ...providers.bluetape, ...limits, createMissing: true },
        'invisible-collector': { ...providers['invisible-collector'], ...limits, createMissing: true },
      },
      retry: { retries: 5, minDelayMs: 50, maxDelayMs: 1000 },
      state: join(dir, 'state.db'),
    };
    const configPath = join(dir, 'config.json');
    await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
    const input = flags.input ?? 'fixtures/customers.ndjson';
    writeLine(io.stdout, `customer-sync demo: syncing ${input} to the sandbox providers at ${sandbox.origin}`);
    writeLine(io.stdout, `(config ${configPath}; state ${config.state}; ${Math.round(rate * 100)} % injected 5xx faults at Yativo and BlueTape)\n`);
    const code = await syncCommand({ config: configPath, input, report: join(dir, 'report.json'), logLevel: 'error' }, io);
    const received = PROVIDER_IDS.map((id) => `${id} ${sandbox.stats(id).requests}`).join(', ');
    writeLine(io.stdout, `\nRequests the sandbox received: ${received}.`);
    writeLine(io.stdout, `Report: ${join(dir, 'report.json')}. Run again: unchanged records send nothing.`);
    if (code === 1) writeLine(io.stdout, 'A nightly sync would exit 1 here: the sample holds invalid records on purpose.');
    // The demo succeeded if the sync ran; exit 1 is what the invalid sample records earn a real sync.
    return code === 2 ? 2 : 0;
  } finally {
    await sandbox.close();
  }
}
