import { randomUUID } from 'node:crypto';
import type { ConflictRule, Operation, ProviderDefinition, RequestSpec } from '../adapter/definition.js';
import { CustomerSyncError } from '../errors/customer-sync-error.js';
import type { ErrorKind } from '../errors/kinds.js';
import { providerError } from '../errors/provider-errors.js';
import { kindForStatus } from '../pipeline/errors.js';
import { TIMEOUT } from '../pipeline/http-client.js';
import type { Customer } from '../model/types.js';
import type { CreateIntent, LinkState, StateStore } from '../state/store.js';
import { payloadHash } from './hash.js';
import { lockOf } from './keyed-lock.js';
import { personalValues } from '../model/personal.js';
import { findOurs, type Found } from './lookup.js';
import type { ProviderOutcome } from './outcome.js';
import {
  asDeliveryError,
  buildCreateRequest,
  buildUpdateBody,
  firstStep,
  intentRequest,
  resumeStep,
  stillUnknown,
  targetId,
} from './plan.js';

export interface SendContext {
  customerId: string;
  idempotencyKey?: string;
  stats: { requests: number; retries: number };
  /** The customer's values an error must not quote, should a provider echo them. */
  personal: () => Iterable<string>;
}

/** What delivery needs from the pipeline: send with retries, and turn a refused answer into a typed error. */
export interface Sender {
  send(spec: RequestSpec, ctx: SendContext): Promise<{ status: number; body: unknown }>;
  /** `summary` replaces the generic `HTTP <status>` in the message; the provider's own message still follows. */
  errorFor(status: number, body: unknown, ctx: SendContext, summary?: string): CustomerSyncError;
}

export interface DeliveryTarget {
  definition: ProviderDefinition;
  sender: Sender;
  createMissing: boolean;
}

export interface DeliverOptions {
  /** Send even when the payload is unchanged (`--full`). */
  full?: boolean;
}

type Done = Omit<ProviderOutcome, 'requests' | 'retries' | 'warnings'>;

/** In-run replays of a create whose outcome was unknown and whose lookup found nothing. */
const MAX_REPLAYS_PER_RUN = 1;

/** Stored after a create whose body is not the record as it is now: never equal to a payload hash. */
const UNCONFIRMED = '';

function withoutBody(request: RequestSpec): RequestSpec {
  const { body: _body, ...rest } = request;
  return rest;
}

const is2xx = (status: number): boolean => status >= 200 && status < 300;

/**
 * Brings one provider in step with one customer (DESIGN §3, §5): update when an id is known, create when the
 * provider allows it, finish any create intent left by an earlier attempt first. Never throws: every failure
 * becomes a `failed` outcome and is recorded in the state.
 */
export async function deliver(
  customer: Customer,
  target: DeliveryTarget,
  store: StateStore,
  options: DeliverOptions = {},
): Promise<ProviderOutcome> {
  const run = new Delivery(customer, target, store, options);
  const execute = () => run.execute();
  // Two pushes of one customer in this process (a worker's concurrent jobs, two library calls) take turns: the
  // second reads what the first recorded, instead of creating the customer a second time. A shared store's
  // lock does the same across processes.
  const withLock = store.withLock?.bind(store);
  const locked = withLock ? () => withLock(customer.id, target.definition.id, execute) : execute;
  const done = await lockOf(store).run(`${target.definition.id}\u0000customer\u0000${customer.id}`, locked);
  return { ...done, warnings: run.warnings, requests: run.ctx.stats.requests, retries: run.ctx.stats.retries };
}

class Delivery {
  readonly warnings: string[] = [];
  readonly ctx: SendContext;
  readonly #def: ProviderDefinition;
  /** Set when the provider refused a create outright: nothing was made, so the next attempt plans afresh. */
  #createRefused = false;

