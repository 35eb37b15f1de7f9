import pg from 'pg';
import { atAfterHost, ENCODE_PASSWORD_HINT, redact } from '../errors/redact.js';
import { PostgresStateError } from './postgres-errors.js';

/** Where a PostgreSQL URL points, for messages: `host:port/database`, and the secrets to keep out of them. */
export interface PostgresTarget {
  where: string;
  host: string;
  secrets: string[];
}

/** Pool settings; see `PostgresStoreOptions` for what each means. */
export interface PoolSettings {
  max: number;
  connectTimeoutMs: number;
  applicationName: string;
}

/** Read a `postgres://` URL for messages, refusing what `pg` would misread; the URL itself is never repeated. */
export function describeTarget(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PostgresStateError('PostgreSQL', 'the PostgreSQL state URL is not a URL: expected postgres://user@host:port/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new PostgresStateError(
      'PostgreSQL',
      `the PostgreSQL state URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`,
    );
  }
  if (atAfterHost(parsed)) {
    throw new PostgresStateError('PostgreSQL', `the PostgreSQL state URL has an @ after its host: ${ENCODE_PASSWORD_HINT}`);
  }
  const param = (name: string): string | undefined => parsed.searchParams.get(name) || undefined;
  const host = decode(parsed.hostname) || param('host') || process.env.PGHOST || 'localhost';
  const port = parsed.port || param('port') || process.env.PGPORT || '5432';
  const user = decode(parsed.username) || param('user') || process.env.PGUSER || '';
  const database = decode(parsed.pathname.slice(1)) || param('dbname') || process.env.PGDATABASE || user;
  const secrets = [decode(parsed.password), param('password') ?? ''].filter((secret) => secret !== '');
  return { where: `${host}:${port}/${database}`, host, secrets };
}

/**
 * A pool on `url`. Every new connection turns `synchronous_commit` back on when the server runs with it off, so a
 * write (an intent above all) is on disk when its promise resolves; a stricter setting (`remote_apply`…) is kept.
 * Errors of idle connections are dropped here: the pool replaces the connection and the next query reports.
 */
export function createPool(url: string, settings: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.max,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    application_name: settings.applicationName,
    // Awaited by the pool before the connection is handed out.
    onConnect: async (client) => {
      await client.query(
        `SELECT set_config('synchronous_commit', 'local', false) WHERE current_setting('synchronous_commit') = 'off'`,
      );
    },
  });
  pool.on('error', () => {});
  return pool;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT', // a Unix socket path that does not exist
]);

/**
 * Whether `error` says the server is out of reach rather than that a statement failed: a network error, a
 * connection timeout or drop, SQLSTATE class 08 (connection), 28 (authorization), 3D000 (no such database),
 * 53300 (too many connections), 57P01–57P03 (shutting down, starting up).
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || code.startsWith('08') || code.startsWith('28')) return true;
    if (code === '3D000' || code === '53300' || /^57P0[123]$/.test(code)) return true;
  }
  return /Connection terminated|timeout expired|Client has encountered a connection error/i.test(error.message);
}

/** The error the CLI reports for a server it cannot use: names the server, never the password. */
export function connectionError(target: PostgresTarget, error: unknown): PostgresStateError {
  return new PostgresStateError(
    target.where,
    `cannot connect to PostgreSQL at ${target.where}: ${redact(reasonOf(error), target.secrets)}`,
    { cause: error },
  );
}

/** The message of `error`, or of its first inner error (Node reports a refused dual-stack connect as an AggregateError). */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    const inner: unknown = error.errors[0];
    return inner === undefined ? 'unknown error' : reasonOf(inner);
  }
  if (error instanceof Error) return error.message || String((error as { code?: unknown }).code ?? error.name);
  return String(error);
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
