import { UsageError, type CliIo } from './io.js';
import type { LoadedConfig } from '../config/config.js';
import { loadConfigFile } from './config-file.js';
import { DEFAULT_NAMESPACE, NAMESPACE_ENV, type QueueLocation } from '../queue/settings.js';

/** What `worker` and `sync --queue` share before they start: the config, and its Redis reachable. */
export async function loadQueueConfig(path: string, io: CliIo, command: string): Promise<{ loaded: LoadedConfig; location: Required<QueueLocation> }> {
  const loaded = await loadConfigFile(path, io);
  const redis = loaded.config.redis;
  if (redis === undefined) throw new UsageError(`${command} needs "redis": "redis://…" in the config: the queue of the workers`);
  // Loaded here: a plain sync, which never checks Redis this way, does not load ioredis.
  const { checkRedis } = await import('../queue/redis-check.js');
  await checkRedis(redis).catch((error: unknown) => {
    throw new UsageError((error as Error).message);
  });
  return { loaded, location: { redis, namespace: io.env[NAMESPACE_ENV] || DEFAULT_NAMESPACE } };
}
