import { randomUUID } from 'node:crypto';
import type { Operation, ProviderDefinition, RequestSpec } from '../adapter/definition.js';
import { PathSegmentError } from '../adapter/path.js';
import { CustomerSyncError } from '../errors/customer-sync-error.js';
import { providerError } from '../errors/provider-errors.js';
import type { Customer } from '../model/types.js';
import type { CreateIntent, StateStore } from '../state/store.js';
import { payloadHash } from './hash.js';
import type { ProviderOutcome } from './outcome.js';

export interface SendContext {
  customerId: string;
  idempotencyKey?: string;
  stats: { requests: number; retries: number };
}

/** What delivery needs from the pipeline: send with retries, and turn a refused answer into a typed error. */
export interface Sender {
  send(spec: RequestSpec, ctx: SendContext): Promise<{ status: number; body: unknown }>;
  errorFor(status: number, body: unknown, ctx: SendContext): CustomerSyncError;
}

export interface DeliveryTarget {
  definition: ProviderDefinition;
  sender: Sender;
  createMissing: boolean;
}

export interface DeliverOptions {
  /** Send even when the payload is unchanged (`--full`). */
  full?: boolean;
  /**
   * Plan only: nothing is sent and nothing is written to the state. The outcome says what would happen and
   * `planned` lists the requests that would be sent (a lookup is planned as not finding the customer).
   */
  dryRun?: boolean;
}

type Done = Omit<ProviderOutcome, 'requests' | 'retries' | 'warnings'>;

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
  const done = store.withLock && !options.dryRun ? await store.withLock(customer.id, target.definition.id, execute) : await execute();
  const outcome: ProviderOutcome = { ...done, warnings: run.warnings, requests: run.ctx.stats.requests, retries: run.ctx.stats.retries };
  if (options.dryRun) outcome.planned = run.planned;
  return outcome;
}

