import type { ProviderId } from '../provider-id.js';
import type { CreateIntent } from './store.js';

/**
 * The PostgreSQL state cannot be used: the server cannot be reached or refuses us, the URL or schema name is
 * bad, or the schema belongs to something else or to a newer customer-sync. `where` names the server
 * (`host:port/database`), never the password; the CLI exits 2 on it.
 */
export class PostgresStateError extends Error {
  override name = 'PostgresStateError';

  constructor(
    readonly where: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Another worker recorded a create intent for this link first. The caller must not send its own create:
 * `existing` is the intent that won (replay it, or leave it to whoever holds it).
 */
export class IntentConflictError extends Error {
  override name = 'IntentConflictError';

  constructor(
    readonly customerId: string,
    readonly provider: ProviderId,
    readonly existing: CreateIntent,
  ) {
    super(
      `${provider}: customer ${JSON.stringify(customerId)} already has a create intent ` +
        `(${existing.status}, key ${existing.idempotencyKey}) recorded by another worker`,
    );
  }
}

/** `withLock` gave up: another worker held the link's lock for longer than `timeoutMs`. */
export class LinkBusyError extends Error {
  override name = 'LinkBusyError';

  constructor(
    readonly customerId: string,
    readonly provider: ProviderId,
    readonly timeoutMs: number,
  ) {
    super(`${provider}: customer ${JSON.stringify(customerId)} is being delivered by another worker (waited ${timeoutMs} ms)`);
  }
}
