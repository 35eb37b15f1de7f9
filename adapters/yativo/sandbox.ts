// The sandbox's emulation of the Yativo fiat API: shared/providers/yativo-*.txt and NOTES.md. Laravel-style
// envelopes and validation messages. In the `published` behaviour, what its published Laravel server does instead
// (NOTES.md, last section): no Idempotency-Key on customer routes, `customer_type` required, one customer per
// email, a create answered 200, and every error as `{ status: "failed", status_code, message: "Request failed.",
// data }` with HTTP status_code.
import {
  bearerToken,
  header,
  json,
  MultiMap,
  TokenStore,
  type Emulation,
  type EmulationContext,
  type Reply,
  type Route,
  type SandboxRequest,
} from '../../src/sandbox/emulation.js';
import type { SandboxProvider } from '../../src/sandbox/provider.js';
import {
  checkFields,
  freshId,
  savedCustomers,
  savedRecords,
  StateError,
  type SavedState,
} from '../../src/sandbox/state.js';
import { canonicalJson, isPlainObject } from '../../src/sandbox/validate.js';
import {
  add,
  checkString,
  copy,
  DOCUMENT_FIELDS,
  label,
  likeMatcher,
  present,
  PUBLIC_FIELDS,
  validate,
  type Errors,
} from './sandbox-rules.js';

/** A static bearer `token`, or `accountId` + `appSecret` exchanged at `POST /auth/login`. */
export type YativoSandboxCredentials = { token: string; accountId: string; appSecret: string };

/** A Yativo customer as stored; the identity document is kept here but never answered (as documented). */
export interface YativoStoredCustomer {
  customer_id: string;
  [field: string]: unknown;
}

/** Lifetime of the tokens `POST /auth/login` issues (`expires_in`), as documented, unless the options set one. */
const TOKEN_TTL_SECONDS = 600;

function envelope(status: number, message: string, data: unknown): Reply {
  return json(status, { status: 'success', status_code: status, message, data });
}

const invalid = (errors: Errors): Reply =>
  json(422, { status: 'error', status_code: 422, message: 'Validation failed', errors });
const failed = (error: string): Reply => json(400, { status_code: 400, message: 'Request failed', data: { error } });
const notFound = (): Reply => json(404, { status: 'error', status_code: 404, message: 'Customer not found' });

/** The published server's error (`get_error_response`): HTTP `status`, the details in `data`. */
const failedBody = (status: number, data: unknown): Record<string, unknown> => ({
  status: 'failed',
  status_code: status,
  message: 'Request failed.',
  data,
});
const publishedError = (status: number, data: unknown): Reply => json(status, failedBody(status, data));

/** `GET /customer`: 10 a page unless `per_page` says otherwise, at most 100. */
const DEFAULT_PER_PAGE = 10;
const MAX_PER_PAGE = 100;

/** A remembered answer as saved: a status, a JSON body, string headers. */
function savedReply(value: unknown, where: string): Reply {
  if (!isPlainObject(value) || !Number.isInteger(value.status))
    throw new StateError(`${where}.reply must be an object with an integer status`);
  const reply: Reply = { status: value.status as number, body: value.body };
  const { headers } = value;
  if (headers !== undefined) {
    if (!isPlainObject(headers) || !Object.values(headers).every((h) => typeof h === 'string'))
      throw new StateError(`${where}.reply.headers must be an object of strings`);
    reply.headers = headers as Record<string, string>;
  }
  return reply;
}

