// A small emulation of the Acme Billing API (README.md beside this file) on node:http, for the example's tests:
// accounts in memory, the bearer token checked, bodies validated, emails unique (409), the lookup paged.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface AcmeAccount {
  id: number;
  email: string;
  name?: string;
  phone?: string;
  country?: string;
  billingAddress?: { line1?: string; city?: string; region?: string; postalCode?: string; country?: string };
  taxId?: string;
  externalRef?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One request as the server received it. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface AcmeServerOptions {
  token?: string;
  /** Accounts per lookup page. @default 25 */
  pageSize?: number;
  /** The id of the first account created. @default 100 */
  firstId?: number;
}

export interface AcmeServer {
  /** `http://127.0.0.1:<port>`: the adapter's `baseUrl`. */
  baseUrl: string;
  token: string;
  /** Every account, by id. */
  accounts(): AcmeAccount[];
  account(id: number): AcmeAccount | undefined;
  /** Puts an account there directly (made by hand in Acme's dashboard, say). */
  seed(account: Omit<AcmeAccount, 'createdAt' | 'updatedAt'>): AcmeAccount;
  /** Every request received, in order. */
  readonly requests: LoggedRequest[];
  clearRequests(): void;
  /** The next create is applied, then answered 503: its outcome is unknown to the client. */
  failNextCreateAfterApplying(): void;
  close(): Promise<void>;
}

const text = z.string().min(1).max(200);
const addressSchema = z.strictObject({
  line1: text.optional(),
  city: text.optional(),
  region: text.optional(),
  postalCode: text.optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').optional(),
});
const writable = {
  email: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address'),
  name: text,
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be E.164').optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').optional(),
  billingAddress: addressSchema.optional(),
  taxId: text.optional(),
  externalRef: z.string().min(1).max(128).optional(),
};
const createSchema = z.strictObject(writable);
const updateSchema = z.strictObject({ ...writable, email: writable.email.optional(), name: writable.name.optional() });

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function startAcmeServer(options: AcmeServerOptions = {}): Promise<AcmeServer> {
  const token = options.token ?? 'acme-test-token';
  const pageSize = options.pageSize ?? 25;
  const accounts = new Map<number, AcmeAccount>();
  const requests: LoggedRequest[] = [];
  let nextId = options.firstId ?? 100;
  let failNextCreate = false;

  const holderOf = (email: string, except?: number): AcmeAccount | undefined =>
    [...accounts.values()].find((account) => account.id !== except && account.email.toLowerCase() === email.toLowerCase());

  function validate<T>(schema: z.ZodType<T>, body: unknown): T {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const fields = Object.fromEntries(
      parsed.error.issues.map((issue) => [issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : ''), issue.message]),
    );
    throw new HttpError(422, 'invalid_request', 'the request body is not valid', { fields });
  }

  function handle(method: string, path: string, query: URLSearchParams, body: unknown): { status: number; body: unknown } {
    if (path === '/v2/accounts' && method === 'GET') {
      const email = query.get('email');
      if (email === null || email === '') throw new HttpError(422, 'invalid_request', 'email is required', { fields: { email: 'is required' } });
      const pageText = query.get('page') ?? '1';
      if (!/^[1-9]\d*$/.test(pageText)) throw new HttpError(422, 'invalid_request', 'page must be a positive integer', { fields: { page: 'must be a positive integer' } });
      const page = Number(pageText);
      // The filter matches part of an address, case-insensitively (as documented): callers keep exact matches.
      const found = [...accounts.values()].filter((account) => account.email.toLowerCase().includes(email.toLowerCase())).sort((a, b) => a.id - b.id);
      const data = found.slice((page - 1) * pageSize, page * pageSize);
      return { status: 200, body: { data, page, hasMore: found.length > page * pageSize } };
    }
    if (path === '/v2/accounts' && method === 'POST') {
      const fields = validate(createSchema, body);
      const holder = holderOf(fields.email);
      if (holder) throw new HttpError(409, 'email_taken', `email is already used by account ${holder.id}`, { accountId: holder.id });
      const now = new Date().toISOString();
      const account: AcmeAccount = { ...fields, id: nextId++, createdAt: now, updatedAt: now };
      accounts.set(account.id, account);
      if (failNextCreate) {
        failNextCreate = false;
        throw new HttpError(503, 'unavailable', 'service unavailable');
      }
      return { status: 201, body: { account } };
    }
    const match = /^\/v2\/accounts\/([^/]+)$/.exec(path);
    if (match && method === 'PUT') {
      const idText = decodeURIComponent(match[1] ?? '');
      const account = /^[1-9]\d*$/.test(idText) ? accounts.get(Number(idText)) : undefined;
      if (account === undefined) throw new HttpError(404, 'not_found', 'no such account');
      const fields = validate(updateSchema, body);
      if (fields.email !== undefined) {
        const holder = holderOf(fields.email, account.id);
        if (holder) throw new HttpError(409, 'email_taken', `email is already used by account ${holder.id}`, { accountId: holder.id });
      }
      // PUT replaces the fields given; fields left out keep their value.
      Object.assign(account, fields, { updatedAt: new Date().toISOString() });
      return { status: 200, body: { account } };
    }
    if (path === '/v2/accounts' || match) throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here`);
    throw new HttpError(404, 'no_route', 'no such endpoint');
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://acme.invalid');
    const method = req.method ?? 'GET';
    let body: unknown;
    let answer: { status: number; body: unknown };
    try {
      if (raw !== '') {
        if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'unsupported_media_type', 'send JSON');
        try {
          body = JSON.parse(raw);
        } catch {
          throw new HttpError(400, 'invalid_json', 'the body is not JSON');
        }
      }
      if (req.headers.authorization !== `Bearer ${token}`) throw new HttpError(401, 'unauthorized', 'invalid or missing bearer token');
      answer = handle(method, url.pathname, url.searchParams, body);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      answer = { status: error.status, body: { error: { code: error.code, message: error.message, ...error.extra } } };
    } finally {
      requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
    }
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  }

  const server = createServer((req, res) => {
    serve(req, res).catch(() => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"internal"}}'));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    accounts: () => [...accounts.values()].sort((a, b) => a.id - b.id).map((account) => structuredClone(account)),
    account: (id) => {
      const account = accounts.get(id);
      return account && structuredClone(account);
    },
    seed(fields) {
      const now = new Date().toISOString();
      const account: AcmeAccount = { ...fields, createdAt: now, updatedAt: now };
      accounts.set(account.id, account);
      nextId = Math.max(nextId, account.id + 1);
      return structuredClone(account);
    },
    requests,
    clearRequests: () => void requests.splice(0),
    failNextCreateAfterApplying: () => void (failNextCreate = true),
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}
