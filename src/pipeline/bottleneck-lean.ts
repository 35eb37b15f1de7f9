/**
 * Steps of Bottleneck 2.19.5 that every job takes, written again as native async code: Bottleneck ships them compiled
 * to generators driven by a helper (`_asyncToGenerator`), which costs a generator, a promise and two closures per call
 * and per step, for about a dozen calls per job. Each function here does what the one it replaces does, in the same
 * order, with the same results and errors (lib/LocalDatastore.js, lib/Bottleneck.js and lib/Job.js of 2.19.5, cited
 * by line). Only bottleneck-tuning.ts uses them, on a limiter it has checked is of that version.
 */

/** A resolved promise: the local store's yields (see bottleneck-tuning.ts). */
export const YIELDED: Promise<void> = Promise.resolve();

type Trigger = (name: string, ...args: unknown[]) => unknown;

export interface StoreOptions {
  maxConcurrent: number | null;
  highWater: number | null;
  strategy: number;
  minTime: number;
  reservoir: number | null;
}

export interface LocalStore {
  storeOptions: StoreOptions;
  instance: LimiterCore;
  _running: number;
  _done: number;
  _nextRequest: number;
  _unblockTime: number;
  check(weight: number, now: number): boolean;
  conditionsCheck(weight: number): boolean;
  strategyIsBlock(): boolean;
  isBlocked(now: number): boolean;
  computePenalty(): number;
  computeCapacity(): number | null;
  __submit__(queueLength: number, weight: number): Promise<{ reachedHWM: boolean; blocked: boolean; strategy: number }>;
  __register__(index: string, weight: number, expiration: unknown): Promise<{ success: boolean; wait?: number; reservoir?: number | null }>;
  __free__(index: string, weight: number): Promise<{ running: number }>;
}

export interface JobOptions {
  id: string;
  weight: number;
  priority: number;
  expiration?: number | null;
}

export interface Job {
  task: (...args: unknown[]) => unknown;
  args: unknown[];
  options: JobOptions;
  retryCount: number;
  Events: { trigger: Trigger };
  _states: { next(id: string): unknown };
  _assertStatus(expected: string): void;
  _resolve(value: unknown): void;
  _onFailure(error: unknown, eventInfo: unknown, clearGlobalState: () => boolean, run: (wait: number) => unknown, free: Free): Promise<unknown>;
  doRun(): unknown;
  doDrop(options?: { error?: unknown }): boolean;
  doQueue(reachedHWM: boolean, blocked: boolean): unknown;
  doDone(eventInfo: unknown): unknown;
}

type Free = (options: JobOptions, eventInfo: unknown) => Promise<unknown>;

export interface LimiterCore {
  Events: { trigger: Trigger };
  BottleneckError: new (message: string) => Error;
  strategy: { LEAK: number; OVERFLOW: number; OVERFLOW_PRIORITY: number };
  _store: LocalStore;
  _queues: { push(job: Job): unknown; shiftLastFrom(priority: number): Job | undefined };
  queued(): number;
  empty(): boolean;
  _drainAll(capacity?: number | null): Promise<unknown>;
  _dropAllQueued(message?: string): unknown;
  _addToQueue(job: Job): Promise<boolean>;
  _free(index: string, job: Job, options: JobOptions, eventInfo: unknown): Promise<unknown>;
}

