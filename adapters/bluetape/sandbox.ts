// The sandbox's emulation of the BlueTape generic connector: shared/providers/bluetape-update-customer.txt and
// NOTES.md. Errors are `{ code: "<status>", reason }`, the code a string.
import {
  header,
  json,
  type Emulation,
  type EmulationContext,
  type Reply,
  type Route,
} from '../../src/sandbox/emulation.js';
import type { SandboxProvider } from '../../src/sandbox/provider.js';
import { freshId, savedCustomers, type SavedState } from '../../src/sandbox/state.js';
import { isE164, isEmail, isIsoDateTime, isPlainObject } from '../../src/sandbox/validate.js';

/** Sent as `X-BlueTape-Key` and `X-Integration-AccountId`. */
export type BlueTapeSandboxCredentials = { apiKey: string; accountId: string };

export interface BlueTapeStoredCustomer {
  id: string;
  blueTapeId: string;
  firstName: string;
  lastName: string;
  emailAddress: string;
  cellPhoneNumber: string;
  sourceModifiedDate: string;
  companyId?: string;
}

const error = (status: number, reason: string): Reply => json(status, { code: String(status), reason });
const notFound = (): Reply => error(404, 'Customer not found.');

const FIELDS = ['firstName', 'lastName', 'emailAddress', 'cellPhoneNumber', 'sourceModifiedDate'] as const;
type Fields = Pick<BlueTapeStoredCustomer, (typeof FIELDS)[number]>;

const CHECKS: Record<(typeof FIELDS)[number], ((value: string) => boolean) | undefined> = {
  firstName: undefined,
  lastName: undefined,
  emailAddress: isEmail,
  cellPhoneNumber: isE164,
  sourceModifiedDate: isIsoDateTime,
};

const FORMATS: Record<string, string> = {
  emailAddress: 'an email address',
  cellPhoneNumber: 'an E.164 phone number',
  sourceModifiedDate: 'an ISO 8601 date-time',
};

function requiredString(body: Record<string, unknown>, field: string, out: string[]): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') out.push(`${field} is required.`);
  else if (typeof value !== 'string') out.push(`${field} must be a string.`);
  else return value;
  return undefined;
}

/** Every problem of the body at once, one reason: all five fields are required (and `id` on create). */
function parse(
  body: unknown,
  withId: boolean,
): { ok: true; fields: Fields; id: string; companyId?: string } | { ok: false; reply: Reply } {
  if (!isPlainObject(body)) return { ok: false, reply: error(400, 'The request body must be a JSON object.') };
  const out: string[] = [];
  const id = withId ? requiredString(body, 'id', out) : '';
  const fields: Partial<Fields> = {};
  for (const field of FIELDS) {
    const value = requiredString(body, field, out);
    if (value === undefined) continue;
    const check = CHECKS[field];
    if (check !== undefined && !check(value)) out.push(`${field} must be ${FORMATS[field] ?? 'valid'}.`);
    else fields[field] = value;
  }
  const { companyId } = body;
  if (companyId !== undefined && companyId !== null && typeof companyId !== 'string')
    out.push('companyId must be a string.');
  if (out.length > 0 || id === undefined) return { ok: false, reply: error(400, out.join(' ')) };
  const parsed = { ok: true as const, fields: fields as Fields, id };
  return typeof companyId === 'string' ? { ...parsed, companyId } : parsed;
}

function emulate(ctx: EmulationContext<BlueTapeSandboxCredentials>): Emulation<BlueTapeStoredCustomer> {
  const { credentials } = ctx;
  const customers = new Map<string, BlueTapeStoredCustomer>();
  /** Every `blueTapeId` handed out, so that none is handed out twice (loaded ones included). */
  const blueTapeIds = new Set<string>();
  const signUpUrl = (id: string): string => `${ctx.baseUrl()}/integration/customer/${encodeURIComponent(id)}/signup`;

  const routes: Route[] = [
    {
      method: 'PUT',
      path: '/integration/customer/:id',
      handle(req) {
        const input = parse(req.body, false);
        if (!input.ok) return input.reply;
        const stored = customers.get(req.params.id ?? '');
        if (stored === undefined) return notFound();
        Object.assign(stored, input.fields);
        return json(202, { blueTapeId: stored.blueTapeId });
      },
    },
    {
      method: 'POST',
      path: '/integration/customer',
      handle(req) {
        const input = parse(req.body, true);
        if (!input.ok) return input.reply;
        if (customers.has(input.id)) return error(409, 'Customer already exists.');
        const blueTapeId = freshId(() => ctx.ids.hex(12), (id) => blueTapeIds.has(id));
        const stored: BlueTapeStoredCustomer = { id: input.id, blueTapeId, ...input.fields };
        if (input.companyId !== undefined) stored.companyId = input.companyId;
        customers.set(stored.id, stored);
        blueTapeIds.add(blueTapeId);
        return json(201, { blueTapeId: stored.blueTapeId, signUpUrl: signUpUrl(stored.id) });
      },
    },
    {
      // Sandbox only: BlueTape has no GET customer. Lets tests and the demo read what was stored.
      method: 'GET',
      path: '/integration/customer/:id',
      handle(req) {
        const stored = customers.get(req.params.id ?? '');
        return stored === undefined ? notFound() : json(200, { ...stored });
      },
    },
    {
      method: 'GET',
      path: '/integration/customer/:id/signup',
      handle(req) {
        const id = req.params.id ?? '';
        return customers.has(id) ? json(200, { signUpUrl: signUpUrl(id) }) : notFound();
      },
    },
  ];

  return {
    routes,
    authenticate(req) {
      const key = header(req.headers, 'x-bluetape-key');
      const account = header(req.headers, 'x-integration-accountid');
      if (key === undefined || account === undefined)
        return error(401, 'X-BlueTape-Key and X-Integration-AccountId headers are required.');
      if (key !== credentials.apiKey || account !== credentials.accountId)
        return error(401, 'Invalid integration key or account id.');
      return undefined;
    },
    errorBody: (status, message) => ({ code: String(status), reason: status === 500 ? 'Unexpected error' : message }),
    customers: () => [...customers.values()].map((c) => ({ ...c })),
    save: () => ({ customers: [...customers.values()] }),
    load(state: SavedState) {
      const saved = savedCustomers<BlueTapeStoredCustomer>(state, 'id', {
        id: 'string',
        blueTapeId: 'string',
        firstName: 'string',
        lastName: 'string',
        emailAddress: 'string',
        cellPhoneNumber: 'string',
        sourceModifiedDate: 'string',
        companyId: 'string?',
      });
      for (const stored of saved) {
        customers.set(stored.id, stored);
        blueTapeIds.add(stored.blueTapeId);
      }
    },
  };
}

export const sandbox = {
  basePath: '/genericBthubService',
  credentials: Object.freeze({ apiKey: 'sandbox-bluetape-key', accountId: 'sandbox-bluetape-account' }),
  emulate,
  config: (baseUrl, credentials) => ({ baseUrl, apiKey: credentials.apiKey, accountId: credentials.accountId }),
} satisfies SandboxProvider<BlueTapeSandboxCredentials, BlueTapeStoredCustomer>;

declare module '../../src/sandbox/provider.js' {
  interface BuiltInSandboxes {
    bluetape: typeof sandbox;
  }
}
