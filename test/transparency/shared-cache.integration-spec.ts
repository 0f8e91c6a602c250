import IORedis from 'ioredis';
import { createRedis } from '../../src/jobs/redis';
import { SharedCache } from '../../src/transparency/shared-cache';
import { RedisServer } from '../support/servers';

/**
 * The transparency pages' shared cache against a real Redis of its own: a Redis that holds its
 * connections open but stops answering (the process frozen with SIGSTOP) delays an answer by the
 * cache's per-command bound, not for ever; a computation that fails is run once, not again.
 */
describe('SharedCache (transparency pages)', () => {
  let server: RedisServer;
  let redis: IORedis;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = createRedis(server.url, 'producer'); // as the API's: no offline queue
    await new Promise<void>((resolve) => (redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve())));
  }, 30_000);

  afterAll(async () => {
    server?.resume();
    redis?.disconnect();
    await server?.stop();
  });

  it('shares one computation per key and interval through Redis', async () => {
    const a = new SharedCache(redis, { intervalMs: 60_000, prefix: 't1' });
    const b = new SharedCache(redis, { intervalMs: 60_000, prefix: 't1' });
    let runs = 0;
    const compute = async () => ({ n: ++runs });
    expect(await a.get('k', 0, compute)).toEqual({ n: 1 });
    expect(await b.get('k', 0, compute)).toEqual({ n: 1 }); // another instance: from Redis
    expect(runs).toBe(1);
    expect(b.stats.redisHits).toBe(1);
  });

  it('runs a failing computation once, and the error is the answer', async () => {
    const cache = new SharedCache(redis, { intervalMs: 60_000, prefix: 't2' });
    let runs = 0;
    const failing = async () => {
      runs++;
      throw new Error('unknown unit');
    };
    await expect(cache.get('k', 0, failing)).rejects.toThrow('unknown unit');
    expect(runs).toBe(1);
    // The lock is released: another instance computes at once instead of waiting for its expiry.
    expect(await redis.exists('t2:k:0:lock')).toBe(0);
    const other = new SharedCache(redis, { intervalMs: 60_000, prefix: 't2', waitMs: 60_000 });
    expect(await other.get('k', 0, async () => 'fine')).toBe('fine');
  });

  it('answers on its own when Redis holds the connection but stops answering', async () => {
    const cache = new SharedCache(redis, { intervalMs: 60_000, prefix: 't3', redisWaitMs: 200 });
    server.pause();
    try {
      // Without the bound this waits until TCP gives up (minutes); the test's own timeout is 20 s.
      expect(await cache.get('k', 0, async () => 'computed here')).toBe('computed here');
      expect(cache.stats.computed).toBe(1);
    } finally {
      server.resume();
    }
  }, 20_000);
});
