/**
 * Loopback `node:http` servers that misbehave on purpose: bodies of hundreds of megabytes (streamed, never held),
 * redirects, bodies dripped a byte at a time, HTML where JSON belongs. nock cannot model these (it never opens a
 * socket), so the reliability tests run them on real sockets.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';

/** A request as the server received it. */
export interface SeenRequest {
  method: string;
  /** The request target exactly as sent: path and query, still percent-encoded. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers one request; the request body has been read whole (requests here are small). */
export type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void;

export interface HostileServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, no trailing slash. */
  readonly origin: string;
  /** Every request received, in order. */
  readonly requests: SeenRequest[];
  /** TCP connections accepted: a client that never connects leaves it at 0. */
  readonly connections: number;
  /** Replaces the handler for the requests to come. */
  handle(handler: Handler): void;
  /** Forgets the requests and connections seen so far. */
  clear(): void;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

const MAX_REQUEST_BODY = 1024 * 1024;

/** Starts a server on `host` (any loopback address) and an ephemeral port. */
export async function startHostileServer(host = '127.0.0.1', initial?: Handler): Promise<HostileServer> {
  let handler: Handler = initial ?? ((_req, res) => json(res, 500, { message: 'no handler' }));
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      handler(req, res, seen);
    });
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    host,
    port,
    origin: `http://${host}:${port}`,
    requests,
    get connections() {
      return connections;
    },
    handle(next) {
      handler = next;
    },
    clear() {
      requests.length = 0;
      connections = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** An answer with a raw body and content type (an HTML page, text that is not JSON…). */
export function raw(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** What a streaming answer did: bytes handed to the socket, and how the exchange ended. */
export interface StreamStats {
  /** Body bytes written (before compression, for a compressed body: what the client would inflate). */
  bytesWritten: number;
  /**
   * Resolves when the response is closed: `finished` is false when the socket went away before the whole body
   * was sent (the client hung up).
   */
  closed: Promise<{ finished: boolean; bytesWritten: number }>;
}

export interface HugeBodyOptions {
  /** Body size announced and streamed, in bytes. */
  totalBytes: number;
  /** `length`: a Content-Length header; `chunked`: none; `gzip`: a gzip stream inflating to `totalBytes`. */
  framing: 'length' | 'chunked' | 'gzip';
  status?: number;
}

/** One 64 KiB block, written again and again: the body is streamed, never allocated. */
const BLOCK = Buffer.alloc(64 * 1024, 0x20);

function closedPromise(res: ServerResponse, stats: () => number): StreamStats['closed'] {
  return new Promise((resolve) => {
    res.on('close', () => resolve({ finished: res.writableFinished, bytesWritten: stats() }));
  });
}

/**
 * Streams a body of `totalBytes` (hundreds of megabytes are fine): blocks are written while the socket takes them
 * and writing stops the moment the client goes away.
 */
export function hugeBody(res: ServerResponse, options: HugeBodyOptions): StreamStats {
  const { totalBytes, framing, status = 200 } = options;
  let bytesWritten = 0;
  const closed = closedPromise(res, () => bytesWritten);
  const stats: StreamStats = {
    get bytesWritten() {
      return bytesWritten;
    },
    closed,
  };

  if (framing === 'gzip') {
    res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    const source = new Readable({
      read() {
        if (res.destroyed || bytesWritten >= totalBytes) {
          this.push(null);
          return;
        }
        bytesWritten += BLOCK.length;
        this.push(BLOCK);
      },
    });
    const gzip = createGzip();
    source.pipe(gzip).pipe(res);
    res.on('close', () => {
      source.destroy();
      gzip.destroy();
    });
    return stats;
  }

  res.writeHead(status, {
    'content-type': 'application/json',
    ...(framing === 'length' ? { 'content-length': String(totalBytes) } : {}),
  });
  const pump = (): void => {
    while (!res.destroyed && bytesWritten < totalBytes) {
      const block = totalBytes - bytesWritten >= BLOCK.length ? BLOCK : BLOCK.subarray(0, totalBytes - bytesWritten);
      bytesWritten += block.length;
      if (!res.write(block)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
  return stats;
}

/**
 * Answers 200 with `body` (its full Content-Length announced up front), one character every `intervalMs`, until
 * it is all sent or the client hangs up.
 */
export function drip(res: ServerResponse, body: string, intervalMs: number): StreamStats {
  let bytesWritten = 0;
  const closed = closedPromise(res, () => bytesWritten);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.flushHeaders();
  const timer = setInterval(() => {
    if (res.destroyed) return;
    const next = body[bytesWritten];
    if (next === undefined) {
      clearInterval(timer);
      res.end();
      return;
    }
    bytesWritten += 1;
    res.write(next);
  }, intervalMs);
  res.on('close', () => clearInterval(timer));
  return {
    get bytesWritten() {
      return bytesWritten;
    },
    closed,
  };
}

/** A redirect to `location`, with a small JSON body as some servers send. */
export function redirect(res: ServerResponse, status: number, location: string): void {
  const body = JSON.stringify({ moved: location });
  res.writeHead(status, { location, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Resolves with `promise`'s value, or rejects when it takes longer than `ms` (so a hang fails, not stalls). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
