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

export const invisibleCollectorDefinition: ProviderDefinition<InvisibleCollectorOptions> = {
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
    const pathId = customer.providerIds?.['invisible-collector'] ?? customer.id;
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
    // 409: a customer with this VAT number exists; the body names its gid, which is what we update.
    onConflict: (_customer, body) => ({ updateId: conflictBodySchema.parse(body).gid }),
  },

  lookup: {
    // GET /customers/find?externalId=… — exact match, answers an array (NOTES.md, Go SDK).
    request: (customer) => ({
      method: 'GET',
      path: '/customers/find',
      query: { externalId: customer.id },
      retrySafe: true,
    }),
    /**
     * The gid of the customer whose externalId is ours. Several matches throw: updating a guess would overwrite
     * someone else's record.
     */
    parse(body: unknown, customer: Customer): string | undefined {
      const found = findResponseSchema.parse(body);
      const matches = found.filter((c) => c.externalId === customer.id);
      if (matches.length > 1) {
        throw new Error(`Invisible Collector has ${matches.length} customers with this externalId; cannot tell which`);
      }
      return matches[0]?.gid;
    },
  },

  parseSuccess: (_operation, body) => ({ providerId: customerResponseSchema.parse(body).gid }),
  errorMessage(_status, body) {
    const parsed = errorBodySchema.safeParse(body);
    return parsed.success ? parsed.data.message : undefined;
  },
};
