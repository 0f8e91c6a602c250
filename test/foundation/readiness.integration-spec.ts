import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { within } from '../../src/common/within';
import { loadConfig } from '../../src/config/app-config';
import { QueueService } from '../../src/jobs/queue.service';
import { Api, startApi } from '../support/http';
import { testEnv } from '../support/test-env';
import { PostgresServer, RedisServer } from '../support/servers';
import { waitFor } from '../support/processes';

/**
 * A TCP relay to Redis that cuts its first connection (both sides) when the client sends the
 * `nth` command named `command`, before Redis sees it, then drops the next `refuse` connections at
 * once (Redis restarting). Later connections are relayed untouched.
 */
class CuttingRelay {
  cuts = 0;
  connections = 0;
  refused = 0;
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly refuse: number,
  ) {}

  static async start(target: number, command: string, nth: number, refuse: number): Promise<CuttingRelay> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const relay = new CuttingRelay(server, (server.address() as AddressInfo).port, refuse);
    // A command as ioredis writes it: an array whose first bulk string is the name.
    const pattern = new RegExp(`\\*\\d+\\r\\n\\$${command.length}\\r\\n${command}\\r\\n`, 'gi');
    server.on('connection', (client) => {
      const first = relay.connections++ === 0;
      if (relay.cuts > 0 && relay.refused < relay.refuse) {
        relay.refused++;
        client.destroy();
        return;
      }
      const upstream = connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        relay.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          relay.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      let seen = 0;
      client.on('data', (chunk: Buffer) => {
        if (first && relay.cuts === 0) {
          seen += (chunk.toString('latin1').match(pattern) ?? []).length;
          if (seen >= nth) {
            relay.cuts++;
            client.destroy();
            upstream.destroy();
            return;
          }
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
    });
    return relay;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

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

  it("enqueues after the connection was lost during the queues' set-up, Redis restarting", async () => {
    const redis = await RedisServer.start();
    // Between the producer and Redis: the first connection is cut when it sends its second INFO
    // (ioredis's own ready check sends the first; each BullMQ Queue then asks the version), and the
    // next two connections are dropped at once (Redis restarting): the client gets through on the
    // fourth. BullMQ sets a Queue up once, and a Queue whose set-up failed refuses every later call;
    // ioredis sends the unanswered INFO again on the new connection, so the set-up completes. A guard
    // for upgrades of BullMQ and ioredis (tried by hand with six connections dropped: the same).
    const relay = await CuttingRelay.start(redis.port, 'info', 2, 2);
    const queues = new QueueService(
      loadConfig({
        ...testEnv('postgres://postgres@127.0.0.1:5432/none'),
        REDIS_URL: `redis://127.0.0.1:${relay.port}`,
      }),
    );
    try {
      await waitFor(() => relay.refused === 2, 10_000, 'the set-up connection cut, the next two dropped');
      await waitFor(
        () =>
          queues
            .enqueue('dossiers.recompute', { calendarVersion: 1 }, 'after-cut')
            .then(() => true)
            .catch(() => null),
        10_000,
        'an enqueue after the cut',
      );
      expect(await queues.queue('recompute').getJob('after-cut')).toBeTruthy();
      expect(relay.connections).toBe(4);
      expect(Object.keys(await queues.jobCounts())).toEqual(expect.arrayContaining(['recompute']));
    } finally {
      await queues.beforeApplicationShutdown();
      await relay.close();
      await redis.stop();
    }
  }, 30_000);

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
