import { Queue, type Job } from 'bullmq';
import type { Customer } from '../model/types.js';
import { deduplicationId, jobData, type EnqueueOptions, type PushJobData, type SerializedResult } from './job.js';
import { bullOptions, JOB_NAME, JOB_OPTIONS, QUEUE_NAME, type QueueLocation } from './settings.js';

export type PushJob = Job<PushJobData, SerializedResult, typeof JOB_NAME>;

/**
 * The producing side of the push queue: `enqueue` for the library, `enqueueBatch` for `sync --queue`. Jobs are
 * durable in Redis once the promise resolves. The BullMQ queue (and its connection) is opened on first use, so a
 * `createCustomerSync({ redis })` that never enqueues opens none.
 */
export class PushQueue {
  #queue: Queue<PushJobData, SerializedResult, typeof JOB_NAME> | undefined;
  #closed = false;

  constructor(readonly location: QueueLocation) {
    bullOptions(location); // checks the namespace now, not at the first enqueue
  }

  /** The BullMQ queue, for waiting on jobs and for tests (counts, obliterate). */
  get queue(): Queue<PushJobData, SerializedResult, typeof JOB_NAME> {
    if (this.#closed) throw new Error('customer-sync: the push queue is closed');
    this.#queue ??= new Queue<PushJobData, SerializedResult, typeof JOB_NAME>(QUEUE_NAME, {
      ...bullOptions(this.location),
      defaultJobOptions: JOB_OPTIONS,
    });
    return this.#queue;
  }

  /** Queues a push of an already validated customer; resolves with the job id (an identical pending push's id). */
  async enqueue(customer: Customer, options: EnqueueOptions = {}): Promise<{ jobId: string }> {
    const data = jobData(customer, options);
    const job = await this.queue.add(JOB_NAME, data, { deduplication: { id: deduplicationId(data) } });
    return { jobId: requireId(job) };
  }

  /** Queues many pushes in one round trip (`addBulk`); the jobs come back in order. */
  async enqueueBatch(items: ReadonlyArray<{ customer: Customer; options?: EnqueueOptions | undefined }>): Promise<PushJob[]> {
    const jobs = items.map(({ customer, options }) => {
      const data = jobData(customer, options);
      return { name: JOB_NAME, data, opts: { deduplication: { id: deduplicationId(data) } } };
    });
    return this.queue.addBulk(jobs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue?.close();
  }
}

export function requireId(job: { id?: string | undefined }): string {
  if (job.id === undefined) throw new Error('customer-sync: the queue gave the job no id');
  return job.id;
}
