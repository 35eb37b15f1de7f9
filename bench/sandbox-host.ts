/**
 * The sandbox providers in a process of their own (forked by `startHost` in harness.ts), so that the server's
 * CPU time and timers never share an event loop with the client being measured. Driven over IPC: every call of
 * `HostApi` is one message and one answer.
 *
 * Besides the sandbox's own stats and request log, the host records every 429 it answers (time and Retry-After)
 * through node:http's diagnostics channel, so a benchmark can check that nothing arrived inside a Retry-After window.
 */
import dc from 'node:diagnostics_channel';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROVIDER_IDS, type BuiltInProviderId as ProviderId } from '../src/providers.js';
import { sandboxProvidersConfig } from '../src/sandbox/cli.js';
import { startSandbox, type RateLimit, type Sandbox, type SandboxStats } from '../src/sandbox/index.js';

export interface HostOptions {
  /** Keep the customers in this file, so `restart()` (and a later host) finds them. */
  dataFile?: string;
  seed?: number;
  /** Listen here (the base URLs, and so a config, stay the same from one run to the next). @default ephemeral */
  port?: number;
}

/** What a client needs to point at the sandbox: the `providers` section of a config file. */
export interface HostInfo {
  origin: string;
  providers: Record<ProviderId, Record<string, string>>;
}

/** A 429 the sandbox answered: when (`Date.now()`, the request log's clock) and the Retry-After it carried. */
export interface Refusal {
  at: number;
  retryAfterMs: number | undefined;
}

export interface HostApi {
  info(): HostInfo;
  setRateLimit(provider: ProviderId, limit: RateLimit | undefined): void;
  setLatency(provider: ProviderId, latencyMs: number): void;
  setLog(enabled: boolean): void;
  stats(provider: ProviderId): SandboxStats;
  /** Arrival times (`Date.now()`) of the logged requests, in order. */
  arrivals(provider: ProviderId): number[];
  refusals(provider: ProviderId): Refusal[];
  customerCount(provider: ProviderId): number;
  /** The host's event-loop delay since the last call (ms): a stalled server delays arrivals, not the client. */
  loopDelay(): { p50: number; p99: number; max: number };
  /** Saves, closes and starts the sandbox again on the same data file and port: same customers and URLs, zeroed stats and logs. */
  restart(): Promise<HostInfo>;
  reset(): void;
  close(): Promise<void>;
}

export type HostCall = { [K in keyof HostApi]: { id: number; op: K; args: Parameters<HostApi[K]> } }[keyof HostApi];
export type HostReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

const options = JSON.parse(process.argv[2] ?? '{}') as HostOptions;
let sandbox: Sandbox = await open(options.port ?? 0);
let refusals = new Map<ProviderId, Refusal[]>();

function open(port: number): Promise<Sandbox> {
  return startSandbox({ port, seed: options.seed ?? 1, ...(options.dataFile === undefined ? {} : { dataFile: options.dataFile }) });
}

function info(): HostInfo {
  return { origin: sandbox.origin, providers: sandboxProvidersConfig(sandbox) };
}

dc.subscribe('http.server.response.finish', (message) => {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
  if (response.statusCode !== 429) return;
  const provider = (request.url ?? '').split('/')[1] as ProviderId;
  if (!PROVIDER_IDS.includes(provider)) return;
  const header = response.getHeader('retry-after');
  const retryAfterMs = header === undefined ? undefined : Number(header) * 1000;
  const list = refusals.get(provider) ?? [];
  list.push({ at: Date.now(), retryAfterMs });
  refusals.set(provider, list);
});

const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

const api: HostApi = {
  loopDelay() {
    const ms = (ns: number): number => Math.round(ns / 1e5) / 10;
    const result = { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) };
    loop.reset();
    return result;
  },
  info,
  setRateLimit: (provider, limit) => sandbox.setRateLimit(provider, limit),
  setLatency: (provider, latencyMs) => sandbox.setLatency(provider, latencyMs),
  setLog: (enabled) => sandbox.setLog(enabled),
  stats: (provider) => sandbox.stats(provider),
  arrivals: (provider) => sandbox.requests(provider).map((request) => request.at),
  refusals: (provider) => refusals.get(provider) ?? [],
  customerCount: (provider) => sandbox.customers(provider).length,
  async restart() {
    const { port } = sandbox;
    await sandbox.close();
    sandbox = await open(port).catch(() => open(0));
    refusals = new Map();
    return info();
  },
  reset() {
    sandbox.reset();
    refusals = new Map();
  },
  async close() {
    await sandbox.close();
    setImmediate(() => process.exit(0));
  },
};

process.on('message', (message: HostCall) => {
  void (async () => {
    let reply: HostReply;
    try {
      const method = api[message.op] as (...args: unknown[]) => unknown;
      reply = { id: message.id, ok: true, value: await method(...message.args) };
    } catch (error) {
      reply = { id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    // The bench may be gone already: then there is nobody to answer (and 'disconnect' ends this process).
    if (process.connected) process.send?.(reply, () => undefined);
  })();
});
// The bench went away (finished or crashed): so does the sandbox.
process.on('disconnect', () => {
  void sandbox.close().finally(() => process.exit(0));
});
process.send?.({ id: 0, ok: true, value: info() } satisfies HostReply);
