import { pathSegment } from '../../src/adapter/path.js';
import type { ProviderDefinition } from '../../src/adapter/definition.js';
import { createBody, updateBody } from './mapping.js';
import { auth, createMissing, optionsShape, secrets, type InvisibleCollectorOptions } from './options.js';
import { describeConflict, errorMessage, isConflict, lookupParse, parseSuccess } from './responses.js';

export const definition: ProviderDefinition<InvisibleCollectorOptions> & { id: 'invisible-collector' } = {
  id: 'invisible-collector',
  name: 'Invisible Collector',
  sandbox: () => import('./sandbox.js').then((module) => module.sandbox),
  defaultBaseUrl: 'https://api.invisiblecollector.com',
  defaultRateLimit: { perSecond: 5, concurrency: 2 },
  optionsShape,
  secrets,
  auth,
  createMissing,

  // PUT /customers/:id takes the gid or the externalId; ours is the externalId, so it addresses the customer.
  defaultId: (customer) => customer.id,
  skipReason: () => 'no id to address the customer at Invisible Collector',

  updateBody,
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
    body: createBody,
    // POST /customers — https://invisiblecollector.com/docs/developers/api/customers/post/
    // Not retry-safe (DESIGN §3, §5): the page promises idempotency only for an identical customer, so an unknown
    // outcome is not sent again; the lookup by externalId resolves it instead.
    request: (body) => ({ method: 'POST', path: '/customers', body, retrySafe: false }),
    // 409: a customer with this VAT number exists. Two contacts of one company share a VAT number, so the one it
    // names (by gid, by id, or not at all) is ours only if its externalId is our id: the lookup decides.
    conflict: { matches: isConflict, resolve: 'lookup', describe: describeConflict },
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
    parse: lookupParse,
  },

  parseSuccess,
  errorMessage,
};
