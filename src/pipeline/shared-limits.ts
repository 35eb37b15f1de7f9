import { createRequire } from 'node:module';
import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';

/**
 * ioredis is loaded when a process shares limits, not by every import of the library: it is about 23 MB of RSS
 * that a process without Redis (most library users, every plain nightly sync) has no use for.
 */
const loadRedis = (): typeof Redis => (createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis }).Redis;

/**
 * One Redis connection through which every provider gate of this process shares its limit with other
 * processes (Bottleneck's clustering): the same spacing, concurrency and 429 pause for all of them.
 */
export class SharedLimits {
  readonly connection: Bottleneck.IORedisConnection;
  readonly #client: Redis;

  constructor(redisUrl: string, readonly namespace = 'customer-sync') {
    // maxRetriesPerRequest null: a limiter waits out a Redis blip instead of failing the request it guards.
    const RedisClient = loadRedis();
    this.#client = new RedisClient(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection = new Bottleneck.IORedisConnection({ client: this.#client });
  }

  /** The Bottleneck id of a provider's shared limiter: every process using the same id shares one limit. */
  limiterId(provider: string): string {
    return `${this.namespace}:limit:${provider}`;
  }

  async close(): Promise<void> {
    await this.connection.disconnect(true);
    this.#client.disconnect();
  }
}
