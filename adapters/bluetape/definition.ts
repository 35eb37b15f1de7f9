import { z } from 'zod';
import type { BodyResult, CommonAdapterOptions, ProviderDefinition } from '../../src/adapter/definition.js';
import type { Customer } from '../../src/model/types.js';
import { pathSegment, unusableAsSegment } from '../../src/adapter/path.js';
import {
  createResponseSchema,
  errorBodySchema,
  updateResponseSchema,
  type BlueTapeCreateBody,
  type BlueTapeCustomerBody,
} from './schemas.js';

export interface BlueTapeOptions extends CommonAdapterOptions {
  /** Sent as `X-BlueTape-Key`. */
  apiKey: string;
  /** Sent as `X-Integration-AccountId`. */
  accountId: string;
  /** When an update answers 404, create the customer (`POST /integration/customer`). @default false */
  createMissing?: boolean;
}

/** Canonical field → BlueTape field, for every field BlueTape requires that the canonical record may lack. */
const REQUIRED = [
  ['firstName', 'firstName'],
  ['lastName', 'lastName'],
  ['phone', 'cellPhoneNumber'],
  ['updatedAt', 'sourceModifiedDate'],
] as const satisfies ReadonlyArray<readonly [keyof Customer, keyof BlueTapeCustomerBody]>;

type Mapped<T> = { ok: true; body: T } | { ok: false; message: string };

/** The customer fields of both bodies. BlueTape requires all of them, so a missing one fails the record. */
function customerFields(customer: Customer): Mapped<BlueTapeCustomerBody> {
  const { firstName, lastName, phone, updatedAt } = customer;
  if (firstName === undefined || lastName === undefined || phone === undefined || updatedAt === undefined) {
    const missing = REQUIRED.filter(([field]) => customer[field] === undefined);
    const names = missing.map(([field, theirs]) => `${field} (${theirs})`).join(', ');
    return {
      ok: false,
      message: `BlueTape requires ${names}; the record has ${missing.length === 1 ? 'none' : 'none of them'}`,
    };
  }
  return {
    ok: true,
    body: {
      firstName,
      lastName,
      emailAddress: customer.email,
      cellPhoneNumber: phone,
      // Passed through untouched: it is the user's own timestamp, and re-formatting it would change the hash.
      sourceModifiedDate: updatedAt,
    },
  };
}

function unusableIdMessage(id: string): string {
  return `BlueTape cannot address a customer by the id "${id}"; it cannot be a URL path segment`;
}

function done(mapped: Mapped<BlueTapeCustomerBody | BlueTapeCreateBody>): BodyResult {
  return mapped.ok ? { ok: true, body: mapped.body, warnings: [] } : mapped;
}

export const definition: ProviderDefinition<BlueTapeOptions> & { id: 'bluetape' } = {
  id: 'bluetape',
  name: 'BlueTape',
  defaultBaseUrl: 'https://api.bluetape.com/genericBthubService',
  defaultRateLimit: { perSecond: 5, concurrency: 2 },
  optionsShape: {
    apiKey: z.string().min(1),
    accountId: z.string().min(1),
    createMissing: z.boolean().optional(),
  },
  secrets: (options) => [options.apiKey],
  // Static headers on every request; BlueTape answers 401 when either is missing. No Authorization header.
  auth: (options) => ({
    headers: () => ({ 'X-BlueTape-Key': options.apiKey, 'X-Integration-AccountId': options.accountId }),
  }),
  createMissing: (options) => options.createMissing === true,

  // BlueTape addresses customers by the caller's own id (the `id` given at create), so ours is the default.
  defaultId: (customer) => customer.id,
  skipReason: () => 'no id to address the customer at BlueTape',

  updateBody(customer) {
    const given = customer.providerIds?.bluetape;
    const pathId = given === undefined ? customer.id : String(given);
    if (unusableAsSegment(pathId)) return { ok: false, message: unusableIdMessage(pathId) };
    return done(customerFields(customer));
  },
  // PUT /integration/customer/{id} — shared/providers/bluetape-update-customer.txt. Answers 202.
  updateRequest: (providerId, body) => ({
    method: 'PUT',
    path: `/integration/customer/${pathSegment(providerId)}`,
    body,
    retrySafe: true,
  }),

  create: {
    when: 'on-missing',
    body(customer) {
      // The create's `id` is what later updates address, so it must be usable as a path segment too.
      if (unusableAsSegment(customer.id)) return { ok: false, message: unusableIdMessage(customer.id) };
      const fields = customerFields(customer);
      return done(fields.ok ? { ok: true, body: { id: customer.id, ...fields.body } } : fields);
    },
    // POST /integration/customer — shared/providers/NOTES.md (BlueTape). Answers 201.
    // Safe to repeat: BlueTape keys customers by our `id`, so a second create answers 409 instead of duplicating.
    request: (body) => ({ method: 'POST', path: '/integration/customer', body, retrySafe: true }),
    // 409 "Customer already exists.": the customer is there under our own id, which the create used; update it.
    conflict: { matches: (status) => status === 409, resolve: 'own-id' },
  },

  parseSuccess(operation, body) {
    const parsed = operation === 'create' ? createResponseSchema.parse(body) : updateResponseSchema.parse(body);
    return { providerId: parsed.blueTapeId };
  },
  errorMessage(_status, body) {
    const parsed = errorBodySchema.safeParse(body);
    return parsed.success ? parsed.data.reason : undefined;
  },
};
