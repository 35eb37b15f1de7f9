import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CustomerSyncError } from '../errors/customer-sync-error.js';
import { BEHAVIOURS, type Behaviour } from '../sandbox/behaviour.js';
import type { Faults, RateLimit } from '../sandbox/types.js';
import { describeFaults, FaultsFlagError, parseFaults } from './faults-flag.js';
import { LOG_LEVELS, SERVE_HELP, SYNC_HELP, WORKER_HELP } from './help-text.js';
import { UsageError, writeLine, type CliIo } from './io.js';
import { packageDescription, packageVersion } from './version.js';

// Each command's module is loaded by its action: `--help` loads commander and what the help text shows, not BullMQ,
// Redis, SQLite, PostgreSQL, axios or pino (test/light-imports.test.ts). Nor the provider registry: its definitions
// bring zod and the model (~100 modules, about as long again as the rest of start-up), so the help's list of
// providers comes from package.json and their ids are loaded only by the commands that show or use them.

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number, at least 1');
  return n;
}

/**
 * `--rate-limit N[:BURST]`: N requests in any sliding second (a whole number); with BURST, a token bucket of BURST
 * (a whole number) refilled at N a second (any number above 0). Both at least 1 but a bucket's N.
 */
function rateLimit(value: string): RateLimit {
  const match = /^(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(value.trim());
  const perSecond = Number(match?.[1]);
  const burst = match?.[2] === undefined ? undefined : Number(match[2]);
  const ok =
    match !== null &&
    (burst === undefined ? Number.isInteger(perSecond) && perSecond >= 1 : perSecond > 0 && burst >= 1);
  if (!ok)
    throw new InvalidArgumentError(
      'must be N or N:BURST: N requests a second (a whole number, at least 1; with BURST, any number above 0), BURST a whole number, at least 1',
    );
  return burst === undefined ? { perSecond } : { perSecond, burst };
}

/** `--faults KIND=P,…` (faults-flag.ts), kept as given too, for the line that says what is injected. */
function faults(value: string): { given: string; faults: Faults } {
  try {
    return { given: value, faults: parseFaults(value) };
  } catch (error) {
    if (error instanceof FaultsFlagError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

interface SandboxFlags {
  port: number;
  host: string;
  data?: string;
  behaviour: Behaviour;
  rateLimit?: RateLimit;
  faults?: { given: string; faults: Faults };
  printConfig?: boolean;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
}

/**
 * Runs the CLI in-process and resolves with its exit code: 0 done, 1 some record invalid or failed, 2 could not run.
 * `sandbox` resolves only when stopped.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  const program = new Command('customer-sync')
    .description(packageDescription())
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the version');

  program
    .command('sync')
    .description('sync a customer file to every configured provider, sending only what changed')
    .requiredOption('--config <file>', 'config file (JSON)')
    .requiredOption('--input <file>', 'customers: .ndjson/.jsonl, .csv or .json, - for stdin, or a postgresql:// URL')
    .addOption(new Option('--format <format>', 'input format (default: from the extension; ndjson for stdin)').choices(['ndjson', 'csv', 'json']))
    .option('--query <sql>', 'with a postgresql:// input: the SELECT whose rows are the customers (columns named as CSV headers)')
    .option('--table <name>', 'with a postgresql:// input: the table (name or schema.name) whose rows are the customers')
    .option('--since-last-run <column>', "with a postgresql:// input: only the rows whose column is at or above the last run's watermark")
    .option('--state <file>', 'state file (default: the config\'s "state", else .customer-sync/state.db)')
    .option('--report <file>', 'write the JSON report to this file')
    .option('--only <ids>', 'only these providers, comma-separated')
    .option('--customers <ids>', 'only these customers of the input, comma-separated ids (an id not found: exit 1)')
    .option('--dry-run', 'print the requests that would be sent; send nothing, write no state')
    .option('--full', 'send every record, changed or not')
    .option('--strict', 'exit 1 when a record was skipped, too')
    .option('--allow-empty', 'an input with no record is a run of nothing (exit 0), not an error (exit 2)')
    .option('--json', 'print the report as JSON on stdout instead of the summary')
    .option('--queue', 'queue the records for `customer-sync worker` processes (the config\'s "redis") and report their results')
    .option('--metrics-push <url>', "at the end, push the run's metrics to this Prometheus Pushgateway (job customer-sync); a failed push is a warning")
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr)').choices([...LOG_LEVELS]).default('warn'))
    .addHelpText('after', SYNC_HELP)
    .action(async (flags) => {
      const { syncCommand } = await import('./sync-command.js');
      code = await syncCommand(flags, io);
    });

  program
    .command('worker')
    .description('process queued pushes (sync --queue, enqueue) until SIGINT/SIGTERM; jobs in progress finish first')
    .requiredOption('--config <file>', 'config file (JSON) with "redis" and, for several workers, a postgres:// "state"')
    .option('--concurrency <n>', 'customers in progress at once in this worker (default: 4)', positiveInt)
    .option('--metrics-port <port>', 'serve Prometheus metrics at GET /metrics on this port, on every interface', port)
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr)').choices([...LOG_LEVELS]).default('warn'))
    .addHelpText('after', WORKER_HELP)
    .action(async (flags) => {
      const { workerCommand } = await import('./worker-command.js');
      code = await workerCommand(flags, io);
    });

  program
    .command('serve')
    .description('serve POST /v1/customers over HTTP for callers in any language, with bearer tokens, until SIGINT/SIGTERM')
    .requiredOption('--config <file>', 'config file (JSON) with "serve": {"tokens": ["${SERVE_TOKEN}"]}')
    .option('--port <port>', 'port (default: 8080; 0: any free one)', port)
    .option('--host <host>', 'address to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)')
    .option('--queue', 'queue each customer for `customer-sync worker` processes (the config\'s "redis"): 202 with a job id')
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr)').choices([...LOG_LEVELS]).default('warn'))
    .addHelpText('after', SERVE_HELP)
    .action(async (flags) => {
      const { serveCommand } = await import('./serve-command.js');
      code = await serveCommand(flags, io);
    });

  program
    .command('sandbox')
    .description('serve local emulations of the four providers on loopback, for trying configs and tests')
    .option('--port <port>', 'port (default: any free one)', port, 0)
    .option('--host <host>', 'loopback address', '127.0.0.1')
    .option('--data <file>', 'keep the sandbox customers in this file across restarts')
    .addOption(
      new Option('--behaviour <behaviour>', "follow the providers' pages, or their published code where it differs")
        .choices([...BEHAVIOURS])
        .default('documented'),
    )
    .option('--rate-limit <n[:burst]>', 'admit N requests a second (BURST at once) at each provider; 429 beyond', rateLimit)
    .option(
      '--faults <kind=p,...>',
      'answer a share of requests with a fault, e.g. 429=0.01,5xx=0.02,reset=0.01,slow=0.01 ' +
        '(kinds: 429, 5xx, reset, timeout, slow, bad-body, or any one status or fault of the sandbox)',
      faults,
    )
    .option('--print-config', 'print the config JSON ({"providers": …}) pointing at this sandbox instead of the lines')
    .action(async (flags: SandboxFlags) => {
      const printConfig = flags.printConfig === true;
      const limit = flags.rateLimit;
      const injected = flags.faults;
      const [{ runSandboxCommand }, { PROVIDER_IDS }] = await Promise.all([import('../sandbox/cli.js'), import('../providers.js')]);
      const sandbox = await runSandboxCommand({
        port: flags.port,
        host: flags.host,
        ...(flags.data ? { dataFile: flags.data } : {}),
        behaviour: flags.behaviour,
        ...(limit ? { rateLimits: Object.fromEntries(PROVIDER_IDS.map((id) => [id, limit])) } : {}),
        ...(injected ? { faults: Object.fromEntries(PROVIDER_IDS.map((id) => [id, injected.faults])) } : {}),
        printConfig,
        write: (text) => io.stdout.write(text),
      });
      // With --print-config, stdout carries the JSON alone (e.g. `> config.json`).
      const lines = printConfig ? io.stderr : io.stdout;
      if (injected) writeLine(lines, `Faults at each provider: ${describeFaults(injected.given)} of requests.`);
      writeLine(lines, 'Serving; stop with Ctrl-C.');
      await new Promise<void>((resolve) => {
        const unsubscribe = io.onStop?.(() => {
          unsubscribe?.();
          resolve();
        });
      });
      await sandbox.close();
    });

  program
    .command('demo')
    .description('sync the sample customers to the sandbox providers (what npm start runs)')
    .option('--input <file>', 'customers file', 'fixtures/customers.ndjson')
    .option('--dir <dir>', 'where the demo keeps its config, state and sandbox data', '.customer-sync/demo')
    .option('--faults <rate>', 'chance of an injected 5xx per request', fraction, 0.02)
    .action(async (flags) => {
      const { demoCommand } = await import('./demo-command.js');
      code = await demoCommand(flags, io);
    });

  program
    .command('check')
    .description("validate a config, then probe each provider's credentials with a request that writes nothing")
    .requiredOption('--config <file>', 'config file (JSON)')
    .option('--json', 'print the results as JSON')
    .addHelpText(
      'after',
      '\nEach provider is probed with its token exchange when it has one, else a lookup of a customer that cannot exist;\n' +
        'a provider with neither cannot be checked without writing. Exit 0 when all accepted their credentials,\n' +
        '1 when one refused them or could not be reached, 2 when the config is not valid.',
    )
    .action(async (flags) => {
      const { checkCommand } = await import('./check-command.js');
      code = await checkCommand(flags, io);
    });

  program
    .command('init')
    .description('write a starter config (customer-sync.json unless named) and explain it')
    .argument('[file]', 'where to write it', 'customer-sync.json')
    .option('--force', 'replace the file if it exists')
    .action(async (file: string, flags) => {
      const { initCommand } = await import('./init-command.js');
      code = await initCommand(file, flags, io);
    });

  const state = program
    .command('state')
    .description('see what needs attention in the state, resolve it, or forget a customer')
    // Before `state resolve` parses (its --help too): the ids it takes, which the registry knows.
    .hook('preSubcommand', async (_state, subcommand) => {
      if (subcommand.name() !== 'resolve') return;
      const { PROVIDER_IDS } = await import('../providers.js');
      const option = subcommand.options.find((o) => o.long === '--provider');
      if (option) option.description = `${PROVIDER_IDS.join(', ')}, or the id of a provider of your own`;
    });
  state
    .command('list')
    .description('records with an unknown create outcome, a pending create, or a last failure')
    .option('--state <file>', 'state file')
    .option('--config <file>', 'read the state path from this config')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const { stateListCommand } = await import('./state-command.js');
      code = await stateListCommand(flags, io);
    });
  state
    .command('resolve')
    .description('after checking at the provider: attach its id, or allow a fresh create')
    .requiredOption('--customer <id>', 'customer id (yours)')
    .requiredOption('--provider <id>', 'a built-in provider, or the id of a provider of your own')
    .option('--provider-id <id>', 'the id the provider has for this customer')
    .option('--allow-create', 'the provider has no such customer: let the next sync create it')
    .option('--force', 'replace a provider id the state holds without asking')
    .option('--state <file>', 'state file')
    .option('--config <file>', 'read the state path from this config')
    .action(async (flags) => {
      const { stateResolveCommand } = await import('./state-command.js');
      code = await stateResolveCommand(flags, io);
    });
  state
    .command('forget')
    .description('erase what the state holds about one customer (links, intents, failures, remembered line)')
    .requiredOption('--customer <id>', 'customer id (yours)')
    .option('--state <file>', 'state file')
    .option('--config <file>', 'read the state path from this config')
    .action(async (flags) => {
      const { stateForgetCommand } = await import('./state-command.js');
      code = await stateForgetCommand(flags, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError || error instanceof CustomerSyncError) {
      writeLine(io.stderr, `customer-sync: ${error.message}`);
      return 2;
    }
    writeLine(io.stderr, `customer-sync: could not run: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`);
    return 2;
  }
}
