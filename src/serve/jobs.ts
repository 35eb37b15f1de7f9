import { maskPersonalData } from '../errors/mask.js';
import type { Customer } from '../model/types.js';
import { deserializeResult } from '../queue/job.js';
import { PushQueue } from '../queue/producer.js';
import type { QueueLocation } from '../queue/settings.js';
import type { JobReader } from './app.js';
import { outcomesBody } from './outcomes.js';
import type { JobBody } from './schemas.js';

/** The states whose counts say how much work waits, runs or is stuck (as `worker --metrics-port` reports them). */
const DEPTH_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

/** BullMQ's states of a job not yet finished, as the service reports them. */
const PENDING: Readonly<Record<string, JobBody['state']>> = {
  waiting: 'waiting',
  'waiting-children': 'waiting',
  prioritized: 'waiting',
  delayed: 'waiting', // a retry of a job that failed on our side waits out its backoff
  active: 'active',
};

/**
 * The push queue as `serve --queue` uses it: queues validated customers for the workers, and reads the jobs back for
 * GET /v1/jobs/{id}. BullMQ is loaded with this module, by `serve --queue` alone. A completed job's result is the
 * worker's `PushResult`, answered as POST /v1/customers answers a push.
 */
export class ServeQueue implements JobReader {
  readonly #queue: PushQueue;

  constructor(location: QueueLocation) {
    this.#queue = new PushQueue(location);
  }

  /** An identical push still pending is not queued twice: its job id comes back (PushQueue's deduplication). */
  enqueue(customer: Customer): Promise<{ jobId: string }> {
    return this.#queue.enqueue(customer);
  }

  /** The jobs by state that say how much work waits, runs or is stuck: the queue depth of /metrics. */
  jobCounts(): Promise<Record<string, number>> {
    return this.#queue.queue.getJobCounts(...DEPTH_STATES);
  }

  async status(jobId: string): Promise<JobBody | undefined> {
    const queue = this.#queue.queue;
    const state = await queue.getJobState(jobId);
    const pending = PENDING[state];
    if (pending !== undefined) return { jobId, state: pending };
    if (state !== 'completed' && state !== 'failed') return undefined;
    const job = await queue.getJob(jobId);
    // Removed between the two reads (kept 1 hour once completed): as unknown as it now is.
    if (job === undefined) return undefined;
    if (state === 'failed') return { jobId, state, error: maskPersonalData(job.failedReason || 'failed') };
    return { jobId, state, result: outcomesBody(deserializeResult(job.returnvalue)) };
  }

  close(): Promise<void> {
    return this.#queue.close();
  }
}
