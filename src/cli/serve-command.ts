import { DEFAULT_STATE, openState } from '../config/state-open.js';
import { engineFor } from '../config/runtime.js';
import { DEFAULT_NAMESPACE, NAMESPACE_ENV } from '../queue/settings.js';
import { MemoryStateStore } from '../state/memory-store.js';
import type { StateStore } from '../state/store.js';
import type { ServeSync } from '../serve/app.js';
import { loadConfigFile } from './config-file.js';
import { UsageError, writeLine, type CliIo } from './io.js';
import { createLogger, logEngineEvents, type LogLevel } from './logger.js';
import { loadQueueConfig } from './queue-config.js';

export interface ServeFlags {
  config: string;
  port?: number | undefined;
  host?: string | undefined;
  queue?: boolean | undefined;
  logLevel?: LogLevel | undefined;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

const NO_TOKEN =
  'serve needs at least one token in the config ("serve": {"tokens": ["${SERVE_TOKEN}"]}): it never serves without one';

/**
 * `customer-sync serve`: the HTTP service (src/serve) with the config's providers, pipeline and state, or, with
 * `--queue`, queueing for the workers. Runs until SIGINT/SIGTERM, then refuses new connections, lets requests in
 * flight finish, closes the sync (pipeline, state, queue) and exits 0. Exit 2 when it cannot start: bad config, no
 * token, Redis or the state out of reach, the port taken.
 */
export async function serveCommand(flags: ServeFlags, io: CliIo): Promise<number> {
  const { loaded, namespace } = flags.queue
    ? await loadQueueConfig(flags.config, io, 'serve --queue').then(({ loaded, location }) => ({ loaded, namespace: location.namespace }))
    : { loaded: await loadConfigFile(flags.config, io), namespace: io.env[NAMESPACE_ENV] || DEFAULT_NAMESPACE };
  const tokens = loaded.config.serve?.tokens ?? [];
  if (tokens.length === 0) throw new UsageError(NO_TOKEN);
  // fastify and the OpenAPI generator are loaded by this command alone, not by the CLI's start.
  const { buildServer } = await import('../serve/app.js');
  const log = createLogger(flags.logLevel ?? 'warn', io.stderr);

  // Queued pushes are delivered by the workers with their state; this process only validates and queues, so it
  // leaves the state alone (a SQLite file belongs to one process).
  let store: StateStore;
  try {
    store = flags.queue ? new MemoryStateStore() : await openState(loaded.config.state ?? DEFAULT_STATE, { cwd: io.cwd });
  } catch (error) {
    throw new UsageError(`cannot open the state: ${(error as Error).message}`);
  }
  // The engine a worker delivers with (engineFor): the config's adapters, pipeline, state and limits shared through
  // Redis; the body is validated by the config's model (providers of the user's own in providerIds).
  const engine = engineFor(loaded, store, namespace);
  logEngineEvents(engine.events, log);
  const queue = flags.queue && loaded.config.redis !== undefined ? await openQueue(loaded.config.redis, namespace) : undefined;
  // prom-client, loaded by the commands that serve metrics.
  const { createMetrics } = await import('../metrics/index.js');
  const metrics = createMetrics({
    providers: loaded.adapters.map((adapter) => ({ id: adapter.id, perSecond: adapter.options.rateLimit.perSecond })),
    queueDepth: queue && (() => queue.jobCounts()),
    processMetrics: true,
  });
  const stopMetrics = metrics.observe(engine.events);
  const sync: ServeSync = {
    push: async (input) => engine.push(loaded.model.parse(input)),
    enqueue: async (input) => {
      const customer = loaded.model.parse(input);
      if (queue === undefined) throw new Error('customer-sync: enqueue without --queue');
      return queue.enqueue(customer);
    },
  };
  const server = await buildServer({ sync, tokens, maxBodyBytes: loaded.config.serve?.maxBodyBytes, queue, metrics, model: loaded.model, log });

  let unsubscribe: (() => void) | undefined;
  const stopped = new Promise<void>((done) => {
    unsubscribe = io.onStop?.(() => done());
  });
  try {
    let url: string;
    try {
      url = await server.listen({ port: flags.port ?? DEFAULT_PORT, host: flags.host ?? DEFAULT_HOST });
    } catch (error) {
      throw new UsageError(`cannot listen on ${flags.host ?? DEFAULT_HOST}:${flags.port ?? DEFAULT_PORT}: ${(error as Error).message}`);
    }
    writeLine(io.stdout, `Serving on ${url} (${flags.queue ? 'queueing for the workers' : 'pushing'}; API at ${url}/openapi.json); stop with Ctrl-C.`);
    log.info({ url, queue: flags.queue === true, providers: loaded.adapters.map((adapter) => adapter.id) }, 'serving');
    await stopped;
    log.info('stopping: finishing the requests in flight');
  } finally {
    unsubscribe?.();
    await server.close();
    stopMetrics();
    await engine.close();
    await queue?.close();
  }
  log.info('stopped');
  log.flush();
  return 0;
}

async function openQueue(redis: string, namespace: string) {
  const { ServeQueue } = await import('../serve/jobs.js');
  return new ServeQueue({ redis, namespace });
}
