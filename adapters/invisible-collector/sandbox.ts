// The sandbox's emulation of Invisible Collector: shared/providers/invisible-collector-update-customer.txt and
// NOTES.md. Errors are `{ code, message }` with a numeric code; a 409 adds the existing customer's `gid`. In the
// `published` behaviour, what the official SDKs show instead: a 409 naming the customer as `gid`, as `id` or not at
// all (rotating, or forced by the published setting `conflictShape`), customers answered with `mobile` and without
// `phone` and `locale`, and a body that is not JSON answered 400 "Invalid JSON".
import {
  bearerToken,
  json,
  MultiMap,
  type Emulation,
  type EmulationContext,
  type Reply,
  type Route,
} from '../../src/sandbox/emulation.js';
import type { PublishedSettings, SandboxProvider } from '../../src/sandbox/provider.js';
import { freshId, savedCustomers, type FieldKind, type SavedState } from '../../src/sandbox/state.js';
import { isAlpha2, isEmail, isPlainObject } from '../../src/sandbox/validate.js';

/** The company API token, sent as `Authorization: Bearer …`. */
export type InvisibleCollectorSandboxCredentials = { token: string };

export interface InvisibleCollectorCustomer {
  gid: string;
  name: string | null;
  externalId: string | null;
  vatNumber: string | null;
  address: string | null;
  zipCode: string | null;
  city: string | null;
  country: string;
  email: string | null;
  phone: string | null;
  locale: string;
}

/** How a published 409 (VAT number already held) names the customer holding it: `gid`, `id`, or not at all. */
export type ConflictShape = 'gid' | 'id' | 'none';

export const CONFLICT_SHAPES: readonly ConflictShape[] = ['gid', 'id', 'none'];

/** Its settings of the `published` behaviour, given as `published['invisible-collector']`. */
export interface InvisibleCollectorPublishedOptions {
  /**
   * Which shape the 409 takes: one of `CONFLICT_SHAPES` every time, or `rotate`: `gid`, then `id`, then `none`,
   * then `gid` again, one step per 409, starting over whenever the behaviour is set (`setBehaviour`) or the
   * sandbox reset.
   * @default 'rotate'
   */
  conflictShape?: ConflictShape | 'rotate';
}

/** The published settings in force: the shape of the next 409. */
interface Published {
  nextConflictShape(): ConflictShape;
}

/** The order the published 409s name the existing customer in, one 409 after another. */
const ROTATION: readonly ConflictShape[] = ['gid', 'id', 'none'];

const published: PublishedSettings<Published> = {
  settings(given, where) {
    const { conflictShape = 'rotate', ...others } = (given ?? {}) as InvisibleCollectorPublishedOptions;
    const unknown = Object.keys(others)[0];
    if (unknown !== undefined) throw new RangeError(`${where}.${unknown} is not a setting (conflictShape)`);
    if (conflictShape !== 'rotate' && !CONFLICT_SHAPES.includes(conflictShape))
      throw new RangeError(
        `${where}.conflictShape must be rotate, ${CONFLICT_SHAPES.join(', ')}, got ${String(conflictShape)}`,
      );
    let conflicts = 0;
    return {
      nextConflictShape() {
        if (conflictShape !== 'rotate') return conflictShape;
        const shape = ROTATION[conflicts % ROTATION.length] ?? 'gid';
        conflicts += 1;
        return shape;
      },
    };
  },
};

const error = (status: number, message: string): Reply => json(status, { code: status, message });
const notFound = (): Reply => error(404, 'Customer not found');

export const IC_LOCALES: readonly string[] = ['pt', 'es', 'en', 'fr-fr', 'de', 'zh-CN'];
const DEFAULT_LOCALE = 'pt';

/** Every field but `gid`, in the order the page answers them. */
const FIELDS = [
  'name',
  'externalId',
  'vatNumber',
  'address',
  'zipCode',
  'city',
  'country',
  'email',
  'phone',
  'locale',
] as const;
type Field = (typeof FIELDS)[number];

