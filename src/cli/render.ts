import type { PlannedRequest, ProviderCounts, SyncReport } from '../job/report.js';
import type { ProviderId } from '../provider-id.js';
import type { Adapter } from '../adapter/adapter.js';
import { REDACTED } from '../errors/redact.js';

const COLUMNS = ['created', 'updated', 'unchanged', 'skipped', 'failed', 'requests', 'retries'] as const;

/** A dry run sends nothing: its columns say what would happen (requests and retries would all be 0). */
const DRY_RUN_COLUMNS = [
  ['created', 'would create'],
  ['updated', 'would update'],
  ['unchanged', 'unchanged'],
  ['skipped', 'would skip'],
  ['failed', 'would fail'],
] as const;

/** Failures the summary shows one by one; the report lists them all (up to its cap). */
export const SUMMARY_FAILURES = 10;

/** What the summary says beyond the report: where the report is, which config keys hold each provider's credentials. */
export interface SummaryContext {
  /** Per provider, the config keys of its credentials (`token`; `apiKey`, `accountId`): named when it refused them. */
  credentials?: Partial<Record<ProviderId, readonly string[]>> | undefined;
  /** Where the report was written (`--report`), if it was. */
  reportPath?: string | undefined;
  /** What an invalid record's number counts: input lines (files), or rows of a PostgreSQL result. @default 'line' */
  recordUnit?: 'line' | 'row' | undefined;
}

/**
 * The summary printed at the end of a run: first what stopped a provider (refused credentials), then the counts,
 * then why: each skip reason with its customers, the first invalid records and the first failures with their
 * messages. A dry run's says what would happen.
 */
