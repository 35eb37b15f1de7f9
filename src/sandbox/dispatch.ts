import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Reply, SandboxRequest } from './emulation.js';
import { matchRoute } from './router.js';
import type { ProviderSlot } from './slot.js';

/** One request whose body has been read, on its way through a provider's slot. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  slot: ProviderSlot;
  /** Path segments after the provider's prefix (its base path included), as sent. */
  parts: string[];
  /** The query string, without `?`. */
  search: string;
  raw: Buffer;
  /** The body went over the size cap (and was not kept). */
  tooLarge: boolean;
}

/** Timers owned by the server, so that closing it cancels every delayed answer. */
export interface Scheduler {
  later(run: () => void, ms: number): void;
}

type Parsed = { ok: true; value: unknown } | { ok: false; text: string };

function parseBody(raw: Buffer): Parsed {
  if (raw.length === 0) return { ok: true, value: undefined };
  const text = raw.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, text };
  }
}

/** Sends `reply` now, unless the client is gone; counts it by status. */
function write(ex: Exchange, reply: Reply): void {
  const { res } = ex;
  if (res.destroyed || res.writableEnded) return;
  const payload = reply.raw ?? JSON.stringify(reply.body ?? null);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
  ex.slot.stats.answered(reply.status);
}

function send(ex: Exchange, reply: Reply, io: Scheduler, extraDelayMs = 0): void {
  const delay = ex.slot.latencyMs + extraDelayMs;
  if (delay > 0) io.later(() => write(ex, reply), delay);
  else write(ex, reply);
}

/** A TCP reset (RST) where the platform allows it, so the client sees ECONNRESET rather than a clean close. */
function resetSocket(ex: Exchange): void {
  const { socket } = ex.req;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/** Routing, credentials, body checks, then the emulation's handler. */
function answer(ex: Exchange, body: Parsed, path: string, rest: string[]): Reply {
  const { slot, req } = ex;
  const { emulation } = slot;
  const method = req.method ?? 'GET';
  const match = matchRoute(slot.routes, method, rest);
  if (match.kind === 'none') return { status: 404, body: emulation.errorBody(404, `No route for ${method} ${path}`) };
  if (match.kind === 'method') {
    return {
      status: 405,
      body: emulation.errorBody(405, `Method ${method} is not allowed on ${path}`),
      headers: { allow: match.allowed.join(', ') },
    };
  }
  const request: SandboxRequest = {
    method,
    path,
    params: match.params,
    query: new URLSearchParams(ex.search),
    headers: req.headers,
    body: body.ok ? body.value : undefined,
  };
  if (match.route.public !== true) {
    const refusal = emulation.authenticate(request);
    if (refusal !== undefined) return refusal;
  }
  if (method === 'POST' || method === 'PUT') {
    if (ex.tooLarge) return { status: 413, body: emulation.errorBody(413, 'Request body too large') };
    const type = req.headers['content-type'];
    if (ex.raw.length > 0 && type !== undefined && !type.toLowerCase().includes('json')) {
      return { status: 415, body: emulation.errorBody(415, `Unsupported content type ${type}; send application/json`) };
    }
    if (!body.ok) {
      const own = emulation.invalidJsonBody?.();
      return { status: 400, body: own ?? emulation.errorBody(400, 'The request body is not valid JSON') };
    }
  }
  let reply: Reply;
  try {
    reply = match.route.handle(request);
  } catch {
    return { status: 500, body: emulation.errorBody(500, 'Internal server error') };
  }
  // Only a 2xx answer to a POST or PUT ever changes what is kept; the save itself comes later, debounced.
  if (method !== 'GET' && reply.status < 300) slot.changed();
  return reply;
}

/**
 * One request through its provider: counted (and logged), then the rate limit, then a fault if one is due,
 * then the emulation. Everything up to the answer runs synchronously, so a request is applied atomically and
 * in arrival order; latency and `slow` only delay the answer.
 */
export function dispatch(ex: Exchange, io: Scheduler): void {
  const { slot, req } = ex;
  slot.stats.received(performance.now());
  const base = slot.baseSegments;
  const inBase = base.every((segment, i) => ex.parts[i] === segment);
  const rest = inBase ? ex.parts.slice(base.length) : [];
  if (rest.length > 0 && rest[rest.length - 1] === '') rest.pop();
  const path = inBase ? `/${rest.join('/')}` : `/${ex.parts.join('/')}`;
  const body = parseBody(ex.raw);

  if (slot.logging) {
    slot.log.push({
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(new URLSearchParams(ex.search)),
      headers: req.headers,
      body: body.ok ? body.value : body.text,
      at: Date.now(),
    });
  }

  const { emulation } = slot;
  if (slot.limiter !== undefined) {
    const admission = slot.limiter.admit(performance.now());
    if (!admission.ok) {
      slot.stats.rateLimited += 1;
      const retryAfter = slot.limiter.retryAfter(admission.retryAfterMs);
      const reply: Reply = { status: 429, body: emulation.errorBody(429, 'Too many requests') };
      if (retryAfter !== undefined) reply.headers = { 'retry-after': retryAfter };
      return send(ex, reply, io);
    }
  }

  const plan = slot.faults;
  const fault = plan?.next();
  if (plan !== undefined && fault !== undefined) {
    slot.stats.faulted(fault);
    if (fault === 'reset-before') return resetSocket(ex);
    // Never answered: the client's own timeout ends it, or close() does.
    if (fault === 'timeout') return;
    const reply = plan.statusReply(fault, emulation.errorBody);
    if (reply !== undefined) return send(ex, reply, io);
  }

  if (!inBase) {
    const sent = (req.url ?? '/').split('?')[0] ?? '/';
    return send(ex, { status: 404, body: emulation.errorBody(404, `No route for ${req.method ?? 'GET'} ${sent}`) }, io);
  }
  const reply = answer(ex, body, path, rest);
  if (plan === undefined || fault === undefined) return send(ex, reply, io);
  if (fault === 'reset-after') return resetSocket(ex);
  if (fault === 'bad-body') return send(ex, plan.badBody(), io);
  return send(ex, reply, io, fault === 'slow' ? plan.slowMs : 0);
}
