import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { customerModel, type CustomerModel } from '../model/customer.js';
import type { SyncEngine } from '../push/engine.js';
import { jobDataSchema, serializeResult, type PushJobData, type SerializedResult } from './job.js';
import { bullOptions, QUEUE_NAME, workerTiming, type QueueLocation } from './settings.js';

export interface PushWorkerOptions extends QueueLocation {
  /** The engine that delivers: its adapters, pipeline and state (PostgreSQL when several workers share one). */
  engine: SyncEngine;
  /**
   * Validates each job's customer again (another version may have queued it). The config's model, so that the ids of
   * its providers of the user's own are accepted in `providerIds`. @default the model of the engine's adapters
   */
  model?: CustomerModel | undefined;
  /** Jobs (customers) in progress at once in this process. @default 4 */
  concurrency?: number | undefined;
  /** See `DEFAULT_LOCK_MS`. @default 30000 */
  lockDurationMs?: number | undefined;
  /** A job that failed (our infrastructure, not a provider: those are results) or a worker error. */
  onError?: ((error: Error, job?: { id?: string | undefined; attemptsMade: number }) => void) | undefined;
}

/**
 * Processes push jobs with one engine. A job runs `engine.push`, which never rejects for a provider's failure: the
 * job's return value is the `PushResult`. It rejects only when our own side fails (state database, Redis), and then
 * BullMQ retries it (`JOB_OPTIONS.attempts`). A worker that dies mid-job loses nothing: its lock lapses, another
 * worker's stalled check puts the job back, and the retry finds the intents the first attempt recorded.
 */
export class PushWorker {
  readonly worker: Worker<PushJobData, SerializedResult>;
  readonly #engine: SyncEngine;
  readonly #model: CustomerModel;
  #closing: Promise<void> | undefined;

  constructor(options: PushWorkerOptions) {
    this.#engine = options.engine;
    this.#model = options.model ?? customerModel(options.engine.definitions);
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a whole number, at least 1');
    // No BullMQ `limiter`: the engine's limiters, shared through Redis, already space each provider's requests,
    // and one job talks to several providers with different limits.
    this.worker = new Worker<PushJobData, SerializedResult>(QUEUE_NAME, (job) => this.#process(job), {
      ...bullOptions(options),
      ...workerTiming(options.lockDurationMs),
      concurrency,
      // Started by `start()`, once the listeners below are on.
      autorun: false,
    });
    const onError = options.onError;
    if (onError) {
      this.worker.on('failed', (job, error) => onError(error, job && { id: job.id, attemptsMade: job.attemptsMade }));
      this.worker.on('error', (error) => onError(error));
    } else {
      // Without a listener an 'error' event would throw; BullMQ reconnects by itself.
      this.worker.on('error', () => {});
    }
  }

  /** Starts taking jobs; resolves when the worker has connected. */
  async start(): Promise<void> {
    void this.worker.run().catch(() => {});
    await this.worker.waitUntilReady();
  }

  /**
   * Graceful: takes no new job, lets the jobs in progress finish (their results are stored), then closes the
   * engine. Jobs still waiting stay in Redis for the next worker.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.worker.close();
      } finally {
        await this.#engine.close();
      }
    })();
    return this.#closing;
  }

  async #process(job: Job<PushJobData, SerializedResult>): Promise<SerializedResult> {
    const data = jobDataSchema.safeParse(job.data);
    if (!data.success) throw new UnrecoverableError('the job data is not a customer-sync push');
    // Validated again here: the job may come from another version of customer-sync, and a typed Customer is what
    // the engine takes. The producer validated it already, so this fails only for such a job; no retry helps it.
    const checked = this.#model.validate(data.data.customer);
    if (!checked.ok) {
      const paths = checked.issues.map((issue) => issue.path || '(record)').join(', ');
      throw new UnrecoverableError(`the job's customer is not valid (${paths})`);
    }
    const result = await this.#engine.push(checked.customer, { only: data.data.only, full: data.data.full });
    return serializeResult(result);
  }
}
