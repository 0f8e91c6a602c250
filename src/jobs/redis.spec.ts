import { redisConnectionOptions, SentinelConnectorWithoutStaleDetector } from './redis';

describe('Redis connection options', () => {
  it('connects to the URL when no Sentinel is named', () => {
    const o = redisConnectionOptions({ REDIS_URL: 'redis://:s%40cret@10.0.0.9:6380/2' });
    expect(o).toMatchObject({ host: '10.0.0.9', port: 6380, db: 2, password: 's@cret' });
    expect(o.sentinels).toBeUndefined();
    expect(o.Connector).toBeUndefined();
  });

  it('asks the Sentinels for the named master, keeping the URL only for password and database', () => {
    const o = redisConnectionOptions({
      REDIS_URL: 'redis://:pw@ignored:1/3',
      REDIS_SENTINELS: ['10.0.0.5:26379', 'sentinel-2.internal:26380', '[fd00::7]:26379'],
      REDIS_SENTINEL_MASTER: 'sla-queues',
    });
    expect(o.sentinels).toEqual([
      { host: '10.0.0.5', port: 26379 },
      { host: 'sentinel-2.internal', port: 26380 },
      { host: 'fd00::7', port: 26379 },
    ]);
    expect(o).toMatchObject({ name: 'sla-queues', password: 'pw', db: 3, failoverDetector: true });
    expect(o.host).toBeUndefined();
    // ioredis 5's own connector can end the client for good in a failover (issue 18): use the fixed one.
    expect(o.Connector).toBe(SentinelConnectorWithoutStaleDetector);
    // A demoted master refuses writes with READONLY: reconnect and resend; other errors are the caller's.
    const reconnect = o.reconnectOnError as (e: Error) => boolean | 1 | 2;
    expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnect(new Error('ERR unknown command'))).toBe(false);
  });
});
