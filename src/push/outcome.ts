import type { RequestSpec } from '../adapter/definition.js';
import type { CustomerSyncError } from '../errors/customer-sync-error.js';

export type OutcomeStatus = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';

/** What happened at one provider for one customer. */
export interface ProviderOutcome {
  status: OutcomeStatus;
  /** The customer's id at the provider, when known. */
  providerId?: string | undefined;
  /** Why the provider was skipped. */
  reason?: string | undefined;
  /** Set when `status` is `failed`. */
  error?: CustomerSyncError | undefined;
  /** Non-fatal notes, e.g. a locale the provider does not support was left out. */
  warnings: string[];
  /** HTTP requests sent for this outcome, retries included. */
  requests: number;
  /** Of those, how many were retries. */
  retries: number;
  /** In a dry run (`plan.ts`): the requests that would be sent, in order. */
  planned?: RequestSpec[];
}
