import type { RateAdjustedEvent, RateLimitEvent, ResponseEvent, ResultEvent, RetryEvent, SyncEvents } from '../events.js';
import { statusClass, type Instruments } from './instruments.js';

export interface ObserveOptions {
  /**
   * Count each `result` event's outcome. The sync job says no: its report is the count, lines skipped unread as
   * unchanged included, which emit no event. @default true
   */
  countOutcomes?: boolean | undefined;
}

/** Feeds `instruments` from `events`; the function it returns stops it. */
export function observeEvents(instruments: Instruments, events: SyncEvents, options: ObserveOptions = {}): () => void {
  const { requests, requestDuration, retries, rateLimitPauses, rateLimitPauseSeconds, rate, failures, outcomes } = instruments;
  const countOutcomes = options.countOutcomes ?? true;
  // Only what an event says about its provider is read: customer ids and paths never become labels.
  const onResponse = ({ provider, method, status, durationMs }: ResponseEvent): void => {
    requests.inc({ provider, method, status_class: statusClass(status) });
    requestDuration.observe({ provider }, durationMs / 1000);
  };
  const onRetry = ({ provider, kind }: RetryEvent): void => retries.inc({ provider, kind });
  const onRateLimit = ({ provider, waitMs }: RateLimitEvent): void => {
    rateLimitPauses.inc({ provider });
    rateLimitPauseSeconds.inc({ provider }, waitMs / 1000);
  };
  const onRateAdjusted = ({ provider, perSecond }: RateAdjustedEvent): void => rate.set({ provider }, perSecond);
  const onResult = ({ provider, outcome }: ResultEvent): void => {
    if (countOutcomes) outcomes.inc({ provider, outcome: outcome.status });
    if (outcome.status === 'failed') failures.inc({ provider, kind: outcome.error?.kind ?? 'unknown' });
  };
  events.on('response', onResponse).on('retry', onRetry).on('rateLimit', onRateLimit).on('rateAdjusted', onRateAdjusted).on('result', onResult);
  return () => {
    events.off('response', onResponse).off('retry', onRetry).off('rateLimit', onRateLimit).off('rateAdjusted', onRateAdjusted).off('result', onResult);
  };
}
