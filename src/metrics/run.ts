import { Gauge, Pushgateway, Registry } from 'prom-client';
import { redact, redactUrl, urlSecrets } from '../errors/redact.js';
import type { SyncEvents } from '../events.js';
import type { SyncReport } from '../job/report.js';
import type { ProviderId } from '../provider-id.js';
import { createInstruments, OUTCOMES, PREFIX, type Instruments } from './instruments.js';
import { observeEvents } from './observe.js';

/** The Pushgateway job every sync run pushes under. */
export const PUSH_JOB = 'customer-sync';
/**
 * The group the last success lives in, apart from the run's: each run replaces its own group whole (PUT), so no
 * series of an earlier run survives into this one's, and a failed run leaves the last success where it was.
 */
export const SUCCESS_GROUP = { result: 'success' } as const;
/** A push waits this long for the gateway at most. */
export const PUSH_TIMEOUT_MS = 10_000;

/** What of a report the pushed metrics say. */
export type RunReport = Pick<SyncReport, 'startedAt' | 'finishedAt' | 'records' | 'providers' | 'failures'>;

/**
 * The metrics of one `sync --metrics-push` run: the pipeline's (requests, latency, retries, 429 pauses, rate) from
 * the engine's events while it runs, then at the end the report's outcomes and records and the run's own gauges,
 * pushed to a Pushgateway.
 */
export class SyncRunMetrics {
  readonly registry = new Registry();
  readonly #instruments: Instruments;
  readonly #stop: (() => void) | undefined;

  /**
   * `events`: the engine's, when this process delivers (not with `--queue`: the workers send, and their own
   * /metrics count it).
   */
  constructor(events: SyncEvents | undefined) {
    this.#instruments = createInstruments(this.registry);
    // Outcomes come from the report, which also counts the lines skipped unread as unchanged (they emit no event).
    this.#stop = events && observeEvents(this.#instruments, events, { countOutcomes: false });
  }

  /**
   * Sets the run's series from its report and exit code, then pushes them: the run's group replaced whole, and on
   * exit code 0 the last success's group. Never rejects: a failed push is the warning it resolves with (the URL's
   * credentials redacted), and the run's exit code stays its own.
   */
  async push(url: URL, report: RunReport, exitCode: number): Promise<string | undefined> {
    this.#stop?.();
    this.#record(report, exitCode);
    const gateway = new Pushgateway(url.toString(), { timeout: PUSH_TIMEOUT_MS }, this.registry);
    try {
      await gateway.push({ jobName: PUSH_JOB });
      if (exitCode === 0) {
        const success = new Registry();
        lastSuccess(success).set(Date.parse(report.finishedAt) / 1000);
        await new Pushgateway(url.toString(), { timeout: PUSH_TIMEOUT_MS }, success).push({ jobName: PUSH_JOB, groupings: SUCCESS_GROUP });
      }
      return undefined;
    } catch (error) {
      const why = redact(error instanceof Error ? error.message : String(error), urlSecrets(url.toString()));
      return `could not push the metrics to ${redactUrl(url.toString())}: ${why.trim()}`;
    }
  }

  #record(report: RunReport, exitCode: number): void {
    const { outcomes, failures } = this.#instruments;
    for (const [provider, counts] of Object.entries(report.providers) as Array<[ProviderId, SyncReport['providers'][string]]>) {
      for (const outcome of OUTCOMES) outcomes.inc({ provider, outcome }, counts[outcome]);
    }
    // Without events (--queue) the failures' kinds come from the report's list (its first LIST_CAP entries).
    if (!this.#stop) for (const { provider, kind } of report.failures) failures.inc({ provider, kind });
    const gauge = (name: string, help: string, value: number): void => {
      new Gauge({ name: `${PREFIX}${name}`, help, registers: [this.registry] }).set(value);
    };
    gauge('run_duration_seconds', 'How long the last sync run took, from reading its first record to its report', (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000);
    gauge('run_records_read', 'Records the last sync run read', report.records.read);
    gauge('run_records_invalid', 'Records of the last sync run that were not valid customers', report.records.invalid);
    gauge('run_exit_code', 'The exit code of the last sync run: 0 all delivered, unchanged or skipped; 1 some record invalid or failed', exitCode);
  }
}

function lastSuccess(registry: Registry): Gauge {
  return new Gauge({
    name: `${PREFIX}last_success_timestamp_seconds`,
    help: 'When the last sync run that exited 0 finished (Unix time); pushed by such runs alone',
    registers: [registry],
  });
}
