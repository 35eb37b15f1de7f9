import { pathSegment } from '../../src/adapter/path.js';
import type { ProviderDefinition, RequestSpec } from '../../src/adapter/definition.js';
import { createBody, updateBody } from './mapping.js';
import { auth, checkOptions, optionsShape, secrets, type YativoOptions } from './options.js';
import { errorMessage, parseSuccess } from './responses.js';

/**
 * Yativo (fiat API). Every POST and PUT carries an `Idempotency-Key`, so both are safe to replay: a create is
 * replayed with the key of its recorded intent (DESIGN §5) and Yativo answers it without a second customer.
 */
export const yativoDefinition: ProviderDefinition<YativoOptions> = {
  id: 'yativo',
  name: 'Yativo',
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
    request: (body): RequestSpec => ({ method: 'POST', path: '/customer', body, retrySafe: true }),
  },

  parseSuccess,
  errorMessage,
};
