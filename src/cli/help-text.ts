import type { LogLevel } from './logger.js';
import { DEFAULT_NAMESPACE, LOCK_ENV, NAMESPACE_ENV } from '../queue/settings.js';

// What the CLI's help needs of its commands, apart from them: `customer-sync --help` loads no command, so neither
// BullMQ, Redis, SQLite, PostgreSQL, axios nor pino (test/light-imports.test.ts counts what it loads).

/** The levels of `--log-level`, in the order the help lists them: the logger's (`LogLevel`), without loading pino. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];

/** Fails to compile if the logger gains a level this list lacks. */
const _everyLevel: [Exclude<LogLevel, (typeof LOG_LEVELS)[number]>] extends [never] ? true : never = true;

/** The end of `customer-sync worker --help`. */
export const WORKER_HELP = `
Several workers (processes or machines) need a PostgreSQL state ("state": "postgres://…" in the config): it keeps
two workers from delivering the same customer to the same provider at once, and keeps creates safe when a worker
dies mid-job. A SQLite state belongs to one worker: a worker refuses to start on it while another is connected.

--metrics-port 9464 serves GET /metrics (Prometheus text format) on every interface, without authentication: keep
the port on the cluster network. Per provider: requests by method and status class, latency, retries, 429 pauses,
the current rate, failures and outcomes; the queue's jobs by state; process metrics. A port in use: exit 2.

Environment:
  ${NAMESPACE_ENV}  prefix of the queue and shared-limit keys in Redis (default: ${DEFAULT_NAMESPACE});
                           every worker and sync --queue of one deployment uses the same
  ${LOCK_ENV}  how long a job of a worker that died waits before another worker takes it over (default: 30000)`;

/** The end of `customer-sync sync --help`. */
export const SYNC_HELP = `
Reading from PostgreSQL:
  customer-sync sync --config c.json --input 'postgresql://app@db:5432/crm' --query 'SELECT id, email, city AS "address.city" FROM customers'
  customer-sync sync --config c.json --input 'postgresql://app:\${PGPASS}@db/crm' --table crm.customers
  Rows are read through a server-side cursor (bounded memory), in one read-only transaction. Columns are named as
  CSV headers (dot paths: address.city, providerIds.<id>); NULL is an absent field; an unknown column stops the run
  (exit 2). Credentials come from \${VAR}s in the URL (quote it so the shell leaves them) or the libpq variables
  PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; the password never appears in messages or the report.
  --since-last-run updated_at: only the rows whose updated_at is at or above the watermark the last run stored (the
  lowest value not confirmed at every provider, else the highest read); the first night and --full read every row.
  Invalid records are reported by row number (1-based, in the result's order).

Metrics:
  customer-sync sync --config c.json --input customers.ndjson --metrics-push 'http://ci:\${PUSH_PASSWORD}@pushgateway:9091'
  At the end of the run its metrics go to that Prometheus Pushgateway under job customer-sync: the run's group is
  replaced whole (outcomes per provider, requests, latency, retries, records read and invalid, duration, exit code);
  customer_sync_last_success_timestamp_seconds goes to a group of its own, on exit code 0 only. \${VAR}s in the URL
  come from the environment. A failed push is a warning: the exit code stays the run's. Not with --dry-run.`;

/** The end of `customer-sync serve --help`. */
export const SERVE_HELP = `
Endpoints (JSON; /v1/* need "Authorization: Bearer <token>", one of the config's serve.tokens):
  POST /v1/customers   validate and push one customer: 200 with one outcome per provider (also when some failed),
                       422 listing every issue of an invalid record; with --queue, 202 {"jobId"}
  GET  /v1/jobs/{id}   with --queue: waiting, active, completed (with the outcomes) or failed; 404 unknown
  GET  /healthz        200 while serving, 503 once stopping (no token)
  GET  /metrics        Prometheus metrics of the pushes (and, with --queue, the queue) (no token)
  GET  /openapi.json   the OpenAPI 3 document of the above (no token)
Bodies above serve.maxBodyBytes (default 1048576) get 413. SIGINT/SIGTERM: new connections are refused, requests
in flight finish, then it exits 0. Without --queue it keeps the config's "state" (one process for a SQLite file).`;
