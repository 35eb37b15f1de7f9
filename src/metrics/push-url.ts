import { CustomerSyncError } from '../errors/customer-sync-error.js';
import { atAfterHost, ENCODE_PASSWORD_HINT, redactUrl } from '../errors/redact.js';

/** `--metrics-push` is not a URL a Pushgateway can be reached at (exit 2 before anything runs). */
export class PushUrlError extends CustomerSyncError {
  override name = 'PushUrlError';
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const EXAMPLE = 'http://pushgateway:9091';

/**
 * The Pushgateway `sync --metrics-push` names: http:// or https://, with a host; a path is kept (a gateway behind a
 * prefix). `${VAR}`s come from `env`, percent-encoded (a password with `@` or `/` stays a password), so a password
 * need not be on the command line. Loads no metrics code, so a bad URL stops the run before anything is opened. A
 * message shows the URL with its password redacted, or nothing of it when it does not parse (where the password
 * ends cannot be told).
 */
export function parsePushUrl(value: string, env: NodeJS.ProcessEnv = {}): URL {
  const missing = [...value.matchAll(VARIABLE)].map((match) => match[1] ?? '').filter((name) => env[name] === undefined);
  if (missing.length > 0) {
    const names = [...new Set(missing)].map((name) => `\${${name}}`).join(', ');
    throw new PushUrlError('invalid', `--metrics-push names ${names}, not set in the environment`);
  }
  const substituted = value.replace(VARIABLE, (_match, name: string) => encodeURIComponent(env[name] ?? ''));
  let url: URL;
  try {
    url = new URL(substituted);
  } catch {
    throw new PushUrlError('invalid', `--metrics-push must be a URL such as ${EXAMPLE} (the value given does not parse as one)`);
  }
  if (atAfterHost(url, { query: true })) {
    throw new PushUrlError('invalid', `--metrics-push has an @ after its host: ${ENCODE_PASSWORD_HINT}, or give it as \${VAR}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new PushUrlError('invalid', `--metrics-push must be an http:// or https:// URL of a Pushgateway, such as ${EXAMPLE}, not ${redactUrl(substituted)}`);
  }
  return url;
}
