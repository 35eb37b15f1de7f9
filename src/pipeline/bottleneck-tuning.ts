import type Bottleneck from 'bottleneck';
import { executeJob, leanLimiter, leanStore, YIELDED, type Job, type LimiterCore } from './bottleneck-lean.js';
import { SerialLock } from './serial-lock.js';

/**
 * The one Bottleneck release whose private internals this file was written against (lib/Bottleneck.js, Events.js,
 * Sync.js and LocalDatastore.js of 2.19.5, its last release, pinned exactly in package.json). A limiter of any other
 * version is left as Bottleneck made it: slower, never wrong.
 */
export const TUNED_VERSION = '2.19.5';

/**
 * Makes one in-process limiter cheaper per job without changing what it decides (its spacing, concurrency, reservoir,
 * priorities, queue and `stop()` are Bottleneck's own); returns whether it applied. Set on our own limiter instances,
 * never on Bottleneck's prototypes, so a user's own limiters are untouched.
 *
 * - **No wait for the event loop at each step.** Bottleneck's local store yields with `setTimeout(0)`, which Node rounds
 *   up to 1 ms, before each submit, register and free (so that it behaves as asynchronously as the Redis store), and a
 *   job admitted with no wait still starts on a timer. Submitting and registering are serialised (one job at a time),
 *   so each yield that waits for the event loop admits at most one job per turn of the loop: with `setTimeout(0)` that
 *   was about 4 ms per request and a ceiling of ~400 jobs/s (BENCHMARKS.md); with `setImmediate`, one job per turn,
 *   which on a loop busy with sockets capped the pipeline near the cost of a turn. The store now yields to a resolved
 *   promise: still asynchronous, in order, without a turn; an admitted job still starts on a turn of its own
 *   (`setImmediate`, all admitted jobs in the same turn).
 * - **Events nobody listens to cost nothing.** Each job triggers about a dozen events (received, queued, scheduled,
 *   executing, done, and a debug event for each and for every step), each an async generator with its promises,
 *   whether or not anything listens. With no listener for the event and none for `debug`, a trigger returns at once
 *   what Bottleneck's would have resolved to (`undefined`); with one, Bottleneck's own trigger runs. The same goes for
 *   the private queues' own two events while their listeners have nothing to do (`quietQueueEvents`).
 * - **Leaner locks.** The submit and register locks (each job takes them two to four times) are a `SerialLock`: the same
 *   one-at-a-time, first-come order, without two async generators per task.
 * - **Native async steps.** The store's submit, register and free, the limiter's queueing and freeing, and the start of
 *   a job started here are bottleneck-lean.ts's: the same steps in the same order, as native async functions instead
 *   of generators driven by a helper.
 */
export function tuneLocalLimiter(limiter: Bottleneck): boolean {
  const internals = limiter as unknown as Internals;
  if (internals.version !== TUNED_VERSION || !hasShape(internals)) return false;
  internals._store.yieldLoop = yieldImmediately;
  leanStore(internals._store, internals.BottleneckError);
  leanLimiter(internals);
  startImmediately(internals);
  quietEvents(internals.Events);
  quietQueueEvents(internals);
  internals._submitLock = new SerialLock(internals.Promise);
  internals._registerLock = new SerialLock(internals.Promise);
  return true;
}

function yieldImmediately(): Promise<void> {
  return YIELDED;
}

interface EventsInternals {
  _events: Record<string, unknown[] | undefined>;
  trigger(name: string, ...args: unknown[]): Promise<unknown>;
}

interface Internals extends LimiterCore {
  _queues: LimiterCore['_queues'] & { Events: EventsInternals };
  version?: unknown;
  Promise: PromiseConstructor;
  Events: EventsInternals;
  _store: LimiterCore['_store'] & { yieldLoop: unknown };
  _submitLock: unknown;
  _registerLock: unknown;
  _limiter: unknown;
  _scheduled: Record<string, unknown>;
  _run(index: string, job: Job, wait: number): unknown;
  _clearGlobalState(index: string): boolean;
  jobStatus(id: string): string | null;
}