export function summaryTable(report: SyncReport, context: SummaryContext = {}): string {
  const dry = report.dryRun;
  const columns: ReadonlyArray<readonly [keyof ProviderCounts, string]> = dry ? DRY_RUN_COLUMNS : COLUMNS.map((column) => [column, column] as const);
  const rows: string[][] = [['provider', ...columns.map(([, title]) => title)]];
  for (const [id, counts] of Object.entries(report.providers)) {
    rows.push([id, ...columns.map(([column]) => String(counts?.[column] ?? 0))]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  const seconds = ((Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000).toFixed(1);
  const refused = refusedCredentials(report, context);
  const head = [
    `${dry ? 'Dry run: nothing was sent. ' : ''}${report.records.read} records read, ${report.records.invalid} invalid, in ${seconds} s${report.interrupted ? ' (interrupted: rerun to finish)' : ''}`,
  ];
  if (report.watermark) head.push(watermarkLine(report.watermark));
  const seeReport = context.reportPath === undefined ? 'see the report (--report FILE or --json)' : `see the report (${context.reportPath})`;
  const notes: string[] = [];
  for (const skip of report.skipped) {
    notes.push(`${dry ? 'would skip' : 'skipped'} at ${skip.provider} (${skip.count}): ${oneLine(skip.reason)}`);
    const ids = skip.customerIds ?? [];
    if (ids.length > 0) notes.push(`  ${ids.join(', ')}${skip.count > ids.length ? ` and ${skip.count - ids.length} more` : ''}`);
  }
  for (const invalid of report.invalid.slice(0, 5)) {
    const issues = invalid.issues.map((issue) => `${issue.path || '(record)'}: ${issue.message}`).join('; ');
    notes.push(`invalid ${context.recordUnit ?? 'line'} ${invalid.line}${invalid.customerId === undefined ? '' : ` (${invalid.customerId})`}: ${issues}`);
  }
  if (report.records.invalid > 5) notes.push(`… and ${report.records.invalid - 5} more invalid records, ${seeReport}`);
  const shown = report.failures.slice(0, SUMMARY_FAILURES);
  for (const failure of shown) {
    const status = failure.status === undefined ? '' : `, HTTP ${failure.status}`;
    notes.push(`${dry ? 'would fail' : 'failed'} ${failure.provider} ${failure.customerId} (${failure.kind}${status}): ${oneLine(failure.message)}`);
  }
  const failed = Object.values(report.providers).reduce((sum, c) => sum + (c?.failed ?? 0), 0);
  if (failed > shown.length) notes.push(`… and ${failed - shown.length} more failures, ${seeReport}`);
  return [...(refused.length > 0 ? [...refused, ''] : []), ...head, '', ...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

/**
 * One line per provider that refused the credentials: the pipeline halts such a provider for the rest of the run,
 * so every record after it failed unsent, and the fix is in the config, not in the data.
 */
function refusedCredentials(report: SyncReport, context: SummaryContext): string[] {
  const lines: string[] = [];
  for (const provider of Object.keys(report.providers)) {
    const refusals = report.failures.filter((failure) => failure.provider === provider && failure.kind === 'auth');
    if (refusals.length === 0) continue;
    const status = refusals.find((failure) => failure.status !== undefined)?.status;
    const keys = context.credentials?.[provider] ?? [];
    const check = keys.length === 0 ? `its credentials in providers.${provider}` : keys.map((key) => `providers.${provider}.${key}`).join(' and ');
    lines.push(
      `${provider} refused the credentials${status === undefined ? '' : ` (HTTP ${status})`}: nothing was sent to it after that; check ${check}`,
    );
  }
  return lines;
}

/** Where `--since-last-run` read from and where the next run will: the operator's check that the night moved on. */
function watermarkLine(watermark: NonNullable<SyncReport['watermark']>): string {
  const read = watermark.from === null ? 'every row' : `rows with ${watermark.column} >= ${watermark.from}`;
  // Not saved: a dry run, --only or --customers (which confirm nothing at every provider), or a watermark that did not move.
  const next = watermark.saved && watermark.to !== null ? `the next run reads ${watermark.column} >= ${watermark.to}` : 'watermark kept as it was';
  const nulls = watermark.nullRows > 0 ? `; ${watermark.nullRows} rows with ${watermark.column} NULL, which no watermark selects` : '';
  return `read ${read}; ${next}${nulls}`;
}

/** A message on one line of the summary. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/**
 * The keys of an adapter's options that hold its credentials: those whose value is one of its secrets or is sent in
 * its auth headers (an account id next to a key). Names only, for a message; never a value.
 */
export function credentialKeys(adapter: Adapter): string[] {
  const { definition, options } = adapter;
  const secrets = new Set(definition.secrets(options as never));
  let headerValues: string[] = [];
  try {
    const auth = definition.auth(options as never);
    headerValues = Object.values(auth.headers(auth.token ?? REDACTED));
  } catch {
    // An auth that cannot be described without a network (it never should): the secrets alone then.
  }
  return Object.entries(options as Record<string, unknown>)
    .filter(([, value]) => typeof value === 'string' && value !== '' && (secrets.has(value) || headerValues.some((header) => header === value || header.split(' ').includes(value))))
    .map(([key]) => key);
}

/** A dry run's request, as it would go on the wire: URL, headers with credentials redacted, body. */
export function describePlanned(planned: PlannedRequest, adapters: ReadonlyMap<ProviderId, Adapter>): string {
  const adapter = adapters.get(planned.provider);
  const { request } = planned;
  const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
  const url = `${adapter?.options.baseUrl ?? ''}${request.path}${query}`;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (request.body !== undefined) headers['Content-Type'] = 'application/json';
  if (adapter) {
    for (const name of Object.keys(adapter.definition.auth(adapter.options).headers(REDACTED))) headers[name] = REDACTED;
    const idempotency = adapter.definition.idempotencyHeader;
    if (idempotency && request.method !== 'GET') headers[idempotency] = '(a key made when sent)';
  }
  const lines = [`${planned.customerId} → ${planned.provider}: ${request.method} ${url}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`  ${name}: ${value}`);
  if (request.body !== undefined) lines.push(`  ${JSON.stringify(request.body)}`);
  return lines.join('\n');
}