  constructor(
    readonly customer: Customer,
    readonly target: DeliveryTarget,
    readonly store: StateStore,
    readonly options: DeliverOptions,
  ) {
    this.#def = target.definition;
    this.ctx = { customerId: customer.id, stats: { requests: 0, retries: 0 }, personal: () => personalValues(customer) };
  }

  async execute(): Promise<Done> {
    try {
      return await this.#run();
    } catch (error) {
      const failure = this.#asError(error);
      const intent = this.#createRefused ? 'clear' : failure.kind === 'unknown_outcome' ? 'unknown' : 'keep';
      const record = { kind: failure.kind, status: failure.status, message: failure.message, at: new Date().toISOString() };
      await this.store.recordFailure(this.customer.id, this.#def.id, record, intent);
      return { status: 'failed', error: failure };
    }
  }

  async #run(): Promise<Done> {
    const link = (await this.store.get(this.customer.id, this.#def.id)) ?? {};
    const lookup = this.#def.lookup;
    if ((link.intent || this.#targetId(link.providerId) === undefined) && lookup) {
      // This path may look up, create or adopt by a natural key that other customers of ours may share (an
      // email): one at a time per key, so each sees the others' links.
      const key = `${this.#def.id}\u0000lookup\u0000${JSON.stringify(lookup.request(this.customer, 1))}`;
      return lockOf(this.store).run(key, () => this.#deliver(link));
    }
    return this.#deliver(link);
  }

  /** The first step is the one a dry run plans (plan.ts); the steps after it depend on the provider's answers. */
  async #deliver(link: LinkState): Promise<Done> {
    const step = firstStep(this.customer, link, this.target, this.options.full === true, this.warnings);
    switch (step.step) {
      case 'resume':
        return this.#resumeIntent(step.intent);
      case 'unchanged':
        return { status: 'unchanged', providerId: step.providerId };
      case 'update':
        return this.#update(step.id, step.body, step.mayCreate, step.hash);
      case 'create':
        return this.#create(step.body);
      case 'find-or-create': {
        const found = await this.#find();
        if (found.kind === 'found') return this.#adopt(found.id);
        if (found.kind === 'refused' || found.kind === 'taken') throw this.#rejected(found.reason);
        return this.#create(step.body);
      }
      case 'skip':
        return { status: 'skipped', reason: step.reason };
    }
  }

  #targetId(learned: string | undefined): string | undefined {
    return targetId(this.#def, this.customer, learned);
  }

  #updateBody(): Record<string, unknown> {
    return buildUpdateBody(this.#def, this.customer, this.warnings);
  }

  /** `knownHash`: the payload hash of `body` at `id`, when the comparison already computed it. */
  async #update(id: string, body: Record<string, unknown>, mayCreate: boolean, knownHash?: string): Promise<Done> {
    const spec = this.#def.updateRequest(id, body);
    const res = await this.#send(spec, randomUUID());
    if (is2xx(res.status)) {
      const providerId = this.#parse('update', res).providerId ?? id;
      const target = this.#targetId(providerId);
      const hash = knownHash !== undefined && target === id ? knownHash : payloadHash(target, body);
      await this.store.recordSuccess(this.customer.id, this.#def.id, { providerId, payloadHash: hash });
      return { status: 'updated', providerId };
    }
    const canCreate = mayCreate && this.#def.create?.when === 'on-missing' && this.target.createMissing;
    if (canCreate && this.#kindOf(res) === 'not_found') return this.#create(body);
    throw this.target.sender.errorFor(res.status, res.body, this.ctx);
  }

  async #create(updateBody: Record<string, unknown>): Promise<Done> {
    const request = this.#createRequest();
    const intent: CreateIntent = {
      idempotencyKey: randomUUID(),
      // The body is personal data: kept only where a replay must resend the same bytes under the same key.
      request: this.#def.idempotencyHeader === undefined ? withoutBody(request) : request,
      updateHash: payloadHash(undefined, updateBody),
      createdAt: new Date().toISOString(),
      status: 'pending',
    };
    await this.store.recordIntent(this.customer.id, this.#def.id, intent);
    return this.#sendIntent(intent, request, 0);
  }

  /**
   * A create left by an earlier attempt. One the provider deduplicates (a repeat answers a conflict) is
   * replayed as it is; any other is replayed only after a lookup says the customer is not there (DESIGN §5: a key
   * is a second line of defence, never the only one), and a customer the lookup finds is adopted and updated.
   */
  async #resumeIntent(intent: CreateIntent): Promise<Done> {
    const how = resumeStep(this.#def, intent);
    if (how === 'replay') return this.#sendIntent(intent, undefined, 0);
    if (how === 'unresolved') throw stillUnknown(this.#def, this.customer, 'not sent again until resolved');
    const found = await this.#find();
    if (found.kind === 'found') return this.#adopt(found.id);
    if (found.kind === 'refused') throw stillUnknown(this.#def, this.customer, found.reason);
    // The lookup is the authority DESIGN §5 names: nothing of ours there means the create was never applied (a
    // match linked to another customer of ours is theirs, not one this create made).
    return this.#sendIntent({ ...intent, status: 'pending' }, undefined, 0);
  }

  /**
   * Sends a recorded create. When its outcome is unknown because the provider failed or the connection dropped
   * (not a timeout: that request may still be running), a lookup settles it in this run: found, it is adopted;
   * not there, the create is replayed once with the same key. A timeout waits for the next run's lookup.
   */
  async #sendIntent(intent: CreateIntent, built: RequestSpec | undefined, replays: number): Promise<Done> {
    const request = built ?? intentRequest(this.#def, this.customer, intent, this.warnings);
    let res: { status: number; body: unknown };
    try {
      res = await this.#send(request, intent.idempotencyKey);
    } catch (error) {
      if (!this.#settleNow(error, replays)) throw error;
      // A lookup that fails settles nothing: the outcome stays unknown, for the next run to look up again.
      const found = await this.#find().catch(() => ({ kind: 'refused' as const, reason: 'lookup failed' }));
      if (found.kind === 'found') return { ...(await this.#adopt(found.id)), status: 'created' };
      if (found.kind === 'refused') throw error;
      return this.#sendIntent(intent, request, replays + 1);
    }
    if (is2xx(res.status)) return this.#created(res, intent, built !== undefined || intent.request.body === undefined);
    const conflict = this.#def.create?.conflict;
    if (conflict?.matches(res.status, res.body)) return this.#resolveConflict(conflict, res);
    this.#createRefused = true;
    throw this.target.sender.errorFor(res.status, res.body, this.ctx);
  }

  /**
   * The create was applied. `fresh` says its body was built from the record as it is now; a replayed intent
   * that carried an older body is followed by an update to bring the provider up to the record.
   */
  async #created(res: { status: number; body: unknown }, intent: CreateIntent, fresh: boolean): Promise<Done> {
    const { providerId } = this.#parse('create', res);
    if (providerId === undefined) throw this.#badResponse('the create response carries no customer id', res.status);
    const current = this.#def.updateBody(this.customer);
    const upToDate = current.ok && (fresh || payloadHash(undefined, current.body) === intent.updateHash);
    const targetId = this.#targetId(providerId) ?? providerId;
    await this.store.recordSuccess(this.customer.id, this.#def.id, {
      providerId,
      // Unknown content: the update below, or the next run, sends the record again.
      payloadHash: upToDate ? payloadHash(targetId, current.body) : UNCONFIRMED,
    });
    if (!upToDate && current.ok) await this.#update(targetId, current.body, false);
    return { status: 'created', providerId };
  }

  /**
   * A create refused because a customer may already exist. Never write over a customer that is not ours
   * (DESIGN §5): a conflict about our own id (`own-id`) is ours; any other is adopted only when the lookup finds exactly
   * one customer matching exactly, linked to no other customer of ours. Otherwise the record fails `rejected`,
   * nothing is written, and the intent is dropped (nothing was created), so the next run asks again.
   */
  async #resolveConflict(conflict: ConflictRule, res: { status: number; body: unknown }): Promise<Done> {
    if (conflict.resolve === 'own-id') {
      const id = this.#targetId(undefined);
      if (id === undefined) throw this.target.sender.errorFor(res.status, res.body, this.ctx);
      return this.#update(id, this.#updateBody(), false);
    }
    // A lookup that fails proves nothing: not provably ours, so not written; the conflict is the outcome.
    const key = this.#def.lookup?.key ?? 'id';
    const found = await this.#find().catch(
      (error: unknown): Found => ({ kind: 'refused', reason: `the lookup by ${key} failed: ${this.#asError(error).kind}` }),
    );
    if (found.kind === 'found') return this.#adopt(found.id);
    this.#createRefused = true;
    const what = conflict.describe?.(res.body) ?? `${this.#def.name} already holds a conflicting customer`;
    const why = found.kind === 'none' ? `no customer there has our ${key}` : found.reason;
    throw this.target.sender.errorFor(res.status, res.body, this.ctx, `${what}; not written (${why})`);
  }

  /** The lookup of DESIGN §5, every page read, exact matches only (lookup.ts). */
  async #find(): Promise<Found> {
    const lookup = this.#def.lookup;
    if (!lookup) return { kind: 'none' };
    return findOurs(lookup, {
      provider: this.#def.id,
      name: this.#def.name,
      customer: this.customer,
      store: this.store,
      read: async (page) => {
        const res = await this.#send(lookup.request(this.customer, page), undefined);
        if (!is2xx(res.status)) throw this.target.sender.errorFor(res.status, res.body, this.ctx);
        return res;
      },
      unreadable: (status) => this.#badResponse('the lookup response does not match the documented shape', status),
    });
  }

  /** A customer found at the provider and proved ours: brought up to the record, at the id DESIGN §3 addresses. */
  #adopt(found: string): Promise<Done> {
    return this.#update(this.#targetId(found) ?? found, this.#updateBody(), false);
  }

  #createRequest(): RequestSpec {
    return buildCreateRequest(this.#def, this.customer, this.warnings);
  }

  /** An unknown outcome this run may settle by a lookup: the request failed or was cut, but is not still running. */
  #settleNow(error: unknown, replays: number): boolean {
    if (!(error instanceof CustomerSyncError) || error.kind !== 'unknown_outcome') return false;
    if (!this.#def.lookup || replays >= MAX_REPLAYS_PER_RUN) return false;
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return code !== TIMEOUT;
  }

  #kindOf(res: { status: number; body: unknown }): ErrorKind {
    return this.#def.errorKind?.(res.status, res.body) ?? kindForStatus(res.status);
  }

  #rejected(reason: string): CustomerSyncError {
    return providerError('rejected', `${this.#def.name}: ${reason}; not written`, {
      provider: this.#def.id,
      customerId: this.customer.id,
    });
  }

  #send(spec: RequestSpec, idempotencyKey: string | undefined): Promise<{ status: number; body: unknown }> {
    const ctx: SendContext = idempotencyKey === undefined ? this.ctx : { ...this.ctx, idempotencyKey };
    return this.target.sender.send(spec, ctx);
  }

  #parse(operation: Operation, res: { status: number; body: unknown }): { providerId?: string | undefined } {
    try {
      return this.#def.parseSuccess(operation, res.body);
    } catch {
      // The status stays on the error: a 2xx says the change may well have been applied.
      throw this.#badResponse(`the ${operation} response does not match the documented shape`, res.status);
    }
  }

  #badResponse(message: string, status: number): CustomerSyncError {
    return providerError('bad_response', `${this.#def.name}: ${message} (HTTP ${status})`, {
      provider: this.#def.id,
      customerId: this.customer.id,
      status,
    });
  }

  #asError(error: unknown): CustomerSyncError {
    return asDeliveryError(this.#def, this.customer.id, error);
  }
}
