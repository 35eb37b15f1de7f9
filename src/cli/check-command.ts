import type { Adapter } from '../adapter/adapter.js';
import type { AuthSpec, RequestSpec, RetryOptions } from '../adapter/definition.js';
import { CustomerSyncError } from '../errors/customer-sync-error.js';
import { SyncEvents } from '../events.js';
import type { Customer } from '../model/types.js';
import { ProviderPipeline } from '../pipeline/pipeline.js';
import type { PipelineHooks, PipelineResponse } from '../pipeline/types.js';
import type { ProviderId } from '../provider-id.js';
import { loadConfigFile } from './config-file.js';
import { writeLine, type CliIo } from './io.js';

export interface CheckFlags {
  config: string;
  json?: boolean | undefined;
}

/**
 * One provider's answer to `customer-sync check`: `ok` (the credentials were accepted), `refused` (the provider
 * refused them, or refused the probe), `unreachable` (network, timeout, 5xx, 429: nothing said about them), or
 * `unchecked` (the provider has no request that proves them without writing).
 */
export interface ProbeResult {
  provider: ProviderId;
  status: 'ok' | 'refused' | 'unreachable' | 'unchecked';
  /** What was sent: `token exchange (POST /auth/login)`, `lookup (GET /customer)`; `undefined` when nothing was. */
  probe?: string | undefined;
  /** Why, in words; credentials redacted, emails and phones masked. */
  reason: string;
}

/**
 * The customer a lookup probe asks for: an address that cannot exist (`.invalid` is reserved, RFC 2606) and an id
 * no one uses, so the lookup finds nobody, and never touches a real customer.
 */
export const PROBE_CUSTOMER: Customer = { id: 'customer-sync-check', email: 'customer-sync-check@example.invalid' };

/** A check is interactive: one retry, soon, rather than the sync's patience. The adapter's timeout still applies. */
const CHECK_RETRY: Required<RetryOptions> = { retries: 1, minDelayMs: 250, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };

/**
 * Probes one configured provider's credentials with the cheapest request it has that writes nothing: its token
 * exchange when it is configured with one; else a lookup (page 1) of `PROBE_CUSTOMER`; else nothing. Sent through
 * the provider's pipeline (its rate limit, timeout, retry of what is safe, and redaction); never throws for the
 * provider's answer.
 */
export async function probeProvider(adapter: Adapter, hooks?: PipelineHooks): Promise<ProbeResult> {
  const { definition, options } = adapter;
  const provider = adapter.id;
  const auth = definition.auth(options as never);
  let spec: RequestSpec;
  let what: 'token exchange' | 'lookup';
  let pipelineAuth: AuthSpec;
  if (auth.exchange !== undefined) {
    // The exchange itself is the request: sent as the pipeline sends it (no auth headers; its own headers and body).
    spec = auth.exchange.request;
    what = 'token exchange';
    pipelineAuth = { headers: () => ({}) };
  } else if (definition.lookup !== undefined) {
    spec = definition.lookup.request(PROBE_CUSTOMER, 1);
    what = 'lookup';
    pipelineAuth = auth;
  } else {
    return {
      provider,
      status: 'unchecked',
      reason: `cannot be checked without writing (${definition.name} has no token exchange and no lookup)`,
    };
  }
  const probe = `${what} (${spec.method} ${spec.path})`;
  const pipeline = new ProviderPipeline(
    {
      provider,
      name: definition.name,
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      rateLimit: options.rateLimit,
      retry: CHECK_RETRY,
      auth: pipelineAuth,
      secrets: definition.secrets(options as never),
      errorMessage: (status, body) => definition.errorMessage(status, body),
      errorKind: definition.errorKind && ((status, body) => definition.errorKind?.(status, body)),
    },
    new SyncEvents(),
    hooks,
  );
  try {
    const response = await pipeline.send(spec);
    return { provider, probe, ...judge(response) };
  } catch (error) {
    if (!(error instanceof CustomerSyncError)) throw error;
    const status = error.kind === 'auth' ? 'refused' : 'unreachable';
    return { provider, probe, status, reason: withoutWhere(error.message) };
  } finally {
    await pipeline.close();
  }

  /** A 2xx, or a 4xx other than 401/403 (the pipeline throws for those, and for 5xx, 429 and network failures). */
  function judge(response: PipelineResponse): Pick<ProbeResult, 'status' | 'reason'> {
    const { status, body } = response;
    const ok = status >= 200 && status <= 299;
    if (what === 'token exchange') {
      if (!ok) return { status: 'refused', reason: refusal(status, body, 'the token exchange was refused') };
      let token: string | undefined;
      try {
        token = auth.exchange?.parse(body)?.token;
      } catch {
        token = undefined;
      }
      return token
        ? { status: 'ok', reason: `credentials accepted (HTTP ${status}, a token issued)` }
        : { status: 'refused', reason: `answered HTTP ${status} without a token` };
    }
    if (ok) return { status: 'ok', reason: `credentials accepted (HTTP ${status})` };
    const kind = definition.errorKind?.(status, body);
    if (kind === 'auth') return { status: 'refused', reason: refusal(status, body, 'refused the credentials') };
    // Nobody has the made-up customer: a provider that says so with a 404 has accepted the credentials first.
    if (status === 404 || kind === 'not_found') return { status: 'ok', reason: `credentials accepted (HTTP ${status}: no such customer, as expected)` };
    return { status: 'refused', reason: refusal(status, body, 'the lookup was refused') };
  }

  function refusal(status: number, body: unknown, summary: string): string {
    return withoutWhere(pipeline.errorForResponse(status, body, { request: spec }, `${summary} (HTTP ${status})`).message);
  }

  /** An error's message without its `Name METHOD /path: ` opening, which `probe` says already. */
  function withoutWhere(message: string): string {
    const where = `${definition.name} ${spec.method} ${spec.path}: `;
    return message.startsWith(where) ? message.slice(where.length) : message;
  }
}

/**
 * `customer-sync check --config FILE`: validates the config (exit 2 when it is not valid, as `sync` would), then
 * probes every configured provider at once (`probeProvider`) and prints one aligned line each. Exit 0 when every
 * provider that could be checked accepted its credentials, 1 when one refused them or could not be reached.
 */
export async function checkCommand(flags: CheckFlags, io: CliIo): Promise<number> {
  const { adapters } = await loadConfigFile(flags.config, io);
  const results = await Promise.all(adapters.map((adapter) => probeProvider(adapter)));
  const failed = results.filter((result) => result.status === 'refused' || result.status === 'unreachable').length;
  if (flags.json) {
    writeLine(io.stdout, JSON.stringify(results, null, 2));
    return failed > 0 ? 1 : 0;
  }
  const rows = results.map((result) => [
    result.provider,
    result.status === 'unchecked' ? 'not checked' : result.status,
    oneLine(result.probe === undefined ? result.reason : `${result.probe}: ${result.reason}`),
  ]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) writeLine(io.stdout, `${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]}`);
  const count = (status: ProbeResult['status']): number => results.filter((result) => result.status === status).length;
  const tally = [
    `${count('ok')} ok`,
    ...(count('refused') > 0 ? [`${count('refused')} refused`] : []),
    ...(count('unreachable') > 0 ? [`${count('unreachable')} unreachable`] : []),
    ...(count('unchecked') > 0 ? [`${count('unchecked')} not checked`] : []),
  ];
  writeLine(io.stdout);
  writeLine(io.stdout, `${tally.join(', ')}.`);
  return failed > 0 ? 1 : 0;
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
