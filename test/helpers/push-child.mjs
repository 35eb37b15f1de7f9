// A child process of the light-import tests: imports one adapter entry, makes the adapter from the options in
// CUSTOMER_SYNC_ADAPTER_OPTIONS (JSON), pushes the customer in CUSTOMER_SYNC_CUSTOMER (JSON) with `adapter.push`,
// and prints the outcome's status. Run it with ./module-log.mjs imported to see what that loads.
//   node [--import tsx] --import ./module-log.mjs push-child.mjs <entry: a file URL or a package subpath> <provider id>
import process from 'node:process';

const [entry, id] = process.argv.slice(2);
const options = JSON.parse(process.env.CUSTOMER_SYNC_ADAPTER_OPTIONS ?? '{}');
const customer = JSON.parse(process.env.CUSTOMER_SYNC_CUSTOMER ?? '{}');

const exports = await import(entry);
const factory = Object.values(exports).find((value) => typeof value === 'function' && value.id === id);
if (!factory) throw new Error(`${entry} exports no factory for ${id}`);
const adapter = factory(options);
try {
  const outcome = await adapter.push(customer);
  process.stdout.write(`${JSON.stringify({ status: outcome.status, error: outcome.error?.message })}\n`);
} finally {
  await adapter.close();
}
