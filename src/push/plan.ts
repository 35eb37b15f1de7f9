import type { Adapter } from '../adapter/adapter.js';
import type { ProviderDefinition, RequestSpec } from '../adapter/definition.js';
import { PathSegmentError } from '../adapter/path.js';
import { CustomerSyncError } from '../errors/customer-sync-error.js';
import { providerError } from '../errors/provider-errors.js';
import type { Customer } from '../model/types.js';
import type { CreateIntent, LinkState, StateStore } from '../state/store.js';
import { payloadHash } from './hash.js';
import type { ProviderOutcome } from './outcome.js';

/*
 * The decisions of DESIGN §3 and §5 that need nothing but the record and its stored link. `deliver` takes them
 * before it sends anything, and a dry run takes nothing else: the two read the same rules, so a plan cannot say one
 * thing while a delivery does another.
 */

/** What a plan needs of a provider: its definition and whether `createMissing` is on. */
export interface PlanTarget {
  definition: ProviderDefinition;
  createMissing: boolean;
}

/** An adapter as a plan sees it: no pipeline, nothing opened. */
export function planTarget(adapter: Adapter): PlanTarget {
  return { definition: adapter.definition, createMissing: adapter.definition.createMissing?.(adapter.options) ?? false };
}

/** The id the input record itself names for this provider. */
export function recordId(def: ProviderDefinition, customer: Customer): string | undefined {
  const id = customer.providerIds?.[def.id];
  return id === undefined ? undefined : String(id);
}

/**
 * The id an update addresses (DESIGN §3 "path id"): the one the record names, else the provider's default
 * (providers that key customers by the caller's id take the customer's own), else the one learned at a create.
 */
export function targetId(def: ProviderDefinition, customer: Customer, learned: string | undefined): string | undefined {
  return recordId(def, customer) ?? def.defaultId?.(customer) ?? learned;
}


/** The body an update sends for the record as it is now; its warnings join `warnings`. */
export function buildUpdateBody(def: ProviderDefinition, customer: Customer, warnings: string[]): Record<string, unknown> {
  const update = def.updateBody(customer);
  if (!update.ok) throw invalidFor(def, customer, update.message);
  addWarnings(warnings, update.warnings);
  return update.body;
}

/** The create request for the record as it is now; its warnings join `warnings`. */
export function buildCreateRequest(def: ProviderDefinition, customer: Customer, warnings: string[]): RequestSpec {
  const create = createRule(def);
  const built = create.body(customer);
  if (!built.ok) throw invalidFor(def, customer, built.message);
  addWarnings(warnings, built.warnings);
  return create.request(built.body);
}

/** The request of a recorded intent: as recorded when it kept its body, else built from the record as it is now. */
export function intentRequest(def: ProviderDefinition, customer: Customer, intent: CreateIntent, warnings: string[]): RequestSpec {
  const request = intent.request.body === undefined ? buildCreateRequest(def, customer, warnings) : intent.request;
  // Retry-safety is the provider's current rule, not the one recorded: an older state may say otherwise.
  return { ...request, retrySafe: createRetrySafe(def) };
}

export function createRule(def: ProviderDefinition): NonNullable<ProviderDefinition['create']> {
  const create = def.create;
  if (!create) throw new Error(`${def.name} has no create`);
  return create;
}

/** Whether the provider deduplicates a repeated create by itself (a repeat answers a conflict), so it may be replayed blindly. */
export function createRetrySafe(def: ProviderDefinition): boolean {
  return createRule(def).request({}).retrySafe;
}

/** Where a delivery starts, from the record and its link alone. */
export type FirstStep =
  | { step: 'resume'; intent: CreateIntent }
  | { step: 'unchanged'; providerId: string }
  /**
   * `mayCreate`: a 404 may turn into a create (never for an id the record itself names). `hash`: the payload hash of
   * `body` at `id`, when the comparison computed it, for the success record to reuse.
   */
  | { step: 'update'; id: string; body: Record<string, unknown>; mayCreate: boolean; hash?: string | undefined }
  | { step: 'create'; body: Record<string, unknown> }
  /** `createMissing`: look the customer up first, create only when nothing of ours is there. */
  | { step: 'find-or-create'; body: Record<string, unknown> }
  | { step: 'skip'; reason: string };

/** Throws `invalid` when the provider cannot take the record; the bodies' warnings join `warnings`. */
export function firstStep(customer: Customer, link: LinkState, target: PlanTarget, full: boolean, warnings: string[]): FirstStep {
  const def = target.definition;
  if (link.intent) return { step: 'resume', intent: link.intent };
  const body = buildUpdateBody(def, customer, warnings);
  const id = targetId(def, customer, link.providerId);
  if (id !== undefined) {
    // Whether the provider already holds this body at this id (DESIGN §6); `full` sends all the same.
    const hash = full ? undefined : payloadHash(id, body);
    if (hash !== undefined && link.payloadHash === hash) return { step: 'unchanged', providerId: link.providerId ?? id };
    // A 404 for an id the record itself names is not_found, never a create: creating would make a second
    // customer every run while the record keeps naming the missing one.
    return { step: 'update', id, body, mayCreate: recordId(def, customer) === undefined, hash };
  }
  const create = def.create;
  if (create?.when === 'no-id') return { step: 'create', body };
  if (create?.when === 'on-missing' && target.createMissing) return { step: 'find-or-create', body };
  return { step: 'skip', reason: def.skipReason(customer) };
}

