export { ERROR_KINDS, type ErrorKind } from './kinds.js';
export { CustomerSyncError, type ErrorDetails, type SafeCause } from './customer-sync-error.js';
export * from './provider-errors.js';
export { CustomerValidationError, OptionsError } from './validation-error.js';
export { redact, REDACTED } from './redact.js';
