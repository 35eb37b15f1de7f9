export { createCustomerSync } from './sync.js';
export type { CustomerSync, CustomerSyncOptions, EnqueueOptions, PushOptions, PushResult } from './sync.js';
export { SqliteStateStore } from './state/sqlite-store.js';
export type { ProviderOutcome, OutcomeStatus } from './push/outcome.js';
export { customerModel, parseCustomer, validateCustomer, type CustomerModel, type CustomerValidation } from './model/customer.js';
export type { Customer, Address, IdentityDocument, ProviderIds, ValidationIssue } from './model/types.js';
export { PROVIDER_IDS, isProviderId, type BuiltInProviderId, type ProviderId } from './providers.js';
export * from './errors/index.js';
export type { Adapter, ResolvedOptions } from './adapter/adapter.js';
export { createAdapter } from './adapter/create-adapter.js';
export { defineProvider, isProviderFactory, type ProviderFactory } from './adapter/define-provider.js';
export { pathSegment, unusableAsSegment, PathSegmentError } from './adapter/path.js';
export { sameEmail } from './adapter/match.js';
export type {
  AuthSpec,
  BodyResult,
  CommonAdapterOptions,
  ConflictRule,
  HttpMethod,
  LookupRule,
  Operation,
  ProviderDefinition,
  ProviderIdType,
  RequestSpec,
  RetryOptions,
  SuccessInfo,
  TokenExchange,
} from './adapter/definition.js';
export type { SyncEventMap, RequestEvent, ResponseEvent, RetryEvent, RateLimitEvent, RateAdjustedEvent, ResultEvent } from './events.js';
export { MemoryStateStore } from './state/memory-store.js';
export type { StateStore, LinkState, CreateIntent, FailureRecord } from './state/store.js';