/** LocalDatastore's `__submit__`, `__register__` and `__free__` (lib/LocalDatastore.js:233, 207, 262). */
export function leanStore(store: LocalStore, BottleneckError: new (message: string) => Error): void {
  store.__submit__ = async (queueLength, weight) => {
    await YIELDED;
    const options = store.storeOptions;
    if (options.maxConcurrent != null && weight > options.maxConcurrent) {
      throw new BottleneckError(`Impossible to add a job having a weight of ${weight} to a limiter having a maxConcurrent setting of ${options.maxConcurrent}`);
    }
    const now = Date.now();
    const reachedHWM = options.highWater != null && queueLength === options.highWater && !store.check(weight, now);
    const blocked = store.strategyIsBlock() && (reachedHWM || store.isBlocked(now));
    if (blocked) {
      store._unblockTime = now + store.computePenalty();
      store._nextRequest = store._unblockTime + store.storeOptions.minTime;
      store.instance._dropAllQueued();
    }
    return { reachedHWM, blocked, strategy: store.storeOptions.strategy };
  };
  store.__register__ = async (_index, weight) => {
    await YIELDED;
    const now = Date.now();
    if (!store.conditionsCheck(weight)) return { success: false };
    store._running += weight;
    if (store.storeOptions.reservoir != null) store.storeOptions.reservoir -= weight;
    const wait = Math.max(store._nextRequest - now, 0);
    store._nextRequest = now + wait + store.storeOptions.minTime;
    return { success: true, wait, reservoir: store.storeOptions.reservoir };
  };
  store.__free__ = async (_index, weight) => {
    await YIELDED;
    store._running -= weight;
    store._done += weight;
    void store.instance._drainAll(store.computeCapacity());
    return { running: store._running };
  };
}

/** Bottleneck's `_free` (lib/Bottleneck.js:167) and `_addToQueue` (lib/Bottleneck.js:363). */
export function leanLimiter(limiter: LimiterCore): void {
  const { Events: events, _store: store } = limiter;
  limiter._free = async (_index, _job, options, eventInfo) => {
    try {
      const { running } = await store.__free__(_index, options.weight);
      events.trigger('debug', `Freed ${options.id}`, eventInfo);
      if (running === 0 && limiter.empty()) return events.trigger('idle');
    } catch (error) {
      return events.trigger('error', error);
    }
    return undefined;
  };
  limiter._addToQueue = async (job) => {
    const { args, options } = job;
    let submitted: Awaited<ReturnType<LocalStore['__submit__']>>;
    try {
      submitted = await store.__submit__(limiter.queued(), options.weight);
    } catch (error) {
      events.trigger('debug', `Could not queue ${options.id}`, { args, options, error });
      job.doDrop({ error });
      return false;
    }
    const { reachedHWM, blocked, strategy } = submitted;
    if (blocked) {
      job.doDrop();
      return true;
    } else if (reachedHWM) {
      const { LEAK, OVERFLOW, OVERFLOW_PRIORITY } = limiter.strategy;
      const shifted =
        strategy === LEAK
          ? limiter._queues.shiftLastFrom(options.priority)
          : strategy === OVERFLOW_PRIORITY
            ? limiter._queues.shiftLastFrom(options.priority + 1)
            : strategy === OVERFLOW
              ? job
              : undefined;
      if (shifted != null) shifted.doDrop();
      if (shifted == null || strategy === OVERFLOW) {
        if (shifted == null) job.doDrop();
        return reachedHWM;
      }
    }
    job.doQueue(reachedHWM, blocked);
    limiter._queues.push(job);
    await limiter._drainAll();
    return reachedHWM;
  };
}

/** A job's `doExecute` (lib/Job.js:121), for a job started by bottleneck-tuning.ts's `startImmediately`. */
export async function executeJob(job: Job, chained: unknown, clearGlobalState: () => boolean, run: (wait: number) => unknown, free: Free): Promise<unknown> {
  if (job.retryCount === 0) {
    job._assertStatus('RUNNING');
    job._states.next(job.options.id);
  } else {
    job._assertStatus('EXECUTING');
  }
  const eventInfo = { args: job.args, options: job.options, retryCount: job.retryCount };
  job.Events.trigger('executing', eventInfo);
  try {
    const upstream = chained as { schedule(options: JobOptions, task: Job['task'], ...args: unknown[]): Promise<unknown> } | null;
    const passed = await (upstream != null ? upstream.schedule(job.options, job.task, ...job.args) : job.task(...job.args));
    if (clearGlobalState()) {
      job.doDone(eventInfo);
      await free(job.options, eventInfo);
      job._assertStatus('DONE');
      return job._resolve(passed);
    }
  } catch (error) {
    return job._onFailure(error, eventInfo, clearGlobalState, run, free);
  }
  return undefined;
}
