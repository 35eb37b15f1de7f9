import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './index.js';

export interface MetricsServer {
  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  readonly port: number;
  /** Stops listening and ends open connections (a scraper's keep-alive would hold the process otherwise). */
  close(): Promise<void>;
}

/**
 * GET /metrics on `port`, on every interface unless `host` says otherwise: Prometheus scrapes a pod from outside
 * it. Nothing else is served. Rejects when the port cannot be had (in use, not allowed).
 */
export async function serveMetrics(metrics: Pick<Metrics, 'render'>, options: { port: number; host?: string | undefined }): Promise<MetricsServer> {
  const server = createServer((request, response) => void answer(metrics, request, response));
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(options.port, options.host, () => {
      server.off('error', failed);
      listening();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port,
    close: () =>
      (closing ??= new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      })),
  };
}

async function answer(metrics: Pick<Metrics, 'render'>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== '/metrics') return plain(response, 404, 'not found: the metrics are at /metrics\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return plain(response, 405, 'method not allowed\n');
  }
  try {
    const { contentType, body } = await metrics.render();
    response.writeHead(200, { 'Content-Type': contentType });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch {
    // A collect callback's error may name where it connects: the scraper learns only that this scrape failed.
    plain(response, 500, 'could not collect the metrics\n');
  }
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
