import { Redis } from 'ioredis';

export const REDIS_URL = process.env.CUSTOMER_SYNC_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** Fails (never skips) with how to start Redis when it is not there. */
export async function requireRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {}); // the thrown error below says it all; ioredis would also log it as unhandled
  try {
    await client.connect();
    await client.ping();
  } catch {
    throw new Error(
      `These tests need Redis at ${REDIS_URL} (set CUSTOMER_SYNC_TEST_REDIS to change it). Start it with: ` +
        `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    );
  } finally {
    client.disconnect();
  }
}

/** A namespace no other test run shares. */
export function uniqueNamespace(): string {
  return `customer-sync-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
