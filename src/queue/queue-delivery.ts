import { providerError } from '../errors/provider-errors.js';
import { rawLineStore, selectProviders, type Delivery, type Selection } from '../job/run-sync.js';
import type { Customer } from '../model/types.js';
import type { ProviderId } from '../provider-id.js';
import type { PushResult } from '../push/engine.js';
import type { RawLineStore, StateStore } from '../state/store.js';
import { deserializeResult } from './job.js';
import { JobTracker, type Finished } from './job-tracker.js';
import { PushQueue, requireId } from './producer.js';
import type { QueueLocation } from './settings.js';

export interface QueueDeliveryOptions extends Selection {
  location: QueueLocation;
  /** The config's providers: the results cover them, narrowed by `only`. */
  providers: readonly ProviderId[];
  /**
   * The state the workers record their deliveries in (the config's): where a line every provider confirmed is
   * remembered, when it can be.
   */
  store?: StateStore | undefined;
  /** Jobs per `addBulk`. @default 100 */
  batchSize?: number | undefined;
  /** Jobs queued and not yet finished, at most. @default 1000 */
  maxInFlight?: number | undefined;
}

interface Held {
  customer: Customer;
  resolve: (result: PushResult) => void;
  reject: (error: unknown) => void;
}

/**
 * `sync --queue`: each customer becomes a job for `customer-sync worker` processes, and its result is the job's.
 * Customers are held and queued `batchSize` at a time (one `addBulk`), or sooner when the run flushes to wait; one
 * QueueEvents stream (`JobTracker`) waits for all the jobs.
 */
export class QueueDelivery implements Delivery {
  readonly dryRun = false;
  readonly providers: readonly ProviderId[];
  readonly rawLines: RawLineStore | undefined;
  readonly batchSize: number;
  readonly maxInFlight: number;
  readonly queue: PushQueue;
  readonly #tracker: JobTracker;
  readonly #options: Selection;
  #held: Held[] = [];
  /** The `addBulk`s in turn, so jobs are queued in the order their customers were handed on. */
  #queued: Promise<void> = Promise.resolve();

  /** Opens the queue and starts reading its events, before any job is queued. */
  static async open(options: QueueDeliveryOptions): Promise<QueueDelivery> {
    const delivery = new QueueDelivery(options);
    try {
      await delivery.#tracker.start();
    } catch (error) {
      await delivery.close();
      throw error;
    }
    return delivery;
  }

  private constructor(options: QueueDeliveryOptions) {
    this.providers = selectProviders(options.providers, options.only);
    this.batchSize = options.batchSize ?? 100;
    this.maxInFlight = Math.max(options.maxInFlight ?? 1_000, this.batchSize);
    this.#options = { only: options.only, full: options.full };
    this.rawLines = options.store && rawLineStore(options.store, this.#options);
    this.queue = new PushQueue(options.location);
    this.#tracker = new JobTracker(this.queue);
  }

  /** Workers connected to the queue, when Redis says. */
  workers(): Promise<number | undefined> {
    return this.queue.queue.getWorkersCount().catch(() => undefined);
  }

  deliver(customer: Customer): Promise<PushResult> {
    return new Promise((resolve, reject) => {
      this.#held.push({ customer, resolve, reject });
      if (this.#held.length >= this.batchSize) void this.flush();
    });
  }

  /** Never rejects: a batch Redis refused rejects its customers' results instead. */
  flush(): Promise<void> {
    if (this.#held.length > 0) {
      const batch = this.#held;
      this.#held = [];
      this.#queued = this.#queued.then(() => this.#enqueue(batch));
    }
    return this.#queued;
  }

  async close(): Promise<void> {
    await this.#tracker.close();
    await this.queue.close();
  }

  async #enqueue(batch: readonly Held[]): Promise<void> {
    let ids: string[];
    try {
      const jobs = await this.queue.enqueueBatch(batch.map(({ customer }) => ({ customer, options: this.#options })));
      ids = jobs.map(requireId);
    } catch (error) {
      for (const held of batch) held.reject(error);
      return;
    }
    batch.forEach((held, index) => {
      void this.#tracker.wait(ids[index] as string).then((finished) => held.resolve(resultOf(finished, held.customer.id, this.providers)));
    });
  }
}

/** A job's result as a `PushResult`; a job that failed for good fails every provider it was for. */
function resultOf(finished: Finished, customerId: string, providers: readonly ProviderId[]): PushResult {
  let reason: string;
  if (finished.ok) {
    try {
      return deserializeResult(finished.value);
    } catch {
      reason = 'the job returned something that is not a push result (a worker of another version?)';
    }
  } else {
    reason = `the queue job failed: ${finished.reason}`;
  }
  const result: PushResult = { customerId, providers: {} };
  for (const provider of providers) {
    const error = providerError('transient', reason, { provider, customerId });
    result.providers[provider] = { status: 'failed', error, warnings: [], requests: 0, retries: 0 };
  }
  return result;
}
