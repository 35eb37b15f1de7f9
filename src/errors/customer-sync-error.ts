import { inspect } from 'node:util';
import type { ProviderId } from '../provider-id.js';
import type { ErrorKind } from './kinds.js';

/**
 * `util.inspect.custom` (the same registered symbol), declared without node:util's types so that the package's
 * types compile without @types/node.
 */
const INSPECT_CUSTOM: unique symbol = Symbol.for('nodejs.util.inspect.custom');

export interface ErrorDetails {
  provider?: ProviderId | undefined;
  customerId?: string | undefined;
  /** HTTP status of the last response, when there was one. */
  status?: number | undefined;
  /** The provider's own message, secrets redacted. */
  providerMessage?: string | undefined;
  /** A sanitized cause: never an axios error (its config holds the credentials). */
  cause?: SafeCause | undefined;
}

/** What is kept of an underlying error: its name, code and redacted message. */
export interface SafeCause {
  name: string;
  code?: string | undefined;
  message: string;
}

/** Base of every error customer-sync throws or reports. Its fields, JSON form and inspect output hold no secret. */
export class CustomerSyncError extends Error {
  override name = 'CustomerSyncError';
  readonly kind: ErrorKind;
  readonly provider: ProviderId | undefined;
  readonly customerId: string | undefined;
  readonly status: number | undefined;
  readonly providerMessage: string | undefined;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(message, details.cause ? { cause: details.cause } : undefined);
    this.kind = kind;
    this.provider = details.provider;
    this.customerId = details.customerId;
    this.status = details.status;
    this.providerMessage = details.providerMessage;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      provider: this.provider,
      customerId: this.customerId,
      status: this.status,
      providerMessage: this.providerMessage,
    };
  }

  [INSPECT_CUSTOM](): string {
    return `${this.name} [${this.kind}]: ${this.message}\n${inspect(this.toJSON())}`;
  }
}
