import type { Progress } from '../job/run-sync.js';
import type { PlannedRequest, SyncReport } from '../job/report.js';
import type { ProviderId } from '../provider-id.js';
import type { Adapter } from '../adapter/adapter.js';
import { REDACTED } from '../errors/redact.js';

/** One status line: records read, sent, failed, rate, and per provider sent/failed. */
export function progressLine(progress: Readonly<Progress>, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? Math.round((progress.done * 1000) / elapsedMs) : 0;
  const providers = Object.entries(progress.perProvider)
    .map(([id, c]) => `${id} ${c?.sent ?? 0}${c && c.failed > 0 ? `/${c.failed}✗` : ''}`)
    .join('  ');
  return `read ${progress.read}  invalid ${progress.invalid}  sent ${progress.sent}  failed ${progress.failed}  ${rate}/s  | ${providers}`;
}

const COLUMNS = ['created', 'updated', 'unchanged', 'skipped', 'failed', 'requests', 'retries'] as const;

/** The summary table printed at the end of a run. */
export function summaryTable(report: SyncReport): string {
  const rows: string[][] = [['provider', ...COLUMNS]];
  for (const [id, counts] of Object.entries(report.providers)) {
    rows.push([id, ...COLUMNS.map((column) => String(counts?.[column] ?? 0))]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  const seconds = ((Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000).toFixed(1);
  const head = [
    `${report.dryRun ? 'Dry run: nothing was sent. ' : ''}${report.records.read} records read, ${report.records.invalid} invalid, in ${seconds} s${report.interrupted ? ' (interrupted: rerun to finish)' : ''}`,
  ];
  const notes: string[] = [];
  for (const skip of report.skipped) notes.push(`skipped at ${skip.provider} (${skip.count}): ${skip.reason}`);
  for (const invalid of report.invalid.slice(0, 5)) {
    const issues = invalid.issues.map((issue) => `${issue.path || '(record)'}: ${issue.message}`).join('; ');
    notes.push(`invalid line ${invalid.line}${invalid.customerId === undefined ? '' : ` (${invalid.customerId})`}: ${issues}`);
  }
  if (report.records.invalid > 5) notes.push(`… and ${report.records.invalid - 5} more invalid records (see the report)`);
  for (const failure of report.failures.slice(0, 5)) {
    notes.push(`failed ${failure.provider} ${failure.customerId}: ${failure.kind}${failure.status ? ` ${failure.status}` : ''}`);
  }
  const failed = Object.values(report.providers).reduce((sum, c) => sum + (c?.failed ?? 0), 0);
  if (failed > 5) notes.push(`… and ${failed - 5} more failures (see the report)`);
  return [...head, '', ...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
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

/**
 * The live progress line on a terminal's stderr, redrawn at most every 100 ms; `undefined` callbacks when the
 * output is not a terminal (or the report goes to stdout as JSON).
 */
export function progressDrawer(stderr: { write(text: string): unknown }, enabled: boolean) {
  const started = Date.now();
  let lastDraw = 0;
  return {
    onProgress: enabled
      ? (progress: Readonly<Progress>): void => {
          const now = Date.now();
          if (now - lastDraw < 100) return;
          lastDraw = now;
          stderr.write(`\r\x1b[2K${progressLine(progress, now - started)}`);
        }
      : undefined,
    clear(): void {
      if (enabled) stderr.write('\r\x1b[2K');
    },
  };
}
