/**
 * A stream of `push` calls, as a web server makes them, in a process of its own (a child of the scale tests):
 * `count` customers (`from` on) pushed to Yativo at once, so the provider's gate always has work queued. Prints
 * `ready` and waits for a line on stdin before it starts, so several such processes start together; prints a JSON
 * summary line and exits when done.
 *
 * Usage: node --import tsx test/scale/push-stream.ts '<PushStreamOptions as JSON>'
 */
import { yativo } from '../../adapters/yativo/index.js';
import { validateCustomer } from '../../src/model/customer.js';
import { SharedLimits } from '../../src/pipeline/shared-limits.js';
import { SyncEngine } from '../../src/push/engine.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { customer } from '../cli/helpers.js';

export interface PushStreamOptions {
  baseUrl: string;
  token: string;
  perSecond: number;
  concurrency: number;
  from: number;
  count: number;
  /** Share the limit with every process using the same Redis and namespace. */
  redis?: string;
  namespace?: string;
}

export interface PushStreamSummary {
  created: number;
  failed: number;
  failures: string[];
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as PushStreamOptions;
  const adapter = yativo({ baseUrl: options.baseUrl, token: options.token, rateLimit: { perSecond: options.perSecond, concurrency: options.concurrency } });
  const shared = options.redis === undefined ? undefined : new SharedLimits(options.redis, options.namespace);
  const engine = new SyncEngine([adapter], new MemoryStateStore(), { retries: 3, minDelayMs: 10 }, { shared });
  const customers = Array.from({ length: options.count }, (_, k) => {
    const i = options.from + k;
    const result = validateCustomer(customer(i));
    if (!result.ok) throw new Error(`bad fixture ${i}`);
    return result.customer;
  });

  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const results = await Promise.all(customers.map((customer) => engine.push(customer, { full: true })));
  await engine.close();

  const summary: PushStreamSummary = { created: 0, failed: 0, failures: [] };
  for (const result of results) {
    for (const outcome of Object.values(result.providers)) {
      if (outcome.status === 'created') summary.created += 1;
      else if (outcome.status === 'failed') {
        summary.failed += 1;
        summary.failures.push(outcome.error?.message ?? 'failed');
      }
    }
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.stdin.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
