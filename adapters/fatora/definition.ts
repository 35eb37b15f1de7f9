import { pathSegment } from '../../src/adapter/path.js';
import type { ProviderDefinition, RequestSpec } from '../../src/adapter/definition.js';
import { clientBody } from './mapping.js';
import { auth, checkOptions, createMissing, optionsShape, secrets, type FatoraOptions } from './options.js';
import { errorMessage, lookupParse, parseSuccess } from './responses.js';

/**
 * Fatora. No idempotency keys: a PUT is safe to repeat, a create is not (DESIGN §5), so a create is only made
 * with `createMissing`, after a lookup by email found nothing.
 */
export const fatoraDefinition: ProviderDefinition<FatoraOptions> = {
  id: 'fatora',
  name: 'Fatora',
  // https://fatora.io/api/updateClient.php — the paths below carry the `/v1` prefix themselves.
  defaultBaseUrl: 'https://api.fatora.io',
  // Fatora documents no rate limit: stay conservative.
  defaultRateLimit: { perSecond: 5, concurrency: 2 },
  optionsShape,
  checkOptions,
  secrets,
  auth,
  createMissing,

  skipReason: () => 'no Fatora client id is known (providerIds.fatora) and createMissing is off',

  updateBody: clientBody,
  // https://fatora.io/api/updateClient.php
  updateRequest: (providerId, body): RequestSpec => ({
    method: 'PUT',
    path: `/v1/clients/${pathSegment(providerId)}`,
    body,
    retrySafe: true,
  }),

  create: {
    when: 'on-missing',
    body: clientBody,
    // https://fatora.io/api/addClient.php — no idempotency key: never replayed when its outcome is unknown.
    request: (body): RequestSpec => ({ method: 'POST', path: '/v1/clients', body, retrySafe: false }),
  },

  lookup: {
    // https://fatora.io/api/getAllClients.php — one page of 20 is plenty for one email address.
    request: (customer): RequestSpec => ({
      method: 'GET',
      path: '/v1/clients',
      query: { email: customer.email, page: '1', page_size: '20' },
      retrySafe: true,
    }),
    parse: lookupParse,
  },

  parseSuccess,
  errorMessage,
};
