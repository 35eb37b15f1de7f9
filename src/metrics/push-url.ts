import { CustomerSyncError } from '../errors/customer-sync-error.js';
import { redactUrl } from '../errors/redact.js';

/** `--metrics-push` is not a URL a Pushgateway can be reached at (exit 2 before anything runs). */
export class PushUrlError extends CustomerSyncError {
  override name = 'PushUrlError';
}

/**
 * The Pushgateway `sync --metrics-push` names: http:// or https://, with a host; a path is kept (a gateway behind a
 * prefix). Loads no metrics code, so a bad URL stops the run before anything is opened. The message shows the URL
 * with its password redacted, or nothing of it when it does not parse (where the password is cannot be told).
 */
export function parsePushUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PushUrlError('invalid', '--metrics-push must be a URL such as http://pushgateway:9091 (the value given does not parse as one)');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new PushUrlError('invalid', `--metrics-push must be an http:// or https:// URL of a Pushgateway, such as http://pushgateway:9091, not ${redactUrl(value)}`);
  }
  return url;
}
