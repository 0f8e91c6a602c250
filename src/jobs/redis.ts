import IORedis, { RedisOptions } from 'ioredis';

/**
 * Producers (the API) fail fast while Redis is down (no offline queue), so a request never hangs on
 * Redis: what it meant to enqueue is already a row in Postgres and the sweep re-enqueues it later.
 * Workers block on Redis and must not give up (maxRetriesPerRequest: null, as BullMQ requires).
 */
export function createRedis(url: string, role: 'producer' | 'worker' | 'probe'): IORedis {
  const base: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  };
  const client = new IORedis(url, base);
  // Connection errors are reported by readiness and retried; do not crash on the 'error' event.
  client.on('error', () => undefined);
  return client;
}
