import { maskPersonalData } from '../errors/mask.js';
import type { RequestSpec } from '../adapter/definition.js';
import type { ErrorKind } from '../errors/kinds.js';
import type { ValidationIssue } from '../model/types.js';
import type { ProviderId } from '../provider-id.js';
import type { PushResult } from '../push/engine.js';

export interface ProviderCounts {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  requests: number;
  retries: number;
}

export interface ReportFailure {
  customerId: string;
  provider: ProviderId;
  kind: ErrorKind;
  status?: number | undefined;
  message: string;
}

export interface ReportInvalid {
  line: number;
  customerId?: string | undefined;
  issues: ValidationIssue[];
}

export interface ReportWarning {
  customerId: string;
  provider: ProviderId;
  message: string;
}

/** Records a provider skipped for one reason. */
export interface ReportSkip {
  provider: ProviderId;
  reason: string;
  /** Exact. */
  count: number;
  /** The first `SKIPPED_IDS_CAP` customers skipped for this reason, in the order they were met; `count` says how many there were. */
  customerIds: string[];
}

/** With `--dry-run`: a request that would have been sent. */
export interface PlannedRequest {
  customerId: string;
  provider: ProviderId;
  request: RequestSpec;
}

/**
 * With `--since-last-run`: the watermark this run read from (`from`, null when it read every row: a first night or
 * `--full`) and the one the next run reads from (`to`), as PostgreSQL prints the column's values.
 */
export interface ReportWatermark {
  column: string;
  /** The column's PostgreSQL type, which `to` is bound as. */
  type: string;
  from: string | null;
  to: string | null;
  /** Whether `to` was stored: never by a dry run, `--only` or `--customers`, nor when it did not move. */
  saved: boolean;
  /** Rows whose column is NULL, which no watermark selects. */
  nullRows: number;
}

/** The sync report (DESIGN §6). Lists are capped so a run over millions of bad records keeps bounded memory. */
export interface SyncReport {
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  /** Stopped by SIGINT/SIGTERM before the input was read to the end. */
  interrupted: boolean;
  records: { read: number; invalid: number };
  providers: Record<ProviderId, ProviderCounts>;
  failures: ReportFailure[];
  invalid: ReportInvalid[];
  warnings: ReportWarning[];
  /** Why records were skipped, counted per provider and reason. */
  skipped: ReportSkip[];
  /** Entries left out of `failures`, `invalid`, `warnings` (and, in a dry run, `planned`) past the cap. */
  truncated: { failures: number; invalid: number; warnings: number; planned?: number };
  /**
   * With `--dry-run`: the requests that would have been sent, the first `LIST_CAP` of them; `truncated.planned`
   * counts the rest (the CLI prints every one as it is planned, so the text output leaves none out).
   */
  planned?: PlannedRequest[];
  /** With `--since-last-run`. */
  watermark?: ReportWatermark;
}

/** Entries kept per list; the counts stay exact past it. */
export const LIST_CAP = 10_000;

/** Customer ids kept per skip reason (`skipped[].customerIds`); its `count` stays exact. */
export const SKIPPED_IDS_CAP = 10;

type CappedList = 'failures' | 'invalid' | 'warnings' | 'planned';

const emptyCounts = (): ProviderCounts => ({ created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, requests: 0, retries: 0 });

/** Accumulates a run's outcomes into the report. */
export class ReportBuilder {
  readonly report: SyncReport;
  readonly #skipped = new Map<string, ReportSkip>();

  constructor(providers: readonly ProviderId[], dryRun: boolean, now = new Date()) {
    this.report = {
      startedAt: now.toISOString(),
      finishedAt: now.toISOString(),
      dryRun,
      interrupted: false,
      records: { read: 0, invalid: 0 },
      providers: Object.fromEntries(providers.map((id) => [id, emptyCounts()])),
      failures: [],
      invalid: [],
      warnings: [],
      skipped: [],
      truncated: { failures: 0, invalid: 0, warnings: 0, ...(dryRun ? { planned: 0 } : {}) },
      ...(dryRun ? { planned: [] } : {}),
    };
  }

  read(): void {
    this.report.records.read += 1;
  }

  invalid(entry: ReportInvalid): void {
    this.report.records.invalid += 1;
    this.#push('invalid', entry);
  }

  result(result: PushResult): void {
    for (const [provider, outcome] of Object.entries(result.providers) as Array<[ProviderId, NonNullable<PushResult['providers'][ProviderId]>]>) {
      const counts = (this.report.providers[provider] ??= emptyCounts());
      counts[outcome.status] += 1;
      counts.requests += outcome.requests;
      counts.retries += outcome.retries;
      const customerId = result.customerId;
      for (const message of outcome.warnings) this.#push('warnings', { customerId, provider, message });
      if (outcome.status === 'failed' && outcome.error) {
        const { kind, status, message } = outcome.error;
        this.#push('failures', { customerId, provider, kind, status, message: maskPersonalData(message) });
      }
      if (outcome.status === 'skipped') this.#countSkip(provider, outcome.reason ?? 'skipped', customerId);
      if (this.report.dryRun) for (const request of outcome.planned ?? []) this.#push('planned', { customerId, provider, request });
    }
  }

  /** A record skipped unread because its line is the one every provider already confirmed. */
  unchangedEverywhere(): void {
    for (const counts of Object.values(this.report.providers)) counts.unchanged += 1;
  }

  finish(interrupted: boolean, now = new Date()): SyncReport {
    this.report.finishedAt = now.toISOString();
    this.report.interrupted = interrupted;
    this.report.skipped = [...this.#skipped.values()];
    return this.report;
  }

  #countSkip(provider: ProviderId, reason: string, customerId: string): void {
    const key = `${provider}\u0000${reason}`;
    const entry = this.#skipped.get(key);
    if (!entry) {
      this.#skipped.set(key, { provider, reason, count: 1, customerIds: [customerId] });
      return;
    }
    entry.count += 1;
    if (entry.customerIds.length < SKIPPED_IDS_CAP) entry.customerIds.push(customerId);
  }

  #push<K extends CappedList>(list: K, entry: NonNullable<SyncReport[K]>[number]): void {
    const target = (this.report[list] ??= []) as Array<NonNullable<SyncReport[K]>[number]>;
    if (target.length < LIST_CAP) target.push(entry);
    else this.report.truncated[list] = (this.report.truncated[list] ?? 0) + 1;
  }
}

/** Exit code (DESIGN §6): 0 all delivered, unchanged or skipped; 1 something invalid or failed (`strict`: skipped too). */
export function exitCodeFor(report: SyncReport, strict: boolean): 0 | 1 {
  if (report.interrupted || report.records.invalid > 0) return 1;
  for (const counts of Object.values(report.providers)) {
    if (counts.failed > 0 || (strict && counts.skipped > 0)) return 1;
  }
  return 0;
}
