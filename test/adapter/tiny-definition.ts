import { z } from 'zod';
import type { CommonAdapterOptions, ProviderDefinition } from '../../src/adapter/definition.js';
import { pathSegment } from '../../src/adapter/path.js';

const BASE = 'https://tiny.example.com';

export interface TinyOptions extends CommonAdapterOptions {
  token: string;
}

/** The smallest provider there is: update by an integer id, nothing else. */
export const tinyDefinition: ProviderDefinition<TinyOptions> & { id: 'tiny' } = {
  id: 'tiny',
  name: 'Tiny CRM',
  idType: 'integer',
  defaultBaseUrl: BASE,
  defaultRateLimit: { perSecond: 50, concurrency: 2 },
  optionsShape: { token: z.string().min(1) },
  secrets: (options) => [options.token],
  auth: (options) => ({ token: options.token, headers: (token): Record<string, string> => (token === undefined ? {} : { Authorization: `Bearer ${token}` }) }),
  skipReason: () => 'no Tiny CRM id is known (providerIds.tiny)',
  updateBody: (customer) => ({ ok: true, body: { email: customer.email }, warnings: [] }),
  updateRequest: (id, body) => ({ method: 'PUT', path: `/contacts/${pathSegment(id)}`, body, retrySafe: true }),
  parseSuccess: () => ({}),
  errorMessage: () => undefined,
};

