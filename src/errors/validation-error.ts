import type { ValidationIssue } from '../model/types.js';
import { CustomerSyncError } from './customer-sync-error.js';

function summarize(subject: string, issues: readonly ValidationIssue[]): string {
  const list = issues.map((issue) => `${issue.path || '(record)'}: ${issue.message}`).join('; ');
  return `${subject}: ${list}`;
}

/** A customer record failed validation. Lists every issue with its path; never echoes the values. */
export class CustomerValidationError extends CustomerSyncError {
  override name = 'CustomerValidationError' as const;
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], customerId?: string) {
    const subject = customerId === undefined ? 'Invalid customer' : `Invalid customer ${JSON.stringify(customerId)}`;
    super('invalid', summarize(subject, issues), { customerId });
    this.issues = issues;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/** Adapter options or a config file are wrong. Names the option, never its value. */
export class OptionsError extends CustomerSyncError {
  override name: string = 'OptionsError';
  readonly issues: readonly ValidationIssue[];

  constructor(subject: string, issues: readonly ValidationIssue[]) {
    super('invalid', summarize(subject, issues));
    this.issues = issues;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}