/** A saved customer: every field present, `country` and `locale` always strings. */
const SAVED_FIELDS: Record<string, FieldKind> = {
  gid: 'string',
  ...Object.fromEntries(FIELDS.map((field) => [field, 'string|null'])),
  country: 'string',
  locale: 'string',
};

/** The sanity checks of a customer document, all problems in one message; `create` adds the POST's mandatory fields. */
function problems(body: Record<string, unknown>, create: boolean): string[] {
  const out: string[] = [];
  for (const field of FIELDS) {
    const value = body[field];
    if (value !== undefined && value !== null && typeof value !== 'string') out.push(`${field} must be a string`);
  }
  const mandatory: Field[] = create ? ['name', 'vatNumber', 'country'] : ['country'];
  for (const field of mandatory) {
    const value = body[field];
    if (value === undefined || value === null || value === '') out.push(`${field} is mandatory`);
  }
  const { country, locale, email } = body;
  if (typeof country === 'string' && country !== '' && !isAlpha2(country))
    out.push('country must be an ISO 3166-1 alpha-2 country code');
  if (typeof locale === 'string' && !IC_LOCALES.includes(locale))
    out.push(`locale must be one of ${IC_LOCALES.join(', ')}`);
  if (typeof email === 'string' && email !== '' && !isEmail(email)) out.push('email is not a valid email address');
  return out;
}