/**
 * How a create left by an earlier attempt goes on (DESIGN §5): one the provider deduplicates is replayed as it is;
 * any other only after a lookup says the customer is not there; without a lookup it waits to be resolved.
 */
export function resumeStep(def: ProviderDefinition, intent: CreateIntent): 'replay' | 'lookup' | 'unresolved' {
  if (intent.status === 'pending' && createRetrySafe(def)) return 'replay';
  return def.lookup ? 'lookup' : 'unresolved';
}

/** What a dry run says of one provider: the outcome a delivery would reach, and the requests it would send. */
export type Plan = Omit<ProviderOutcome, 'requests' | 'retries' | 'planned'> & { planned: RequestSpec[] };

/**
 * The plan of one customer at one provider (DESIGN §1 `plan(customer, link)`), given the link the state holds:
 * pure and deterministic. A lookup is planned as its first page, finding nothing; a pending create as its replay.
 */
export function plan(customer: Customer, link: LinkState, target: PlanTarget, options: { full?: boolean | undefined } = {}): Plan {
  const def = target.definition;
  const warnings: string[] = [];
  const planned: RequestSpec[] = [];
  const lookupPage = (): void => {
    if (def.lookup) planned.push(def.lookup.request(customer, 1));
  };
  try {
    const step = firstStep(customer, link, target, options.full === true, warnings);
    switch (step.step) {
      case 'resume': {
        const how = resumeStep(def, step.intent);
        if (how === 'unresolved') throw stillUnknown(def, customer, 'not sent again until resolved');
        if (how === 'lookup') lookupPage();
        planned.push(intentRequest(def, customer, step.intent, warnings));
        return { status: 'created', warnings, planned };
      }
      case 'unchanged':
        return { status: 'unchanged', providerId: step.providerId, warnings, planned };
      case 'update':
        planned.push(def.updateRequest(step.id, step.body));
        return { status: 'updated', providerId: step.id, warnings, planned };
      case 'find-or-create':
        lookupPage();
        planned.push(buildCreateRequest(def, customer, warnings));
        return { status: 'created', warnings, planned };
      case 'create':
        planned.push(buildCreateRequest(def, customer, warnings));
        return { status: 'created', warnings, planned };
      case 'skip':
        return { status: 'skipped', reason: step.reason, warnings, planned };
    }
  } catch (error) {
    return { status: 'failed', error: asDeliveryError(def, customer.id, error), warnings, planned };
  }
}

/** A dry run at one provider: the link read once, then planned. Nothing is locked, sent or written. */
export async function planAt(customer: Customer, target: PlanTarget, store: StateStore, options: { full?: boolean | undefined } = {}): Promise<ProviderOutcome> {
  let link: LinkState;
  try {
    link = (await store.get(customer.id, target.definition.id)) ?? {};
  } catch (error) {
    return { status: 'failed', error: asDeliveryError(target.definition, customer.id, error), warnings: [], requests: 0, retries: 0, planned: [] };
  }
  const { planned, ...outcome } = plan(customer, link, target, options);
  return { ...outcome, requests: 0, retries: 0, planned };
}

export function invalidFor(def: ProviderDefinition, customer: Customer, message: string): CustomerSyncError {
  return providerError('invalid', message, { provider: def.id, customerId: customer.id });
}

export function stillUnknown(def: ProviderDefinition, customer: Customer, reason: string): CustomerSyncError {
  return providerError('unknown_outcome', `${def.name}: an earlier create may have been applied; ${reason}`, {
    provider: def.id,
    customerId: customer.id,
  });
}

/** Any error of a delivery as the typed error its outcome carries. */
export function asDeliveryError(def: ProviderDefinition, customerId: string, error: unknown): CustomerSyncError {
  if (error instanceof CustomerSyncError) return error;
  if (error instanceof PathSegmentError) return providerError('invalid', `${def.name}: ${error.message}`, { provider: def.id, customerId });
  // A bug of ours, not the provider's: report it without its message, which could hold anything.
  return providerError('transient', `${def.name}: internal error (${(error as Error)?.name ?? 'unknown'})`, { provider: def.id, customerId });
}

function addWarnings(warnings: string[], more: readonly string[]): void {
  for (const warning of more) if (!warnings.includes(warning)) warnings.push(warning);
}
