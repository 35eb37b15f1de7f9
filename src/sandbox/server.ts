import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dispatch, type Scheduler } from './dispatch.js';
import type { ProviderSlot } from './slot.js';

/** Bodies over this size are refused (413) without being kept: base64 identity documents fit well below it. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Longer than the clients' idle keep-alive sockets usually live, so a reused socket is rarely closed under them. */
const KEEP_ALIVE_MS = 30_000;

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** `a`, `a or b`, `a, b or c`. */
function either(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function notFound(res: ServerResponse, paths: readonly string[]): void {
  const payload = JSON.stringify({ message: `No sandbox provider at this path: use ${either(paths)}` });
  res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** One node:http server for every provider, each under `/<provider-id>`. */
export async function listen(
  slots: ReadonlyMap<string, ProviderSlot>,
  host: string,
  port: number,
): Promise<RunningServer> {
  const paths = [...slots.values()].map((slot) => `/${slot.id}${slot.basePath}`);
  const timers = new Set<NodeJS.Timeout>();
  const scheduler: Scheduler = {
    later(run, ms) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        run();
      }, ms);
      timers.add(timer);
    },
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const parts = (q === -1 ? url : url.slice(0, q)).split('/');
    // parts[0] is the empty string before the leading '/'; parts[1] names the provider.
    const slot = slots.get(parts[1] ?? '');
    if (slot === undefined) {
      req.resume();
      req.on('end', () => notFound(res, paths));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const raw = tooLarge ? Buffer.alloc(0) : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      dispatch(
        { req, res, slot, parts: parts.slice(2), search: q === -1 ? '' : url.slice(q + 1), raw, tooLarge },
        scheduler,
      );
    });
  };

  const server = http.createServer(onRequest);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets and held (`timeout`) requests alike: close() must not wait for clients.
        server.closeAllConnections();
      }),
  };
}
