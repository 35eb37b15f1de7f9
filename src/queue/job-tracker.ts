import { QueueEvents } from 'bullmq';
import type { PushQueue } from './producer.js';
import { bullOptions, QUEUE_NAME } from './settings.js';

/** How a job ended: its return value, or why it failed for good (after its retries). */
export type Finished = { ok: true; value: unknown } | { ok: false; reason: string };

/** Unclaimed finish events kept for a job registered just after it finished (a fast worker beats `addBulk`'s reply). */
const EARLY_CAP = 2_000;
/** Without any finish event for this long, the oldest waiting jobs are looked up directly. */
const RECONCILE_MS = 3_000;
const RECONCILE_BATCH = 50;

/**
 * Waits for many jobs with one QueueEvents stream (two listeners, whatever the number of jobs). Events are the
 * fast path; a lookup of the oldest waiting jobs, when events go quiet, covers the rest: a job that finished
 * before the stream was read, events trimmed from the stream, a removed job.
 */
export class JobTracker {
  readonly #events: QueueEvents;
  readonly #queue: PushQueue;
  readonly #waiting = new Map<string, (finished: Finished) => void>();
  readonly #early = new Map<string, Finished>();
  #lastEvent = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #reconciling = false;

  constructor(queue: PushQueue) {
    this.#queue = queue;
    this.#events = new QueueEvents(QUEUE_NAME, { ...bullOptions(queue.location) });
    this.#events.on('error', () => {}); // BullMQ reconnects; the lookups cover what is missed meanwhile
    this.#events.on('completed', ({ jobId, returnvalue }) => this.#finish(jobId, { ok: true, value: returnvalue }));
    this.#events.on('failed', ({ jobId, failedReason }) => this.#finish(jobId, { ok: false, reason: failedReason }));
  }

  /** Resolves once the event stream is being read: start before adding the jobs to wait for. */
  async start(): Promise<void> {
    await this.#events.waitUntilReady();
    this.#timer = setInterval(() => void this.#reconcile(), RECONCILE_MS / 3);
    this.#timer.unref();
  }

  get size(): number {
    return this.#waiting.size;
  }

  /** Resolves when job `id` has completed or failed for good; never rejects. */
  wait(id: string): Promise<Finished> {
    const early = this.#early.get(id);
    if (early) {
      this.#early.delete(id);
      return Promise.resolve(early);
    }
    return new Promise((resolve) => this.#waiting.set(id, resolve));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#events.close();
  }

  #finish(id: string, finished: Finished): void {
    this.#lastEvent = Date.now();
    const resolve = this.#waiting.get(id);
    if (resolve) {
      this.#waiting.delete(id);
      resolve(finished);
      return;
    }
    // Maybe a job of ours whose `wait` comes in a moment, maybe another producer's: keep a bounded few.
    this.#early.set(id, finished);
    if (this.#early.size > EARLY_CAP) this.#early.delete(this.#early.keys().next().value as string);
  }

  async #reconcile(): Promise<void> {
    if (this.#reconciling || this.#waiting.size === 0 || Date.now() - this.#lastEvent < RECONCILE_MS) return;
    this.#reconciling = true;
    try {
      const queue = this.#queue.queue;
      const oldest = [...this.#waiting.keys()].slice(0, RECONCILE_BATCH);
      await Promise.all(
        oldest.map(async (id) => {
          const state = await queue.getJobState(id);
          if (state === 'completed' || state === 'failed') {
            const job = await queue.getJob(id);
            if (!job) return this.#finish(id, { ok: false, reason: 'the job was removed before its result was read' });
            if (state === 'completed') this.#finish(id, { ok: true, value: job.returnvalue });
            else this.#finish(id, { ok: false, reason: job.failedReason });
          } else if (state === 'unknown') {
            this.#finish(id, { ok: false, reason: 'the job was removed from the queue before it finished' });
          }
        }),
      );
      this.#lastEvent = Date.now();
    } catch {
      // Redis out of reach: the next round tries again.
    } finally {
      this.#reconciling = false;
    }
  }
}
