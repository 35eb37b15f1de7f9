import pino, { type Logger } from 'pino';
import type { Writable } from 'node:stream';
import type { SyncEvents } from '../events.js';
import { maskPersonalData } from '../errors/mask.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The CLI's pino logger, on stderr. Nothing personal or secret is logged: no bodies, no headers, customer ids
 * only, and provider messages pass through `maskPersonalData` (errors are already redacted of credentials).
 */
export function createLogger(level: LogLevel, stream: Writable): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

export function logEngineEvents(events: SyncEvents, log: Logger): void {
  events.on('request', (e) => log.debug({ provider: e.provider, customerId: e.customerId, method: e.method, attempt: e.attempt }, 'request'));
  events.on('retry', (e) =>
    log.info({ provider: e.provider, customerId: e.customerId, attempt: e.attempt, delayMs: e.delayMs, kind: e.kind, status: e.status }, 'retry'),
  );
  events.on('rateLimit', (e) => log.warn({ provider: e.provider, waitMs: e.waitMs }, 'provider paused by a 429'));
  events.on('rateAdjusted', (e) => log.info({ provider: e.provider, perSecond: e.perSecond }, 'provider rate adjusted'));
  events.on('result', ({ customerId, provider, outcome }) => {
    if (outcome.status === 'failed' && outcome.error) {
      const { kind, status, message } = outcome.error;
      log.warn({ provider, customerId, kind, status, message: maskPersonalData(message) }, 'push failed');
    } else {
      log.debug({ provider, customerId, status: outcome.status }, 'push done');
    }
  });
}
