import { within } from '../../src/common/within';
import { loadConfig } from '../../src/config/app-config';
import { QueueService } from '../../src/jobs/queue.service';
import { Api, startApi } from '../support/http';
import { testEnv } from '../support/test-env';
import { PostgresServer, RedisServer } from '../support/servers';
import { waitFor } from '../support/processes';

describe('readiness against real outages', () => {
  it('reports not ready while Redis is down, and ready again once it is back', async () => {
    const redis = await RedisServer.start();
    const api: Api = await startApi({ REDIS_URL: redis.url });
    try {
      expect((await api.request('GET', '/health/ready')).status).toBe(200);
      await redis.stop();
      const down = await api.request('GET', '/health/ready');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ statusCode: 503, code: 'NOT_READY' });
      expect(down.body.details).toEqual([{ field: 'redis', message: 'redis is unreachable' }]);
      // Liveness does not depend on Redis.
      expect((await api.request('GET', '/health')).status).toBe(200);
      await redis.start();
      await waitFor(async () => (await api.request('GET', '/health/ready')).status === 200, 10_000, 'ready again');
    } finally {
      await api.close();
      await redis.stop();
    }
  });

  it('answers readiness, metrics and the public statistics while Redis holds its connections but stops answering', async () => {
    const redis = await RedisServer.start();
    const api: Api = await startApi({ REDIS_URL: redis.url });
    try {
      expect((await api.request('GET', '/metrics')).status).toBe(200);
      redis.pause(); // frozen: connections stay open, nothing is answered (no reset for the client to see)
      const ready = await within(api.request('GET', '/health/ready'), 10_000, '/health/ready hung');
      expect(ready.status).toBe(503);
      expect(ready.body.details).toEqual([{ field: 'redis', message: 'redis is unreachable' }]);
      // (A request that hangs fails the test after 10 s, and Redis is let go on: no hung suite.)
      // Each Redis call of these is bounded (queue counts 2 s, the portal's pause 1 s, the shared
      // page cache 0.5 s per command): without the bounds they waited until TCP gave up.
      const metrics = await within(api.request('GET', '/metrics'), 10_000, '/metrics hung');
      expect(metrics.status).toBe(200);
      expect(String(metrics.body)).toContain('portal_sync_paused_seconds');
      const stats = await within(api.request('GET', '/public/stats?period=2026-03'), 10_000, '/public/stats hung');
      expect(stats.status).toBe(200);
    } finally {
      redis.resume();
      await api.close();
      await redis.stop();
    }
  }, 30_000);

  it('gives up an enqueue after its bound while Redis is frozen, fails the next ones at once for a pause, then enqueues again', async () => {
    const redis = await RedisServer.start();
    const queues = new QueueService(
      loadConfig({ ...testEnv('postgres://postgres@127.0.0.1:5432/none'), REDIS_URL: redis.url }),
    );
    const add = (v: number) => queues.enqueue('dossiers.recompute', { calendarVersion: v }, `frozen-${v}`);
    try {
      await waitFor(
        () =>
          add(1)
            .then(() => true)
            .catch(() => null),
        10_000,
        'first enqueue',
      );
      redis.pause();
      try {
        await expect(within(add(2), 10_000, 'enqueue hung')).rejects.toThrow('Redis unreachable: job not enqueued');
        // Right after: no second wait of ENQUEUE_TIMEOUT_MS per request (an action enqueues twice).
        await expect(within(add(3), 10_000, 'enqueue hung')).rejects.toThrow('enqueues paused');
      } finally {
        redis.resume();
      }
      await waitFor(
        () =>
          add(4)
            .then(() => true)
            .catch(() => null),
        30_000,
        'enqueue after the pause',
      );
      expect(await queues.queue('recompute').getJob('frozen-4')).toBeTruthy();
    } finally {
      await queues.beforeApplicationShutdown();
      await redis.stop();
    }
  }, 60_000);

  it('reports not ready while PostgreSQL is down, and ready again once it is back', async () => {
    const pg = PostgresServer.start();
    const api: Api = await startApi({ DATABASE_URL: pg.url });
    try {
      expect((await api.request('GET', '/health/ready')).status).toBe(200);
      pg.stop();
      const down = await api.request('GET', '/health/ready');
      expect(down.status).toBe(503);
      expect(down.body.details).toEqual([{ field: 'postgres', message: 'postgres is unreachable' }]);
      pg.restart();
      await waitFor(async () => (await api.request('GET', '/health/ready')).status === 200, 10_000, 'ready again');
    } finally {
      await api.close();
      pg.destroy();
    }
  });
});
