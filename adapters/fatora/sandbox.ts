// The sandbox's emulation of Fatora: shared/providers/fatora-update-client.txt and NOTES.md. Errors are
// `{ status: "ERROR", error }`, where `error` is the documented string for a bad API key and a `{ code, message }`
// object otherwise (as in fixtures/).
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
} from '../../src/sandbox/emulation.js';
import type { SandboxProvider } from '../../src/sandbox/provider.js';
import { savedCounter, savedCustomers, type SavedState } from '../../src/sandbox/state.js';
import { isEmail, isPlainObject } from '../../src/sandbox/validate.js';

/** A static bearer `token`, or `apiKey` exchanged at `GET /v1/Authorization/Authorize`. */
export type FatoraSandboxCredentials = { token: string; apiKey: string };

export interface FatoraClient {
  id: number;
  name: string | null;
  phone: string | null;
  email: string;
  address: string | null;
  note: string | null;
}

/** Issued bearer tokens: Fatora documents no lifetime (one sample lived 360 days), so they last the run. */
const TOKEN_TTL_SECONDS = 360 * 24 * 3600;
const FIRST_CLIENT_ID = 1001;

const error = (status: number, message: string): Reply =>
  json(status, { status: 'ERROR', error: { code: status, message } });
const notFound = (): Reply => error(404, 'Client not found');

const OPTIONAL_FIELDS = ['name', 'phone', 'address', 'notes', 'note'] as const;

/** The problems of a client body (create and update take the same one); `email` is the one required field. */
function problems(body: Record<string, unknown>): string[] {
  const out: string[] = [];
  const { email } = body;
  if (email === undefined || email === null || email === '') out.push('The email field is required.');
  else if (typeof email !== 'string') out.push('The email field must be a string.');
  else if (!isEmail(email)) out.push('The email field is not a valid e-mail address.');
  for (const field of OPTIONAL_FIELDS) {
    const value = body[field];
    if (value !== undefined && value !== null && typeof value !== 'string')
      out.push(`The ${field} field must be a string.`);
  }
  return out;
}

