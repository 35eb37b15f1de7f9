import { Redis } from 'ioredis';

/** `host:port` of a Redis URL, for messages: never the password. */
export function redisWhere(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured Redis';
  }
}

/**
 * Resolves when Redis answers a PING within `timeoutMs`; rejects with a message naming host and port otherwise. The
 * CLI checks first because BullMQ would wait and reconnect forever, which is right for a running worker but not
 * for one started against a wrong URL.
 */
export async function checkRedis(url: string, timeoutMs = 5_000): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`cannot connect to Redis at ${redisWhere(url)}: ${(error as Error).message || 'no answer'}`, { cause: error });
  } finally {
    client.disconnect();
  }
}
