import { z } from 'zod';
import type { CommonAdapterOptions, ProviderDefinition } from '../../src/adapter/definition.js';
import type { Customer } from '../../src/model/types.js';
import { customerBody } from './body.js';
import { pathSegment, unusableAsSegment } from '../../src/adapter/path.js';
import { conflictBodySchema, customerResponseSchema, errorBodySchema, findResponseSchema } from './schemas.js';

export interface InvisibleCollectorOptions extends CommonAdapterOptions {
  /** The company's API token, sent as `Authorization: Bearer …`. */
  token: string;
  /** When an update answers 404, create the customer (`POST /customers`; needs name and vatNumber). @default false */
  createMissing?: boolean;
}

/** Fields `POST /customers` requires besides `country` (which every body requires). */
const CREATE_REQUIRED = ['name', 'vatNumber'] as const satisfies ReadonlyArray<keyof Customer>;

function unusableIdMessage(id: string): string {
  return `Invisible Collector cannot address a customer by the id "${id}"; it cannot be a URL path segment`;
}

export const definition: ProviderDefinition<InvisibleCollectorOptions> & { id: 'invisible-collector' } = {
  id: 'invisible-collector',
  name: 'Invisible Collector',
  defaultBaseUrl: 'https://api.invisiblecollector.com',
  defaultRateLimit: { perSecond: 5, concurrency: 2 },
  optionsShape: {
    token: z.string().min(1),
    createMissing: z.boolean().optional(),
  },
  secrets: (options) => [options.token],
  auth: (options) => ({
    token: options.token,
    headers: (token): Record<string, string> => (token === undefined ? {} : { Authorization: `Bearer ${token}` }),
  }),
  createMissing: (options) => options.createMissing === true,

  // PUT /customers/:id takes the gid or the externalId; ours is the externalId, so it addresses the customer.
  defaultId: (customer) => customer.id,
  skipReason: () => 'no id to address the customer at Invisible Collector',

  updateBody(customer) {
    const given = customer.providerIds?.['invisible-collector'];
    const pathId = given === undefined ? customer.id : String(given);
    if (unusableAsSegment(pathId)) return { ok: false, message: unusableIdMessage(pathId) };
    return customerBody(customer);
  },
  // PUT /customers/:id — https://invisiblecollector.com/docs/developers/api/customers/put/
  // Retry-safe: the page says "This request is idempotent".
  updateRequest: (providerId, body) => ({
    method: 'PUT',
    path: `/customers/${pathSegment(providerId)}`,
    body,
    retrySafe: true,
  }),

  create: {
    when: 'on-missing',
    body(customer) {
      const mapped = customerBody(customer);
      if (!mapped.ok) return mapped;
      const missing = CREATE_REQUIRED.filter((field) => customer[field] === undefined);
      if (missing.length > 0) {
        const none = missing.length === 1 ? 'none' : 'none of them';
        return {
          ok: false,
          message: `Invisible Collector requires ${missing.join(', ')} to create a customer; the record has ${none}`,
        };
      }
      return mapped;
    },
    // POST /customers — https://invisiblecollector.com/docs/developers/api/customers/post/
    // Not retry-safe (DESIGN §3, §5): the page promises idempotency only for an identical customer, so an unknown
    // outcome is not sent again; the lookup by externalId resolves it instead.
    request: (body) => ({ method: 'POST', path: '/customers', body, retrySafe: false }),
    // 409: a customer with this VAT number exists. Two contacts of one company share a VAT number, so the one it
    // names (by gid, by id, or not at all) is ours only if its externalId is our id: the lookup decides.
    conflict: {
      matches: (status) => status === 409,
      resolve: 'lookup',
      describe(body) {
        const named = conflictBodySchema.safeParse(body).data;
        const holder = named?.gid ?? named?.id;
        return holder === undefined
          ? 'VAT number is already held by another customer'
          : `VAT number is already held by another customer, gid ${holder}`;
      },
    },
  },

  lookup: {
    key: 'externalId',
    // GET /customers/find?externalId=… — exact match, answers an array, not paginated (NOTES.md, Go SDK).
    request: (customer) => ({
      method: 'GET',
      path: '/customers/find',
      query: { externalId: customer.id },
      retrySafe: true,
    }),
    parse(body: unknown, customer: Customer) {
      const found = findResponseSchema.parse(body);
      return { matches: found.filter((c) => c.externalId === customer.id).map((c) => c.gid), more: false };
    },
  },

  parseSuccess: (_operation, body) => ({ providerId: customerResponseSchema.parse(body).gid }),
  errorMessage(_status, body) {
    const parsed = errorBodySchema.safeParse(body);
    return parsed.success ? parsed.data.message : undefined;
  },
};
