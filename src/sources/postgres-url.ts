import { atAfterHost, ENCODE_PASSWORD_HINT, REDACTED, redactUrl, urlSecrets } from '../errors/redact.js';
import { SourceError } from './errors.js';

const SCHEME = /^postgres(ql)?:\/\//i;
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE_VARIABLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** Query parameters libpq takes a secret from besides `password` (which redactUrl knows): the client key's passphrase. */
const SECRET_PARAMS = ['sslpassword'];

/** A `postgresql://` (or `postgres://`) input, `${VAR}`s not substituted yet; a `${VAR}` alone may hold one too. */
export function isPostgresInput(input: string, env: NodeJS.ProcessEnv): boolean {
  if (SCHEME.test(input)) return true;
  const whole = WHOLE_VARIABLE.exec(input);
  return whole !== null && SCHEME.test(env[whole[1] ?? ''] ?? '');
}

/** Where a PostgreSQL input connects, resolved: what `pg` is given, what messages show, what they never show. */
export interface PostgresLocation {
  /** The URL with `${VAR}`s substituted and the libpq `PG*` variables filling what it leaves out. */
  url: string;
  /** The URL as given, password redacted: the input's name in messages, logs and the report. */
  label: string;
  /** `host:port/database`, for connection messages. */
  where: string;
  /** Every secret the URL or the environment put in it. */
  secrets: string[];
}

/**
 * Substitutes `${VAR}` from `env` (a value inside the URL percent-encoded, so a password with `@` or `/` stays one;
 * a `${VAR}` that is the whole input is a URL already), then fills what the URL leaves out from `PGHOST`, `PGPORT`,
 * `PGUSER`, `PGPASSWORD` and `PGDATABASE`, as libpq does. A missing variable or a malformed URL throws a SourceError
 * whose message never holds a secret.
 */
export function resolvePostgresLocation(input: string, env: NodeJS.ProcessEnv): PostgresLocation {
  const missing: string[] = [];
  const value = (name: string): string => {
    const found = env[name];
    if (found === undefined) missing.push(name);
    return found ?? '';
  };
  const whole = WHOLE_VARIABLE.exec(input);
  const substituted = whole !== null ? value(whole[1] ?? '') : input.replace(VARIABLE, (_match, name: string) => encodeURIComponent(value(name)));
  const given = shownUrl(substituted);
  if (missing.length > 0) {
    throw new SourceError(shownUrl(input), `the PostgreSQL input names ${missing.map((name) => `\${${name}}`).join(', ')}, not set in the environment`);
  }
  let url: URL;
  try {
    url = new URL(substituted);
  } catch {
    throw new SourceError(
      '(PostgreSQL URL)',
      'the PostgreSQL input is not a valid URL: expected postgresql://user@host:port/database (the password from ${VAR} or PGPASSWORD)',
    );
  }
  if (atAfterHost(url)) {
    throw new SourceError('(PostgreSQL URL)', `the PostgreSQL input has an @ after its host: ${ENCODE_PASSWORD_HINT}, or give it as \${VAR} or PGPASSWORD`);
  }
  if (!SCHEME.test(substituted)) {
    throw new SourceError(given, `the PostgreSQL input must start with postgresql:// or postgres://, not ${url.protocol}//`);
  }
  const param = (name: string): string | undefined => url.searchParams.get(name) || undefined;
  // As query parameters (which pg reads as its settings of the same names): a URL without a host cannot take a user
  // or a port in its authority.
  const fill = (name: string, present: boolean, variable: string | undefined): void => {
    if (!present && param(name) === undefined && variable) url.searchParams.set(name, variable);
  };
  fill('host', url.hostname !== '', env.PGHOST);
  fill('port', url.port !== '', env.PGPORT);
  fill('user', url.username !== '', env.PGUSER);
  fill('password', url.password !== '', env.PGPASSWORD);
  // pg reads the database from the path only.
  if ((url.pathname === '' || url.pathname === '/') && env.PGDATABASE) url.pathname = `/${encodeURIComponent(env.PGDATABASE)}`;
  const resolved = url.toString();
  const host = decode(url.hostname) || param('host') || 'localhost';
  const port = url.port || param('port') || '5432';
  const user = decode(url.username) || param('user') || '';
  const database = decode(url.pathname.slice(1)) || user;
  const paramSecrets = SECRET_PARAMS.flatMap((name) => url.searchParams.getAll(name));
  const secrets = [...urlSecrets(resolved), ...urlSecrets(substituted), ...paramSecrets, ...(env.PGPASSWORD ? [env.PGPASSWORD] : [])];
  return { url: resolved, label: given, where: `${host}:${port}/${database}`, secrets: [...new Set(secrets)] };
}

/** The URL fit to show: redactUrl's redactions, and the value of every SECRET_PARAMS parameter replaced too. */
function shownUrl(text: string): string {
  const shown = redactUrl(text);
  let url: URL;
  try {
    url = new URL(shown);
  } catch {
    return shown;
  }
  const present = SECRET_PARAMS.filter((name) => url.searchParams.has(name));
  if (present.length === 0) return shown;
  for (const name of present) url.searchParams.set(name, REDACTED);
  return url.toString().split(encodeURIComponent(REDACTED)).join(REDACTED);
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Settings of a URL that change which rows a query sees (`options=-c search_path=…`); the others are left out of the key. */
const KEYED_SETTINGS = ['options'];

/**
 * The input as a `--since-last-run` watermark's key: `postgresql://host:port/database`, plus the settings that change
 * what a query reads. No user, no password, no other query parameter (sslpassword and the like): the key is stored
 * in the state and shown nowhere secret. Another user or password reading the same database keeps the watermark.
 */
export function watermarkInput(location: PostgresLocation): string {
  const url = new URL(location.url);
  const param = (name: string): string | undefined => url.searchParams.get(name) || undefined;
  const host = (decode(url.hostname) || param('host') || 'localhost').toLowerCase();
  const port = url.port || param('port') || '5432';
  const database = decode(url.pathname.slice(1)) || decode(url.username) || param('user') || '';
  const settings = new URLSearchParams();
  for (const name of KEYED_SETTINGS) {
    const value = param(name);
    if (value !== undefined && !location.secrets.some((secret) => secret !== '' && value.includes(secret))) settings.set(name, value);
  }
  const query = settings.size > 0 ? `?${settings.toString()}` : '';
  return `postgresql://${host}:${port}/${encodeURIComponent(database)}${query}`;
}
