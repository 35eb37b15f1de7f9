import { maskPersonalData } from '../errors/mask.js';
import type { PushResult } from '../push/engine.js';
import type { OutcomesBody } from './schemas.js';

/**
 * A push's outcomes as the service answers them: per provider, its status, the id it has for the customer, and a
 * failure's kind, HTTP status and message. Messages are already redacted of credentials by the pipeline; emails and
 * phone numbers a provider echoed are masked here, as in the report.
 */
export function outcomesBody(result: PushResult): OutcomesBody {
  const providers: OutcomesBody['providers'] = {};
  for (const [id, outcome] of Object.entries(result.providers)) {
    if (outcome === undefined) continue;
    const { status, providerId, reason, error, warnings, requests, retries } = outcome;
    providers[id] = {
      status,
      ...(providerId === undefined ? {} : { providerId }),
      ...(reason === undefined ? {} : { reason: maskPersonalData(reason) }),
      ...(error === undefined
        ? {}
        : { error: { kind: error.kind, ...(error.status === undefined ? {} : { status: error.status }), message: maskPersonalData(error.message) } }),
      warnings: warnings.map(maskPersonalData),
      requests,
      retries,
    };
  }
  return { customerId: result.customerId, providers };
}
