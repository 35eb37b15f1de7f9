import { pathSegment } from '../../src/adapter/path.js';
import type { ProviderDefinition, RequestSpec } from '../../src/adapter/definition.js';
import { createBody, updateBody } from './mapping.js';
import { auth, checkOptions, optionsShape, secrets, type YativoOptions } from './options.js';
import { describeConflict, errorKind, errorMessage, isConflict, lookupParse, parseSuccess } from './responses.js';

/**
 * Yativo (fiat API). Every POST and PUT carries an `Idempotency-Key`, as documented, but the key is not trusted:
 * Yativo's published server does not apply it to customer routes (NOTES.md). So a create whose outcome is unknown
 * is replayed, with its intent's key, only after a lookup by email found nothing (DESIGN §5), and a duplicate-email
 * 422 is adopted only when exactly one customer has exactly our email.
 */
export const definition: ProviderDefinition<YativoOptions> & { id: 'yativo' } = {
  id: 'yativo',
  name: 'Yativo',
  sandbox: () => import('./sandbox.js').then((module) => module.sandbox),
  // https://docs.yativo.com (fiat API reference, introduction): production base URL.
  defaultBaseUrl: 'https://api.yativo.com/api/v1',
  // Limits are per API key and unpublished (429 without Retry-After): stay well below anything plausible.
  defaultRateLimit: { perSecond: 5, concurrency: 2 },
  optionsShape,
  checkOptions,
  secrets,
  auth,
  idempotencyHeader: 'Idempotency-Key',

  // Never reached while `create.when` is `no-id`; kept for the report should that change.
  skipReason: () => 'no Yativo customer id is known (providerIds.yativo)',

  updateBody,
  // https://docs.yativo.com/user-management/customer/update-customer-data
  updateRequest: (providerId, body): RequestSpec => ({
    method: 'PUT',
    path: `/customer/${pathSegment(providerId)}`,
    body,
    retrySafe: true,
  }),

  create: {
    when: 'no-id',
    body: createBody,
    // https://docs.yativo.com/user-management/customer/add-customer
    request: (body): RequestSpec => ({ method: 'POST', path: '/customer', body, retrySafe: false }),
    conflict: { matches: isConflict, resolve: 'lookup', describe: describeConflict },
  },

  lookup: {
    key: 'email',
    // GET /customer?email= (the published server's list filter, a substring match), then `&page=N` while the
    // pagination says more follow. The server's own page size is kept: no parameter beyond those it is known for.
    request: (customer, page): RequestSpec => ({
      method: 'GET',
      path: '/customer',
      query: page === 1 ? { email: customer.email } : { email: customer.email, page: String(page) },
      retrySafe: true,
    }),
    parse: lookupParse,
  },

  errorKind,
  parseSuccess,
  errorMessage,
};
