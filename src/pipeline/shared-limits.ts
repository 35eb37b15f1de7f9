import { createRequire } from 'node:module';
import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';
import type { DepartureStore } from './departures.js';

/**
 * ioredis is loaded when a process shares limits, not by every import of the library: it is about 23 MB of RSS
 * that a process without Redis (most library users, every plain nightly sync) has no use for.
 */
const loadRedis = (): typeof Redis => (createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis }).Redis;

/** The Redis client behind each connection made here, for the departure check (`departureStore`). */
const clients = new WeakMap<Bottleneck.IORedisConnection, Redis>();

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
    clients.set(this.connection, this.#client);
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

/**
 * Records a departure if the last one (by any process) was at least the spacing ago, on Redis's clock (µs), and
 * returns 0; otherwise records nothing and returns the µs to wait. While a 429 pause is on (its key lives as long
 * as the pause), returns what is left of it. KEYS: last departure, pause. ARGV: spacing (µs), key lifetime (ms).
 */
const DEPART = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused * 1000 end
local last = tonumber(redis.call('GET', KEYS[1]))
if last ~= nil then
  local wait = last + tonumber(ARGV[1]) - now
  if wait > 0 then return math.ceil(wait) end
end
redis.call('SET', KEYS[1], string.format('%.0f', now), 'PX', ARGV[2])
return 0
`;

/** Records a departure now unless a later one is on record. KEYS: last departure. ARGV: key lifetime (ms). */
const LEFT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', KEYS[1]))
if last == nil or now > last then redis.call('SET', KEYS[1], string.format('%.0f', now), 'PX', ARGV[1]) end
return 0
`;

/** Pauses every departure for ARGV[1] ms, unless a pause already lasts longer. KEYS: pause. */
const PAUSE = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0
`;

export interface SharedDepartureStore extends DepartureStore {
  /** Holds every process's departures for `ms` (Redis lifts it), unless a longer pause is on already. */
  pause(ms: number): Promise<void>;
}

/**
 * The departure check shared by every process using limiter `id` (see departures.ts): Redis decides, on its own
 * clock, whether a request may leave now. `undefined` when the connection's Redis client is not known.
 */
export function departureStore(connection: Bottleneck.IORedisConnection, id: string): SharedDepartureStore | undefined {
  const client = clients.get(connection) ?? clientOf(connection);
  if (client === undefined) return undefined;
  const departureKey = `${id}:departure`;
  const pauseKey = `${id}:pause`;
  // The record outlives any spacing it is compared with (1 s more than the last one asked for).
  let lifetimeMs = 1000;
  return {
    async depart(spacingMs) {
      const spacingUs = Math.ceil(spacingMs * 1000);
      lifetimeMs = Math.ceil(spacingMs) + 1000;
      const waitUs = Number(await client.eval(DEPART, 2, departureKey, pauseKey, spacingUs, lifetimeMs));
      return waitUs / 1000;
    },
    async left() {
      await client.eval(LEFT, 1, departureKey, lifetimeMs);
    },
    async pause(ms) {
      await client.eval(PAUSE, 1, pauseKey, Math.ceil(ms));
    },
  };
}

/** Bottleneck keeps the ioredis client it was given (or made) as `client`. */
function clientOf(connection: Bottleneck.IORedisConnection): Redis | undefined {
  const client = (connection as unknown as { client?: unknown }).client;
  return typeof client === 'object' && client !== null && typeof (client as { eval?: unknown }).eval === 'function' ? (client as Redis) : undefined;
}
