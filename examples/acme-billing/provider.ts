// A provider of your own: Acme Billing (fictional; its API is described in README.md beside this file).
//
// Everything here comes from the package's public entry, 'customer-sync', as it would in your own project: the
// definition is data and pure functions, and customer-sync's pipeline does the rest (rate limits, retries, the state,
// create intents, lookups before a create is replayed, the report).
import {
  defineProvider,
  pathSegment,
  sameEmail,
  type BodyResult,
  type CommonAdapterOptions,
  type Customer,
  type RequestSpec,
} from 'customer-sync';
import { z } from 'zod';

/** What `acmeBilling({...})` takes, besides the options every adapter takes (`baseUrl`, `rateLimit`, `retry`, …). */
export interface AcmeBillingOptions extends CommonAdapterOptions {
  /** An API token from Acme's dashboard (Settings › API), sent as `Authorization: Bearer …`. */
  token: string;
  /** Find a record without `providerIds['acme-billing']` by email, else create its account. @default false */
  createMissing?: boolean;
}

// ---- Acme's answers, parsed at the boundary: what we read is required, anything else passes. ----

/** Account ids are positive integers; customer-sync carries every provider id as a string. */
const accountId = z.number().int().positive();

/** `201` from `POST /v2/accounts`, `200` from `PUT /v2/accounts/{id}`. */
const accountResponse = z.object({ account: z.object({ id: accountId }) });

/** `200` from `GET /v2/accounts?email=…&page=N`. */
const accountPage = z.object({
  data: z.array(z.object({ id: accountId, email: z.string(), externalRef: z.string().nullable().optional() })),
  hasMore: z.boolean(),
});

/** Every error: `{ "error": { "code", "message", … } }`. */
const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string().optional(),
    accountId: accountId.optional(),
  }),
});

// ---- Mapping: the canonical customer → Acme's account body. ----

/** Leaves out absent fields: a field the record lacks is never sent as `null` or `""`. */
function present<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function billingAddress(customer: Customer): Record<string, unknown> | undefined {
  const address = customer.address;
  if (address === undefined) return undefined;
  const line1 = [address.street, address.number].filter((part) => part !== undefined).join(' ');
  const body = present({
    line1: line1 === '' ? undefined : line1,
    city: address.city,
    region: address.state,
    postalCode: address.postalCode,
    country: address.country,
  });
  return Object.keys(body).length === 0 ? undefined : body;
}

/**
 * The account as an update sends it (and what customer-sync hashes to tell a changed record). `externalRef` is
 * the customer's id in your system: it is how a lookup tells your account from someone else's with the same email.
 */
function accountBody(customer: Customer): BodyResult {
  const body = present({
    email: customer.email,
    name: customer.name,
    phone: customer.phone,
    country: customer.country,
    billingAddress: billingAddress(customer),
    taxId: customer.vatNumber,
    externalRef: customer.id,
  });
  return { ok: true, body, warnings: [] };
}

/** A create needs a name besides the email (Acme answers 422 without one): said before anything is sent. */
function createBody(customer: Customer): BodyResult {
  if (customer.name === undefined) {
    return { ok: false, message: 'Acme Billing requires a name (name, or firstName and lastName) to create an account; the record has none' };
  }
  return accountBody(customer);
}

// ---- The definition. ----

const bearer = (token: string | undefined): Record<string, string> => (token === undefined ? {} : { Authorization: `Bearer ${token}` });

const acme = defineProvider<AcmeBillingOptions, 'acme-billing'>({
  id: 'acme-billing',
  name: 'Acme Billing',
  // Account ids are integers: `providerIds['acme-billing']` takes 42 or "42" (the same account).
  idType: 'integer',
  defaultBaseUrl: 'https://api.acme-billing.example',
  // Acme allows 10 requests a second per token: stay under it.
  defaultRateLimit: { perSecond: 8, concurrency: 4 },
  optionsShape: {
    token: z.string().min(1),
    createMissing: z.boolean().optional(),
  },
  secrets: (options) => [options.token],
  auth: (options) => ({ token: options.token, headers: bearer }),
  createMissing: (options) => options.createMissing === true,

  skipReason: () => "no Acme Billing account id is known (providerIds['acme-billing']) and createMissing is off",

  updateBody: accountBody,
  // PUT is idempotent: customer-sync retries it on a 429, a 5xx, a reset or a timeout.
  updateRequest: (id, body): RequestSpec => ({ method: 'PUT', path: `/v2/accounts/${pathSegment(id)}`, body, retrySafe: true }),

  create: {
    // Only with `createMissing`, after a lookup by email found no account of ours.
    when: 'on-missing',
    body: createBody,
    // No idempotency key: a create whose outcome is unknown is never sent again blindly; customer-sync looks the
    // email up first and adopts the account it finds (DESIGN §5).
    request: (body): RequestSpec => ({ method: 'POST', path: '/v2/accounts', body, retrySafe: false }),
    // 409 `email_taken`: ours only if the lookup below finds it; otherwise the record fails `rejected` and that
    // account is left untouched.
    conflict: {
      matches: (status, body) => status === 409 && errorBody.safeParse(body).data?.error.code === 'email_taken',
      resolve: 'lookup',
      describe: (body) => {
        const holder = errorBody.safeParse(body).data?.error.accountId;
        return holder === undefined ? 'an account already holds this email' : `account ${holder} already holds this email`;
      },
    },
  },

  lookup: {
    key: 'email and externalRef',
    // Acme's `email` filter matches part of an address, case-insensitively: every page is read, exact matches kept.
    request: (customer, page): RequestSpec => ({
      method: 'GET',
      path: '/v2/accounts',
      query: { email: customer.email, page: String(page) },
      retrySafe: true,
    }),
    // An account is ours when it has exactly our email and our id as its `externalRef`. One with our email and
    // another reference (or none: made by hand in Acme's dashboard) is never adopted; attach it yourself
    // (`customer-sync state resolve … --provider-id`, or `providerIds`) if it is the same customer.
    parse: (body, customer) => {
      const { data, hasMore } = accountPage.parse(body);
      const matches = data
        .filter((account) => sameEmail(account.email, customer.email) && account.externalRef === customer.id)
        .map((account) => String(account.id));
      return { matches, more: hasMore };
    },
  },

  parseSuccess: (_operation, body) => ({ providerId: String(accountResponse.parse(body).account.id) }),
  errorMessage: (_status, body) => errorBody.safeParse(body).data?.error.message,
});

/** The Acme Billing adapter: `acmeBilling({ token, createMissing: true })`. */
export const acmeBilling = acme;

// A config file's `"module"` entry loads this file and takes its default export.
export default acme;