function emulate(ctx: EmulationContext<YativoSandboxCredentials>): Emulation<YativoStoredCustomer> {
  const { credentials } = ctx;
  const tokenTtlSeconds = ctx.tokenTtlSeconds ?? TOKEN_TTL_SECONDS;
  const tokens = new TokenStore();
  const customers = new Map<string, YativoStoredCustomer>();
  /** By lower-cased email: the published server's one-customer-per-email check. */
  const byEmail = new MultiMap<string, YativoStoredCustomer>();
  const emailKey = (stored: YativoStoredCustomer): string | null =>
    typeof stored.customer_email === 'string' ? stored.customer_email.toLowerCase() : null;
  const published = (): boolean => ctx.behaviour.published;
  /** Validation problems: 422 `errors` as documented; 400 `data` from the published server. */
  const refuse = (errors: Errors): Reply => (published() ? publishedError(400, errors) : invalid(errors));
  const unknownCustomer = (): Reply =>
    published() ? publishedError(400, { error: 'Customer not found' }) : notFound();
  const notAnObject = (): Reply =>
    published()
      ? publishedError(400, { error: 'The request body must be a JSON object' })
      : failed('The request body must be a JSON object');
  /** Idempotency keys (one account, so one scope): what the first request was, and what it was answered. */
  const keys = new Map<string, { fingerprint: string; reply: Reply }>();

  /** The customer as Yativo answers it: the identity document left out. */
  const view = (stored: YativoStoredCustomer): Record<string, unknown> => {
    const out: Record<string, unknown> = { customer_id: stored.customer_id };
    for (const field of PUBLIC_FIELDS) if (stored[field] !== undefined) out[field] = copy(stored[field]);
    return out;
  };

  const pick = (body: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const field of fields) if (present(body[field])) out[field] = copy(body[field]);
    return out;
  };

  /**
   * `Idempotency-Key` is required; a key seen before with the same method, path and body replays the first answer
   * (marked `Idempotent-Replayed: true`) without applying again; with another request it is refused. Only 2xx
   * answers are remembered: a refused request changed nothing, so sending it again simply runs it again.
   * Published: the key is ignored (the server's middleware is not on the customer routes): a replay runs again.
   */
  const idempotent =
    (handle: (req: SandboxRequest) => Reply) =>
    (req: SandboxRequest): Reply => {
      if (published()) return handle(req);
      const key = header(req.headers, 'idempotency-key')?.trim();
      if (key === undefined || key === '') return failed('Idempotency-Key header is required');
      const fingerprint = `${req.method} ${req.path} ${canonicalJson(req.body)}`;
      const seen = keys.get(key);
      if (seen !== undefined) {
        if (seen.fingerprint !== fingerprint) {
          return json(422, {
            status: 'error',
            status_code: 422,
            message: 'Idempotency-Key was already used with a different request',
            errors: {
              'Idempotency-Key': ['This Idempotency-Key was already used with a different method, path or body.'],
            },
          });
        }
        return { ...seen.reply, headers: { ...seen.reply.headers, 'idempotent-replayed': 'true' } };
      }
      const reply = handle(req);
      if (reply.status >= 200 && reply.status <= 299) keys.set(key, { fingerprint, reply });
      return reply;
    };

  const routes: Route[] = [
    {
      method: 'POST',
      path: '/auth/login',
      public: true,
      handle(req) {
        const body = isPlainObject(req.body) ? req.body : {};
        const errors: Errors = {};
        for (const field of ['account_id', 'app_secret']) {
          if (!present(body[field])) add(errors, field, `The ${label(field)} field is required.`);
          else checkString(errors, field, body[field]);
        }
        if (Object.keys(errors).length > 0) return invalid(errors);
        if (body.account_id !== credentials.accountId || body.app_secret !== credentials.appSecret) {
          return json(401, { status: 'error', status_code: 401, message: 'Invalid account_id or app_secret' });
        }
        const token = `yat_${ctx.ids.hex(40)}`;
        tokens.issue(token, tokenTtlSeconds);
        return envelope(200, 'Request successful', {
          access_token: token,
          token_type: 'bearer',
          expires_in: tokenTtlSeconds,
        });
      },
    },
    {
      method: 'POST',
      path: '/customer',
      handle: idempotent((req) => {
        if (!isPlainObject(req.body)) return notAnObject();
        const errors = validate(req.body, true, published());
        if (Object.keys(errors).length > 0) return refuse(errors);
        if (published() && byEmail.first(String(req.body.customer_email).toLowerCase()) !== undefined)
          return publishedError(422, { customer_email: ['Customer email already exists.'] });
        const stored: YativoStoredCustomer = {
          customer_id: freshId(ctx.ids.uuid, (id) => customers.has(id)),
          ...pick(req.body, PUBLIC_FIELDS),
          ...pick(req.body, DOCUMENT_FIELDS),
        };
        customers.set(stored.customer_id, stored);
        byEmail.move(null, emailKey(stored), stored);
        // The published server answers its 201 envelope with HTTP 200 (`get_success_response` sets no status).
        const reply = envelope(201, 'Request successful', view(stored));
        return published() ? { ...reply, status: 200 } : reply;
      }),
    },
    {
      method: 'PUT',
      path: '/customer/:id',
      handle: idempotent((req) => {
        const stored = customers.get(req.params.id ?? '');
        if (stored === undefined) return unknownCustomer();
        if (!isPlainObject(req.body)) return notAnObject();
        const errors = validate(req.body, false);
        if (Object.keys(errors).length > 0) return refuse(errors);
        // Fields sent replace the stored ones (customer_address as a whole); fields left out are kept.
        const before = emailKey(stored);
        Object.assign(stored, pick(req.body, PUBLIC_FIELDS));
        byEmail.move(before, emailKey(stored), stored);
        return envelope(200, 'Customer updated successfully', view(stored));
      }),
    },
    {
      method: 'GET',
      path: '/customer/:id',
      handle(req) {
        const stored = customers.get(req.params.id ?? '');
        return stored === undefined
          ? unknownCustomer()
          : envelope(200, 'Records retrieved successfully', view(stored));
      },
    },
    {
      method: 'GET',
      path: '/customer',
      handle(req) {
        const perPage = Math.min(
          MAX_PER_PAGE,
          Math.max(1, Number.parseInt(req.query.get('per_page') ?? '', 10) || DEFAULT_PER_PAGE),
        );
        const page = Math.max(1, Number.parseInt(req.query.get('page') ?? '1', 10) || 1);
        // `email` as the published server filters it, in both behaviours: `LIKE '%email%'`, case-insensitive.
        const email = req.query.get('email');
        const matches = email === null ? undefined : likeMatcher(`%${email}%`);
        const all = [...customers.values()].filter(
          (c) => matches === undefined || (typeof c.customer_email === 'string' && matches(c.customer_email)),
        );
        const data = all.slice((page - 1) * perPage, page * perPage).map(view);
        const pagination = {
          total: all.length,
          per_page: perPage,
          current_page: page,
          last_page: Math.max(1, Math.ceil(all.length / perPage)),
        };
        return json(200, {
          status: 'success',
          status_code: 200,
          message: 'Records retrieved successfully',
          data,
          pagination,
        });
      },
    },
  ];

  return {
    routes,
    authenticate(req) {
      const token = bearerToken(req.headers);
      if (token !== undefined && (token === credentials.token || tokens.valid(token))) return undefined;
      // Published: the server renders an AuthenticationException with get_error_response('Unauthenticated', 401).
      return published()
        ? publishedError(401, { error: 'Unauthenticated' })
        : json(401, { message: 'Unauthenticated.' });
    },
    errorBody(status, message) {
      if (published()) return failedBody(status, { error: status === 401 ? 'Unauthenticated' : message });
      if (status === 401) return { message: 'Unauthenticated.' };
      if (status === 400) return { status_code: 400, message: 'Request failed', data: { error: message } };
      if (status === 422)
        return { status: 'error', status_code: 422, message: 'Validation failed', errors: { request: [message] } };
      if (status === 429) return { status: 'error', status_code: 429, message: 'Too Many Attempts.' };
      return { status: 'error', status_code: status, message };
    },
    customers: () => [...customers.values()].map((stored) => structuredClone(stored)),
    save: () => ({
      customers: [...customers.values()],
      idempotencyKeys: [...keys].map(([key, { fingerprint, reply }]) => ({ key, fingerprint, reply })),
    }),
    load(state: SavedState) {
      for (const stored of savedCustomers<YativoStoredCustomer>(state, 'customer_id', { customer_id: 'string' })) {
        customers.set(stored.customer_id, stored);
        byEmail.move(null, emailKey(stored), stored);
      }
      savedRecords(state, 'idempotencyKeys').forEach((record, i) => {
        const where = `idempotencyKeys[${i}]`;
        checkFields(record, where, { key: 'string', fingerprint: 'string' });
        keys.set(String(record.key), { fingerprint: String(record.fingerprint), reply: savedReply(record.reply, where) });
      });
    },
  };
}

export const sandbox = {
  basePath: '/api/v1',
  credentials: Object.freeze({
    token: 'sandbox-yativo-token',
    accountId: 'sandbox-yativo-account',
    appSecret: 'sandbox-yativo-secret',
  }),
  emulate,
  // By token: the simplest form, and the one that needs no exchange.
  config: (baseUrl, credentials) => ({ baseUrl, token: credentials.token }),
} satisfies SandboxProvider<YativoSandboxCredentials, YativoStoredCustomer>;

declare module '../../src/sandbox/provider.js' {
  interface BuiltInSandboxes {
    yativo: typeof sandbox;
  }
}
