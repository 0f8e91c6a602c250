import { Api, startApi } from '../support/http';
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
