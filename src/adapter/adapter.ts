import type { Customer } from '../model/types.js';
import type { ProviderId } from '../provider-id.js';
import type { CommonAdapterOptions, ProviderDefinition } from './definition.js';
import type { ProviderOutcome } from '../push/outcome.js';

/**
 * A configured provider: its definition plus validated options. Pass it to `createCustomerSync`,
 * or use it alone with `push` (a one-adapter sync with in-memory state).
 */
export interface Adapter {
  readonly id: ProviderId;
  readonly definition: ProviderDefinition;
  /** Validated options, defaults applied. Holds credentials: never log it. */
  readonly options: ResolvedOptions;
  /** Push one customer to this provider alone. Validates first; never throws for the provider's failure. */
  push(customer: unknown): Promise<ProviderOutcome>;
  /** Release sockets and timers held by `push`. */
  close(): Promise<void>;
}

export interface ResolvedOptions extends CommonAdapterOptions {
  baseUrl: string;
  rateLimit: { perSecond: number; concurrency: number };
  timeoutMs: number;
  maxResponseBytes: number;
  [key: string]: unknown;
}

export type { Customer };
