import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Pushed {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}

/**
 * A stand-in for a Pushgateway that records each push and answers `status` (200 unless set): what the CLI sends,
 * byte for byte, without the real one (test/scale checks that one takes it).
 */
export async function gatewayStub(): Promise<{ url: string; port: number; pushes: Pushed[]; status: number; close(): Promise<void> }> {
  const pushes: Pushed[] = [];
  const stub = { status: 200 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { method = '', url = '', headers } = request;
      pushes.push({ method, path: url, authorization: headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(stub.status, { 'Content-Type': 'text/plain' });
      response.end(stub.status >= 400 ? 'pushed metrics are invalid or inconsistent' : '');
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return Object.assign(stub, {
    url: `http://127.0.0.1:${port}`,
    port,
    pushes,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  });
}

/** A port nothing listens on: one the system gave a server that is closed again. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
}
