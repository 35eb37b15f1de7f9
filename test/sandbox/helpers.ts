import { afterAll, beforeAll, beforeEach } from 'vitest';
import { BUILT_IN } from '../../src/providers.js';
import { startSandbox, type Sandbox, type SandboxCredentials, type SandboxOptions } from '../../src/sandbox/index.js';

/** What each built-in provider's sandbox accepts unless the options say otherwise, by provider id. */
export const SANDBOX_CREDENTIALS = Object.fromEntries(
  await Promise.all(
    [...BUILT_IN.values()].map(async (definition) => [definition.id, (await definition.sandbox?.())?.credentials]),
  ),
) as Readonly<SandboxCredentials>;

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when it is not JSON. */
  body: unknown;
  text: string;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON (with its content type) unless it is already a string. */
  body?: unknown;
  timeoutMs?: number;
}

/** One request over a real socket with fetch; resolves for any status, rejects on a network failure. */
export async function call(url: string, options: CallOptions = {}): Promise<Answer> {
  const { method = 'GET', headers = {}, body, timeoutMs = 5_000 } = options;
  const init: RequestInit = { method, headers: { ...headers }, signal: AbortSignal.timeout(timeoutMs) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...headers };
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A sandbox for the whole file, reset before each test. */
export function useSandbox(options: SandboxOptions = {}): () => Sandbox {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox(options);
  });
  beforeEach(() => sandbox?.reset());
  afterAll(async () => {
    await sandbox?.close();
  });
  return () => {
    if (sandbox === undefined) throw new Error('sandbox not started');
    return sandbox;
  };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
