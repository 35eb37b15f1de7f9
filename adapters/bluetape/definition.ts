import { pathSegment } from '../../src/adapter/path.js';
import type { ProviderDefinition } from '../../src/adapter/definition.js';
import { createBody, updateBody } from './mapping.js';
import { auth, createMissing, optionsShape, secrets, type BlueTapeOptions } from './options.js';
import { errorMessage, isConflict, parseSuccess } from './responses.js';

export const definition: ProviderDefinition<BlueTapeOptions> & { id: 'bluetape' } = {
  id: 'bluetape',
  name: 'BlueTape',
  sandbox: () => import('./sandbox.js').then((module) => module.sandbox),
  defaultBaseUrl: 'https://api.bluetape.com/genericBthubService',
  defaultRateLimit: { perSecond: 5, concurrency: 2 },
  optionsShape,
  secrets,
  auth,
  createMissing,

  // BlueTape addresses customers by the caller's own id (the `id` given at create), so ours is the default.
  defaultId: (customer) => customer.id,
  skipReason: () => 'no id to address the customer at BlueTape',

  updateBody,
  // PUT /integration/customer/{id} — shared/providers/bluetape-update-customer.txt. Answers 202.
  updateRequest: (providerId, body) => ({
    method: 'PUT',
    path: `/integration/customer/${pathSegment(providerId)}`,
    body,
    retrySafe: true,
  }),

  create: {
    when: 'on-missing',
    body: createBody,
    // POST /integration/customer — shared/providers/NOTES.md (BlueTape). Answers 201.
    // Safe to repeat: BlueTape keys customers by our `id`, so a second create answers 409 instead of duplicating.
    request: (body) => ({ method: 'POST', path: '/integration/customer', body, retrySafe: true }),
    // 409 "Customer already exists.": the customer is there under our own id, which the create used; update it.
    conflict: { matches: isConflict, resolve: 'own-id' },
  },

  parseSuccess,
  errorMessage,
};