/** Route ids are integers (`{client_id:int}`): anything else matches no client. */
function clientId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function emulate(ctx: EmulationContext<FatoraSandboxCredentials>): Emulation<FatoraClient> {
  const { credentials } = ctx;
  const tokens = new TokenStore();
  const clients = new Map<number, FatoraClient>();
  /** By lower-cased email, for the create's conflict check. */
  const byEmail = new MultiMap<string, FatoraClient>();
  let nextId = FIRST_CLIENT_ID;

  /** The request's fields over what is stored: a field left out keeps its value. `notes` is answered as `note`. */
  const apply = (client: FatoraClient, body: Record<string, unknown>): void => {
    const email = String(body.email);
    byEmail.move(client.email === '' ? null : client.email.toLowerCase(), email.toLowerCase(), client);
    client.email = email;
    if (body.name !== undefined) client.name = text(body.name);
    if (body.phone !== undefined) client.phone = text(body.phone);
    if (body.address !== undefined) client.address = text(body.address);
    const note = body.notes !== undefined ? body.notes : body.note;
    if (note !== undefined) client.note = text(note);
  };

  const checked = (body: unknown): { ok: true; body: Record<string, unknown> } | { ok: false; reply: Reply } => {
    if (!isPlainObject(body)) return { ok: false, reply: error(400, 'The request body must be a JSON object.') };
    const found = problems(body);
    return found.length > 0 ? { ok: false, reply: error(400, found.join(' ')) } : { ok: true, body };
  };

  const routes: Route[] = [
    {
      method: 'GET',
      path: '/v1/Authorization/Authorize',
      public: true,
      handle(req) {
        if (header(req.headers, 'api_key') !== credentials.apiKey)
          return json(401, { status: 'ERROR', error: 'Invalid API Key' });
        const token = `ftr_${ctx.ids.hex(48)}`;
        tokens.issue(token, ctx.tokenTtlSeconds ?? TOKEN_TTL_SECONDS);
        return json(200, { success: true, bearer_token: token });
      },
    },
    {
      method: 'PUT',
      path: '/v1/clients/:id',
      handle(req) {
        const input = checked(req.body);
        if (!input.ok) return input.reply;
        const client = clients.get(clientId(req.params.id) ?? -1);
        if (client === undefined) return notFound();
        apply(client, input.body);
        return json(200, { status: 'SUCCESS', client: { ...client } });
      },
    },
    {
      method: 'POST',
      path: '/v1/clients',
      handle(req) {
        const input = checked(req.body);
        if (!input.ok) return input.reply;
        if (byEmail.first(String(input.body.email).toLowerCase()) !== undefined) {
          return error(409, 'A client with the same data already exists.');
        }
        const client: FatoraClient = { id: nextId++, name: null, phone: null, email: '', address: null, note: null };
        apply(client, input.body);
        clients.set(client.id, client);
        return json(201, { status: 'SUCCESS', client: { ...client } });
      },
    },
    {
      method: 'GET',
      path: '/v1/clients/:id',
      handle(req) {
        const client = clients.get(clientId(req.params.id) ?? -1);
        return client === undefined ? notFound() : json(200, { status: 'SUCCESS', client: { ...client } });
      },
    },
    {
      method: 'GET',
      path: '/v1/clients',
      handle(req) {
        const page = Number(req.query.get('page') ?? '1');
        const pageSize = Number(req.query.get('page_size') ?? '20');
        if (!Number.isInteger(page) || page < 1) return error(400, 'page must be a positive integer.');
        if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100)
          return error(400, 'page_size must be an integer from 1 to 100.');
        // The email filter is not documented as exact: the sandbox matches a case-insensitive substring, so a
        // client that trusts the filter blindly would pick `joann@…` for `ann@…` here too.
        const wanted = req.query.get('email')?.toLowerCase();
        const matching = [...clients.values()].filter(
          (c) => wanted === undefined || c.email.toLowerCase().includes(wanted),
        );
        const pageOf = matching.slice((page - 1) * pageSize, page * pageSize).map((c) => ({ ...c }));
        return json(200, { status: 'SUCCESS', clients: pageOf });
      },
    },
  ];

  return {
    routes,
    authenticate(req) {
      const token = bearerToken(req.headers);
      if (token !== undefined && (token === credentials.token || tokens.valid(token))) return undefined;
      return error(401, 'Invalid or expired bearer token.');
    },
    errorBody: (status, message) => ({ status: 'ERROR', error: { code: status, message } }),
    customers: () => [...clients.values()].map((c) => ({ ...c })),
    save: () => ({ customers: [...clients.values()], nextId }),
    load(state: SavedState) {
      const saved = savedCustomers<FatoraClient>(state, 'id', {
        id: 'id',
        name: 'string|null',
        phone: 'string|null',
        email: 'string',
        address: 'string|null',
        note: 'string|null',
      });
      for (const client of saved) {
        clients.set(client.id, client);
        if (client.email !== '') byEmail.add(client.email.toLowerCase(), client);
        nextId = Math.max(nextId, client.id + 1);
      }
      nextId = Math.max(nextId, savedCounter(state, 'nextId') ?? FIRST_CLIENT_ID);
    },
  };
}

export const sandbox = {
  // The paths carry `/v1` themselves, as they do at Fatora (`https://api.fatora.io/v1/…`).
  basePath: '',
  credentials: Object.freeze({ token: 'sandbox-fatora-token', apiKey: 'sandbox-fatora-key' }),
  emulate,
  // By token: the simplest form, and the one that needs no exchange.
  config: (baseUrl, credentials) => ({ baseUrl, token: credentials.token }),
} satisfies SandboxProvider<FatoraSandboxCredentials, FatoraClient>;

declare module '../../src/sandbox/provider.js' {
  interface BuiltInSandboxes {
    fatora: typeof sandbox;
  }
}
