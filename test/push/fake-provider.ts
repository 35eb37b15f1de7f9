import { pathSegment } from '../../src/adapter/path.js';
import type { ProviderDefinition, RequestSpec } from '../../src/adapter/definition.js';
import { providerError } from '../../src/errors/provider-errors.js';
import type { CustomerSyncError } from '../../src/errors/customer-sync-error.js';
import type { Sender, SendContext } from '../../src/push/deliver.js';
import type { Customer } from '../../src/model/types.js';

/** A provider shaped like Invisible Collector (id defaults to the customer's, create on 404, lookup, 409 gid). */
export function fakeDefinition(overrides: Partial<ProviderDefinition> = {}): ProviderDefinition {
  return {
    id: 'invisible-collector',
    name: 'Fake',
    defaultBaseUrl: 'https://fake.test',
    defaultRateLimit: { perSecond: 10, concurrency: 2 },
    optionsShape: {},
    secrets: () => [],
    auth: () => ({ headers: () => ({}) }),
    skipReason: () => 'no id known',
    defaultId: (c: Customer) => c.id,
    updateBody: (c: Customer) => ({ ok: true, body: { name: c.name, email: c.email }, warnings: [] }),
    updateRequest: (id: string, body: Record<string, unknown>): RequestSpec => ({
      method: 'PUT',
      path: `/customers/${pathSegment(id)}`,
      body,
      retrySafe: true,
    }),
    create: {
      when: 'on-missing',
      body: (c: Customer) => ({ ok: true, body: { name: c.name, email: c.email, externalId: c.id }, warnings: [] }),
      request: (body) => ({ method: 'POST', path: '/customers', body, retrySafe: false }),
      conflict: {
        matches: (status) => status === 409,
        resolve: 'lookup',
        describe: (body) => `VAT number is already held by another customer, gid ${(body as { gid?: string }).gid ?? '?'}`,
      },
    },
    lookup: {
      key: 'externalId',
      request: (c: Customer, page: number) => ({
        method: 'GET',
        path: '/customers/find',
        query: { externalId: c.id, page: String(page) },
        retrySafe: true,
      }),
      // An array of customers, or `{ page: [...], more: true }` to script pagination.
      parse: (body: unknown, c: Customer) => {
        const paged = body as { page?: Array<{ gid: string; externalId?: string }>; more?: boolean };
        const list = Array.isArray(body) ? (body as Array<{ gid: string; externalId?: string }>) : (paged.page ?? []);
        const matches = list.filter((x) => x.externalId === undefined || x.externalId === c.id).map((x) => x.gid);
        return { matches, more: paged.more === true };
      },
    },
    parseSuccess: (_op, body) => {
      const gid = (body as { gid?: unknown })?.gid;
      if (typeof gid !== 'string') throw new Error('no gid');
      return { providerId: gid };
    },
    errorMessage: (_status, body) => (body as { message?: string })?.message,
    ...overrides,
  };
}

export type Scripted = { status: number; body?: unknown } | CustomerSyncError;

/** A sender that answers from a script and logs every request with its idempotency key. */
export class ScriptedSender implements Sender {
  readonly log: Array<{ method: string; path: string; body?: unknown; query?: unknown; key?: string }> = [];
  constructor(readonly script: Scripted[]) {}

  async send(spec: RequestSpec, ctx: SendContext): Promise<{ status: number; body: unknown }> {
    this.log.push({ method: spec.method, path: spec.path, body: spec.body, query: spec.query, key: ctx.idempotencyKey });
    ctx.stats.requests += 1;
    const next = this.script.shift();
    if (!next) throw new Error(`unscripted request ${spec.method} ${spec.path}`);
    if (next instanceof Error) throw next;
    return { status: next.status, body: next.body };
  }

  errorFor(status: number, body: unknown, ctx: SendContext, summary?: string): CustomerSyncError {
    const kind = status === 404 ? 'not_found' : 'rejected';
    return providerError(kind, `Fake: ${summary ?? `answered ${status}`}`, {
      provider: 'invisible-collector',
      customerId: ctx.customerId,
      status,
      providerMessage: (body as { message?: string })?.message,
    });
  }
}
