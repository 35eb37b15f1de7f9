import { request as httpRequest, Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncEvents } from '../../src/events.js';
import { serveMetrics, type MetricsServer } from '../../src/metrics/http.js';
import { createMetrics } from '../../src/metrics/index.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(metrics: Parameters<typeof serveMetrics>[0]): Promise<MetricsServer> {
  const server = await serveMetrics(metrics, { port: 0, host: '127.0.0.1' });
  servers.push(server);
  return server;
}

function get(port: number, path: string, method = 'GET', agent?: Agent): Promise<{ status: number; type: string | undefined; allow: string | undefined; body: string }> {
  return new Promise((done, failed) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        done({ status: response.statusCode ?? 0, type: response.headers['content-type'], allow: response.headers.allow, body }),
      );
    });
    req.on('error', failed);
    req.end();
  });
}

describe('serveMetrics', () => {
  it('answers GET /metrics with the exposition, as often as it is scraped', async () => {
    const metrics = createMetrics({ providers: [{ id: 'alpha', perSecond: 4 }] });
    const events = new SyncEvents();
    metrics.observe(events);
    const { port } = await serve(metrics);

    const first = await get(port, '/metrics');
    expect(first).toMatchObject({ status: 200, type: 'text/plain; version=0.0.4; charset=utf-8' });
    expect(first.body).toContain('customer_sync_rate_per_second{provider="alpha"} 4\n');
    events.emit('rateAdjusted', { provider: 'alpha', perSecond: 2 });
    expect((await get(port, '/metrics')).body).toContain('customer_sync_rate_per_second{provider="alpha"} 2\n');
    expect(await get(port, '/metrics', 'HEAD')).toMatchObject({ status: 200, body: '' });
  });

  it('serves nothing else: 404 for another path, 405 for another method', async () => {
    const { port } = await serve(createMetrics());
    expect(await get(port, '/')).toEqual({ status: 404, type: 'text/plain; charset=utf-8', allow: undefined, body: 'not found: the metrics are at /metrics\n' });
    expect(await get(port, '/metrics', 'POST')).toEqual({ status: 405, type: 'text/plain; charset=utf-8', allow: 'GET, HEAD', body: 'method not allowed\n' });
  });

  it('a failed collection is a 500 that says nothing of why', async () => {
    const { port } = await serve({ render: () => Promise.reject(new Error('redis://:hunter2@10.0.0.5 refused')) });
    expect(await get(port, '/metrics')).toEqual({ status: 500, type: 'text/plain; charset=utf-8', allow: undefined, body: 'could not collect the metrics\n' });
  });

  it('close() frees the port, with a scraper’s keep-alive connection open', async () => {
    const server = await serveMetrics(createMetrics(), { port: 0, host: '127.0.0.1' });
    const agent = new Agent({ keepAlive: true });
    expect((await get(server.port, '/metrics', 'GET', agent)).status).toBe(200);
    await server.close();
    await expect(get(server.port, '/metrics')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    agent.destroy();
  });

  it('rejects when the port is taken', async () => {
    const { port } = await serve(createMetrics());
    await expect(serveMetrics(createMetrics(), { port, host: '127.0.0.1' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