const isFunction = (value: unknown): boolean => typeof value === 'function';

/** The version string is checked first; this only guards against a limiter that claims it but was built otherwise. */
function hasShape(limiter: Internals): boolean {
  const { _store: store, Events: events, _submitLock: submit, _registerLock: register, _queues: queues } = limiter;
  const lock = (value: unknown): boolean => isFunction((value as { schedule?: unknown } | undefined)?.schedule);
  const methods = (of: object | undefined, names: readonly string[]): boolean =>
    of !== undefined && of !== null && names.every((name) => isFunction((of as Record<string, unknown>)[name]));
  return (
    typeof events?._events === 'object' &&
    typeof store?.storeOptions === 'object' &&
    typeof limiter.strategy === 'object' &&
    lock(submit) &&
    lock(register) &&
    methods(events, ['trigger']) &&
    methods(queues, ['push', 'shiftLastFrom']) &&
    methods(queues?.Events, ['trigger']) &&
    typeof queues?.Events?._events === 'object' &&
    methods(store, ['yieldLoop', 'check', 'conditionsCheck', 'strategyIsBlock', 'isBlocked', 'computePenalty', 'computeCapacity']) &&
    methods(limiter, ['Promise', 'BottleneckError', '_run', '_clearGlobalState', '_free', '_addToQueue', '_drainAll', '_dropAllQueued', 'queued', 'empty', 'jobStatus'])
  );
}

/** What Bottleneck's `trigger` resolves to when no listener answers. */
const NOTHING: Promise<undefined> = Promise.resolve(undefined);

/** Bottleneck's `Events#trigger` (lib/Events.js), skipped when neither the event nor `debug` has a listener. */
function quietEvents(events: EventsInternals): void {
  const trigger = events.trigger.bind(events);
  events.trigger = (name, ...args) => (events._events[name] == null && events._events.debug == null ? NOTHING : trigger(name, ...args));
}

/**
 * The limiter's private queues trigger `leftzero` and `zero` whenever they fill or empty (about twice a job), for two
 * listeners of Bottleneck's own that ref and unref the store's heartbeat timer (lib/Bottleneck.js:72), which exists
 * only while a reservoir refresh or increase is set. Without one those listeners do nothing, and Bottleneck's trigger
 * (an async generator per listener and per event, plus a debug event) is skipped.
 */
function quietQueueEvents(limiter: Internals): void {
  const events = limiter._queues.Events;
  const trigger = events.trigger.bind(events);
  events.trigger = (name, ...args) => ((limiter._store as { heartbeat?: unknown }).heartbeat == null && events._events.debug == null ? NOTHING : trigger(name, ...args));
}

/**
 * Bottleneck's own `_run` (lib/Bottleneck.js:190) for a first run with no wait and no expiration, started on
 * `setImmediate` instead of `setTimeout(0)`; anything else goes to the original. Its `stop()` cancels a started job
 * with `clearTimeout`, which cannot cancel an immediate, so the job checks it is still RUNNING (a dropped one no
 * longer is) before it executes, which is what the cancelled timer would have achieved.
 */
function startImmediately(limiter: Internals): void {
  const original = limiter._run.bind(limiter);
  limiter._run = (index, job, wait) => {
    if (wait > 0 || job.retryCount !== 0 || job.options.expiration != null) return original(index, job, wait);
    job.doRun();
    const clearGlobalState = limiter._clearGlobalState.bind(limiter, index);
    const run = limiter._run.bind(limiter, index, job);
    const free = (options: Job['options'], eventInfo: unknown) => limiter._free(index, job, options, eventInfo);
    const timeout = setImmediate(() => {
      if (limiter.jobStatus(job.options.id) === 'RUNNING') void executeJob(job, limiter._limiter, clearGlobalState, run, free);
    });
    return (limiter._scheduled[index] = { timeout, expiration: undefined, job });
  };
}
