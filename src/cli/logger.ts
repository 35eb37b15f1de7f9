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

/** What pino itself writes in every line: not repeated after the message. */
const OWN_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * A log line (pino's JSON) as a person reads it on a terminal: `[14:02:07] WARN: provider paused by a 429
 * provider=acme waitMs=1000`, local time, one line per entry (an error's stack excepted), the level coloured when
 * `colorize`. A string value with a space or a quote is quoted, as in JSON.
 */
export async function humanFormat(options: { colorize: boolean }): Promise<(line: string) => string> {
  // Loaded only for a terminal: a run whose logs go to a file or a pipe never loads it.
  const { prettyFactory } = await import('pino-pretty');
  return prettyFactory({
    colorize: options.colorize,
    translateTime: 'SYS:HH:MM:ss',
    singleLine: true,
    hideObject: true,
    messageFormat: (log, messageKey) => {
      const fields = Object.entries(log)
        .filter(([key, value]) => key !== messageKey && !OWN_KEYS.has(key) && value !== undefined)
        .map(([key, value]) => `${key}=${fieldValue(value)}`);
      return [String(log[messageKey] ?? ''), ...fields].join(' ');
    },
  });
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string' && /^[^\s"=]+$/.test(value)) return value;
  // An error as pino serializes it: its type and message (the stack stays in the JSON logs of a non-terminal).
  const error = value as { type?: unknown; message?: unknown } | null;
  if (typeof error === 'object' && error !== null && typeof error.type === 'string' && typeof error.message === 'string') {
    return JSON.stringify(`${error.type}: ${error.message}`);
  }
  return JSON.stringify(value);
}

/**
 * The CLI's logger on a terminal: the same entries, levels and masking as `createLogger`, each written by `write` as
 * one human line (`humanFormat`), synchronously, in the order logged; `write` puts it above the progress line.
 */
export async function createTerminalLogger(level: LogLevel, write: (text: string) => void, options: { colorize: boolean }): Promise<Logger> {
  const format = await humanFormat(options);
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, {
    write(line: string) {
      const text = format(line);
      write(text.endsWith('\n') ? text : `${text}\n`);
    },
  });
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
