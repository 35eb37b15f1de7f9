import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';

/**
 * One Redis connection through which every provider gate of this process shares its limit with other
 * processes (Bottleneck's clustering): the same spacing, concurrency and 429 pause for all of them.
 */
export class SharedLimits {
  readonly connection: Bottleneck.IORedisConnection;
  readonly #client: Redis;

  constructor(redisUrl: string, readonly namespace = 'customer-sync') {
    // maxRetriesPerRequest null: a limiter waits out a Redis blip instead of failing the request it guards.
    this.#client = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
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
