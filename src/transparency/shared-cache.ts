import type IORedis from 'ioredis';
import { within } from 'src/common/within';

/**
 * An answer computed once per interval per key and shared by every viewer and API instance.
 * The key carries the interval's number, so every instance agrees on when an answer expires. One
 * instance computes (it wins a SET NX lock in Redis); the others wait for its answer, polling
 * Redis, and compute themselves only if it has not come within the wait (a crashed computer).
 * Within an instance concurrent requests for a key share one promise. Each Redis command is given
 * up after `redisWaitMs`, so a Redis that holds its connections but stops answering delays a page
 * by that much, not for ever. A failed computation is the answer (once), not a reason to compute
 * again. Without Redis every instance still computes at most once per key and interval (its own
 * memory), so the database is spared even then. No Nest here; time comes in as `now`.
 */
export interface SharedCacheOptions {
  intervalMs: number;
  /** How long a loser waits for the winner's answer, and how often it looks. */
  waitMs?: number;
  pollMs?: number;
  /** How long one Redis command may take before this instance answers on its own (default 500 ms). */
  redisWaitMs?: number;
  prefix?: string;
}

export class SharedCache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly local = new Map<string, { bucket: number; value: unknown }>();
  readonly stats = { computed: 0, redisHits: 0, localHits: 0 };

  constructor(
    private readonly redis: IORedis | null,
    private readonly opts: SharedCacheOptions,
  ) {}

  async get<T>(key: string, now: number, compute: () => Promise<T>): Promise<T> {
    const bucket = Math.floor(now / this.opts.intervalMs);
    const mem = this.local.get(key);
    if (mem && mem.bucket === bucket) {
      this.stats.localHits++;
      return mem.value as T;
    }
    const full = `${this.opts.prefix ?? 'transparency'}:${key}:${bucket}`;
    const running = this.inflight.get(full);
    if (running) return running as Promise<T>;
    const p = this.fetch(full, compute).then((value) => {
      this.local.set(key, { bucket, value });
      if (this.local.size > 10_000) this.local.delete(this.local.keys().next().value!);
      return value;
    });
    this.inflight.set(full, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(full);
    }
  }

  private async fetch<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const ttl = this.opts.intervalMs * 2;
    const lock = `${key}:lock`;
    const own = async (): Promise<T> => {
      this.stats.computed++;
      return compute();
    };
    const redis = this.redis;
    if (!redis) return own();
    const wait = this.opts.redisWaitMs ?? 500;
    const read = async (): Promise<T | undefined> => {
      const text = await within(redis.get(key), wait);
      return text === null ? undefined : (JSON.parse(text) as T);
    };
    let won = false;
    try {
      const hit = await read();
      if (hit !== undefined) {
        this.stats.redisHits++;
        return hit;
      }
      won = (await within(redis.set(lock, '1', 'PX', this.opts.waitMs ?? 5000, 'NX'), wait)) === 'OK';
      if (!won) {
        const until = Date.now() + (this.opts.waitMs ?? 5000);
        while (Date.now() < until) {
          await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 25));
          const v = await read();
          if (v !== undefined) {
            this.stats.redisHits++;
            return v;
          }
        }
      }
    } catch {
      // Redis unreachable, or not answering within redisWaitMs: this instance answers on its own
      // (its memory still spares the database).
    }
    // Outside the try: a failed computation (the database unavailable, an unknown unit) is the
    // answer, once; it is not run a second time as if Redis had failed.
    if (!won) return own();
    let value: T;
    try {
      value = await own();
    } catch (err) {
      // Let the instances waiting for this answer compute now rather than at the lock's expiry.
      await within(redis.del(lock), wait).catch(() => undefined);
      throw err;
    }
    await within(redis.set(key, JSON.stringify(value), 'PX', ttl), wait).catch(() => undefined);
    return value;
  }
}