function emulate(
  ctx: EmulationContext<InvisibleCollectorSandboxCredentials, Published>,
): Emulation<InvisibleCollectorCustomer> {
  const { credentials } = ctx;
  const byGid = new Map<string, InvisibleCollectorCustomer>();
  const byExternalId = new MultiMap<string, InvisibleCollectorCustomer>();
  const byVat = new MultiMap<string, InvisibleCollectorCustomer>();

  /** `:id` is a gid, else an externalId (the first customer given it, when several share one). */
  const find = (id: string): InvisibleCollectorCustomer | undefined => byGid.get(id) ?? byExternalId.first(id);

  const isPublished = (): boolean => ctx.behaviour.published;

  /** The customer as answered; published: the phone as `mobile`, no `phone` or `locale` (as the SDKs show it). */
  const view = (c: InvisibleCollectorCustomer): Record<string, unknown> => {
    const { name, externalId, vatNumber, address, zipCode, city, country, email, phone, gid, locale } = c;
    const common = { name, externalId, vatNumber, address, zipCode, city, country, email };
    return isPublished() ? { ...common, mobile: phone, gid } : { ...common, phone, gid, locale };
  };

  /** The fields sent replace the stored ones (`null` clears one); the fields left out are kept. `gid` is never taken. */
  const apply = (customer: InvisibleCollectorCustomer, body: Record<string, unknown>): void => {
    const { externalId, vatNumber } = customer;
    for (const field of FIELDS) {
      const value = body[field];
      if (value === undefined) continue;
      if (field === 'country') customer.country = String(value);
      else if (field === 'locale') customer.locale = typeof value === 'string' ? value : DEFAULT_LOCALE;
      else customer[field] = typeof value === 'string' ? value : null;
    }
    byExternalId.move(externalId, customer.externalId, customer);
    byVat.move(vatNumber, customer.vatNumber, customer);
  };

  const checked = (
    body: unknown,
    create: boolean,
  ): { ok: true; body: Record<string, unknown> } | { ok: false; reply: Reply } => {
    // Syntactically JSON, but not a document object: the page's 422.
    if (!isPlainObject(body)) return { ok: false, reply: error(422, 'The request body must be a JSON object') };
    const found = problems(body, create);
    return found.length > 0 ? { ok: false, reply: error(422, found.join('; ')) } : { ok: true, body };
  };

  /** A create whose VAT number is held by `existing`: documented, always its `gid`; published, in turn (see above). */
  const conflict = (existing: InvisibleCollectorCustomer): Reply => {
    if (!isPublished())
      return json(409, { code: 409, message: 'A customer with the same VAT number already exists', gid: existing.gid });
    const body: Record<string, unknown> = { code: 409, message: 'Customer already registered' };
    const shape = ctx.behaviour.settings.nextConflictShape();
    if (shape === 'gid') body.gid = existing.gid;
    if (shape === 'id') body.id = existing.gid;
    return json(409, body);
  };

  const routes: Route[] = [
    {
      method: 'GET',
      path: '/customers/find',
      handle(req) {
        // Exact AND match on the given parameters; with none, every customer matches.
        const criteria: Array<[keyof InvisibleCollectorCustomer, string]> = [];
        for (const [param, field] of [
          ['externalId', 'externalId'],
          ['vat', 'vatNumber'],
          ['email', 'email'],
          ['phone', 'phone'],
        ] as const) {
          const value = req.query.get(param);
          if (value !== null) criteria.push([field, value]);
        }
        const wanted = req.query.get('externalId');
        const candidates = wanted === null ? byGid.values() : byExternalId.all(wanted);
        const found = [...candidates].filter((c) => criteria.every(([field, value]) => c[field] === value));
        return json(200, found.map(view));
      },
    },
    {
      method: 'PUT',
      path: '/customers/:id',
      handle(req) {
        const customer = find(req.params.id ?? '');
        if (customer === undefined) return notFound();
        const input = checked(req.body, false);
        if (!input.ok) return input.reply;
        apply(customer, input.body);
        return json(200, view(customer));
      },
    },
    {
      method: 'POST',
      path: '/customers',
      handle(req) {
        const input = checked(req.body, true);
        if (!input.ok) return input.reply;
        const existing = byVat.first(String(input.body.vatNumber));
        if (existing !== undefined) return conflict(existing);
        const customer: InvisibleCollectorCustomer = {
          gid: freshId(ctx.ids.uuid, (gid) => byGid.has(gid)),
          name: null,
          externalId: null,
          vatNumber: null,
          address: null,
          zipCode: null,
          city: null,
          country: '',
          email: null,
          phone: null,
          locale: DEFAULT_LOCALE,
        };
        apply(customer, input.body);
        byGid.set(customer.gid, customer);
        return json(201, view(customer));
      },
    },
    {
      method: 'GET',
      path: '/customers/:id',
      handle(req) {
        const customer = find(req.params.id ?? '');
        return customer === undefined ? notFound() : json(200, view(customer));
      },
    },
  ];

  return {
    routes,
    authenticate(req) {
      return bearerToken(req.headers) === credentials.token
        ? undefined
        : error(401, 'Invalid credentials were supplied');
    },
    errorBody: (status, message) => ({ code: status, message }),
    invalidJsonBody: () => (isPublished() ? { code: 400, message: 'Invalid JSON' } : undefined),
    customers: () => [...byGid.values()].map((c) => ({ ...c })),
    save: () => ({ customers: [...byGid.values()] }),
    load(state: SavedState) {
      for (const customer of savedCustomers<InvisibleCollectorCustomer>(state, 'gid', SAVED_FIELDS)) {
        byGid.set(customer.gid, customer);
        byExternalId.move(null, customer.externalId, customer);
        byVat.move(null, customer.vatNumber, customer);
      }
    },
  };
}

export const sandbox = {
  basePath: '',
  credentials: Object.freeze({ token: 'sandbox-ic-token' }),
  emulate,
  published,
  config: (baseUrl, credentials) => ({ baseUrl, token: credentials.token }),
} satisfies SandboxProvider<InvisibleCollectorSandboxCredentials, InvisibleCollectorCustomer, Published>;

declare module '../../src/sandbox/provider.js' {
  interface BuiltInSandboxes {
    'invisible-collector': typeof sandbox;
  }
}