class Delivery {
  readonly warnings: string[] = [];
  readonly planned: RequestSpec[] = [];
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
    this.ctx = { customerId: customer.id, stats: { requests: 0, retries: 0 } };
  }

  async execute(): Promise<Done> {
    try {
      return await this.#run();
    } catch (error) {
      const failure = this.#asError(error);
      if (this.options.dryRun) return { status: 'failed', error: failure };
      const intent = this.#createRefused ? 'clear' : failure.kind === 'unknown_outcome' ? 'unknown' : 'keep';
      const record = { kind: failure.kind, status: failure.status, message: failure.message, at: new Date().toISOString() };
      await this.store.recordFailure(this.customer.id, this.#def.id, record, intent);
      return { status: 'failed', error: failure };
    }
  }

  async #run(): Promise<Done> {
    const link = (await this.store.get(this.customer.id, this.#def.id)) ?? {};
    if (link.intent) return this.#resumeIntent(link.intent);

    const update = this.#def.updateBody(this.customer);
    if (!update.ok) throw this.#invalid(update.message);
    this.warnings.push(...update.warnings);

    const targetId = this.#targetId(link.providerId);
    if (targetId !== undefined) {
      if (!this.options.full && link.payloadHash === payloadHash(targetId, update.body)) {
        return { status: 'unchanged', providerId: link.providerId ?? targetId };
      }
      // A 404 for an id the record itself names is not_found, never a create: creating would make a second
      // customer every run while the record keeps naming the missing one.
      return this.#update(targetId, update.body, this.#recordId() === undefined);
    }
    const create = this.#def.create;
    if (create?.when === 'no-id') return this.#create(update.body);
    if (create?.when === 'on-missing' && this.target.createMissing) {
      const found = await this.#lookup();
      if (found !== undefined) return this.#update(found, update.body, false);
      return this.#create(update.body);
    }
    return { status: 'skipped', reason: this.#def.skipReason(this.customer) };
  }

  /**
   * The id an update addresses (DESIGN §3 "path id"): the one the record names, else the provider's default
   * (BlueTape and Invisible Collector take the customer's own id), else the one learned at a create.
   */
  #targetId(learned: string | undefined): string | undefined {
    return this.#recordId() ?? this.#def.defaultId?.(this.customer) ?? learned;
  }

  /** The id the input record itself names for this provider. */
  #recordId(): string | undefined {
    const id = this.customer.providerIds?.[this.#def.id];
    return id === undefined ? undefined : String(id);
  }

  async #update(id: string, body: Record<string, unknown>, mayCreate: boolean): Promise<Done> {
    const spec = this.#def.updateRequest(id, body);
    if (this.options.dryRun) {
      this.planned.push(spec);
      return { status: 'updated', providerId: id };
    }
    const res = await this.#send(spec, randomUUID());
    if (is2xx(res.status)) {
      const providerId = this.#parse('update', res).providerId ?? id;
      const hash = payloadHash(this.#targetId(providerId), body);
      await this.store.recordSuccess(this.customer.id, this.#def.id, { providerId, payloadHash: hash });
      return { status: 'updated', providerId };
    }
    const canCreate = mayCreate && this.#def.create?.when === 'on-missing' && this.target.createMissing;
    if (res.status === 404 && canCreate) return this.#create(body);
    throw this.target.sender.errorFor(res.status, res.body, this.ctx);
  }

  async #create(updateBody: Record<string, unknown>): Promise<Done> {
    const create = this.#def.create;
    if (!create) throw new Error(`${this.#def.name} has no create`);
    const built = create.body(this.customer);
    if (!built.ok) throw this.#invalid(built.message);
    for (const warning of built.warnings) if (!this.warnings.includes(warning)) this.warnings.push(warning);
    const intent: CreateIntent = {
      idempotencyKey: randomUUID(),
      request: create.request(built.body),
      updateBody,
      createdAt: new Date().toISOString(),
      status: 'pending',
    };
    if (this.options.dryRun) {
      this.planned.push(intent.request);
      return { status: 'created' };
    }
    await this.store.recordIntent(this.customer.id, this.#def.id, intent);
    return this.#sendIntent(intent);
  }

  /**
   * A create left by an earlier attempt. A retry-safe one (Yativo with its key, BlueTape answering 409) is replayed
   * as it was; one that may have been applied is resolved by a lookup, or stays `unknown_outcome`.
   */
  async #resumeIntent(intent: CreateIntent): Promise<Done> {
    if (intent.status === 'pending' && intent.request.retrySafe) return this.#sendIntent(intent);
    if (this.#def.lookup) {
      const found = await this.#lookup();
      const update = this.#def.updateBody(this.customer);
      if (!update.ok) throw this.#invalid(update.message);
      if (found !== undefined) return this.#update(found, update.body, false);
      // The lookup is the authority DESIGN §5 names: nothing there means the create was never applied.
      return this.#sendIntent({ ...intent, status: 'pending' });
    }
    throw providerError(
      'unknown_outcome',
      `${this.#def.name}: an earlier create may have been applied; not sent again until resolved`,
      { provider: this.#def.id, customerId: this.customer.id },
    );
  }

  async #sendIntent(intent: CreateIntent): Promise<Done> {
    if (this.options.dryRun) {
      this.planned.push(intent.request);
      return { status: 'created' };
    }
    const res = await this.#send(intent.request, intent.idempotencyKey);
    if (is2xx(res.status)) {
      const { providerId } = this.#parse('create', res);
      if (providerId === undefined) throw this.#badResponse('the create response carries no customer id', res.status);
      await this.store.recordSuccess(this.customer.id, this.#def.id, {
        providerId,
        payloadHash: payloadHash(this.#targetId(providerId), intent.updateBody),
      });
      return this.#afterCreate(providerId, intent);
    }
    const onConflict = this.#def.create?.onConflict;
    if (res.status === 409 && onConflict) {
      let updateId: string | undefined;
      try {
        ({ updateId } = onConflict(this.customer, res.body));
      } catch {
        // A 409 without what the provider documents (IC's gid): refused, with the provider's own message.
        this.#createRefused = true;
        throw this.target.sender.errorFor(res.status, res.body, this.ctx);
      }
      const id = updateId ?? this.#targetId(undefined);
      if (id === undefined) throw this.target.sender.errorFor(res.status, res.body, this.ctx);
      return this.#updateCurrent(id);
    }
    this.#createRefused = true;
    throw this.target.sender.errorFor(res.status, res.body, this.ctx);
  }

  /** A replayed intent carried an older payload: bring the provider up to the record as it is now. */
  async #afterCreate(providerId: string, intent: CreateIntent): Promise<Done> {
    const update = this.#def.updateBody(this.customer);
    if (update.ok && payloadHash(undefined, update.body) !== payloadHash(undefined, intent.updateBody)) {
      await this.#update(this.#targetId(providerId) ?? providerId, update.body, false);
    }
    return { status: 'created', providerId };
  }

  async #updateCurrent(id: string): Promise<Done> {
    const update = this.#def.updateBody(this.customer);
    if (!update.ok) throw this.#invalid(update.message);
    return this.#update(id, update.body, false);
  }

  async #lookup(): Promise<string | undefined> {
    const lookup = this.#def.lookup;
    if (!lookup) return undefined;
    if (this.options.dryRun) {
      this.planned.push(lookup.request(this.customer));
      return undefined;
    }
    const res = await this.#send(lookup.request(this.customer), undefined);
    if (!is2xx(res.status)) throw this.target.sender.errorFor(res.status, res.body, this.ctx);
    try {
      return lookup.parse(res.body, this.customer);
    } catch {
      throw this.#badResponse('the lookup response does not match the documented shape', res.status);
    }
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

  #invalid(message: string): CustomerSyncError {
    return providerError('invalid', message, { provider: this.#def.id, customerId: this.customer.id });
  }

  #badResponse(message: string, status: number): CustomerSyncError {
    return providerError('bad_response', `${this.#def.name}: ${message} (HTTP ${status})`, {
      provider: this.#def.id,
      customerId: this.customer.id,
      status,
    });
  }

  #asError(error: unknown): CustomerSyncError {
    if (error instanceof CustomerSyncError) return error;
    if (error instanceof PathSegmentError) return this.#invalid(`${this.#def.name}: ${error.message}`);
    // A bug of ours, not the provider's: report it without its message, which could hold anything.
    return providerError('transient', `${this.#def.name}: internal error (${(error as Error)?.name ?? 'unknown'})`, {
      provider: this.#def.id,
      customerId: this.customer.id,
    });
  }
}
