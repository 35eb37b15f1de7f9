import { pathSegment } from '../../src/adapter/path.js';
import type { ProviderDefinition, RequestSpec } from '../../src/adapter/definition.js';
import { createBody, updateBody } from './mapping.js';
import { auth, checkOptions, createMissing, optionsShape, secrets, type FatoraOptions } from './options.js';
import { describeConflict, errorMessage, isConflict, LOOKUP_PAGE_SIZE, lookupParse, parseSuccess } from './responses.js';

/**
 * Fatora. No idempotency keys: a PUT is safe to repeat, a create is not (DESIGN §5), so a create is only made
 * with `createMissing`, after a lookup by email found nothing.
 */
export const definition: ProviderDefinition<FatoraOptions> & { id: 'fatora' } = {
  id: 'fatora',
  name: 'Fatora',
  sandbox: () => import('./sandbox.js').then((module) => module.sandbox),
  // Client ids are integers (DESIGN §2): `providerIds.fatora` is given as a number or a string of its digits.
  idType: 'integer',
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

  updateBody,
  // https://fatora.io/api/updateClient.php
  updateRequest: (providerId, body): RequestSpec => ({
    method: 'PUT',
    path: `/v1/clients/${pathSegment(providerId)}`,
    body,
    retrySafe: true,
  }),

  create: {
    when: 'on-missing',
    body: createBody,
    // https://fatora.io/api/addClient.php — no idempotency key: never replayed when its outcome is unknown.
    request: (body): RequestSpec => ({ method: 'POST', path: '/v1/clients', body, retrySafe: false }),
    // 409 "adding new client with same data of existing client": ours only if the lookup by email says so.
    conflict: { matches: isConflict, resolve: 'lookup', describe: describeConflict },
  },

  lookup: {
    key: 'email',
    // https://fatora.io/api/getAllClients.php — the email filter is not documented as exact, so every page is
    // read: an exact match may sit behind a page of near ones (`joann@…` for `ann@…`).
    request: (customer, page): RequestSpec => ({
      method: 'GET',
      path: '/v1/clients',
      query: { email: customer.email, page: String(page), page_size: String(LOOKUP_PAGE_SIZE) },
      retrySafe: true,
    }),
    parse: lookupParse,
  },

  parseSuccess,
  errorMessage,
};
