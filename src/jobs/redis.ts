import IORedis, { RedisOptions, SentinelConnector } from 'ioredis';
import { TCP_KEEPALIVE_MS } from 'src/common/tcp-keepalive';

/**
 * ioredis 5's Sentinel connector with one fix (the same one ioredis 6.1 made upstream; drop this
 * class when the project moves to ioredis 6). With `failoverDetector`, each connection subscribes to
 * +switch-master on the Sentinels, and that subscription outlived the connection when the server
 * closed it (a master killed). The Sentinels announce the new master a second or more later, while
 * the client is usually reconnecting: when the announcement landed during the reconnect's question
 * to a Sentinel ("where is the master?"), the stale detector called disconnect(), the connect in
 * progress gave up with "Connection is closed", and ioredis set the client to `end`, for good. The
 * more loaded the machine, the longer that question takes and the likelier the loss. Here a connect
 * first retires the previous connection's detector; the new connection makes its own.
 */
export class SentinelConnectorWithoutStaleDetector extends SentinelConnector {
  // ioredis passes the client's whole options (ConnectorConstructor takes `unknown`).
  constructor(options: unknown) {
    super(options as ConstructorParameters<typeof SentinelConnector>[0]);
  }

  override connect(eventEmitter: Parameters<SentinelConnector['connect']>[0]) {
    const self = this as unknown as { failoverDetector: { cleanup(): void } | null };
    self.failoverDetector?.cleanup();
    self.failoverDetector = null;
    return super.connect(eventEmitter);
  }
}

/** Where Redis is: a URL, or Sentinels naming the current master (the URL then gives password and db). */
export interface RedisTarget {
  REDIS_URL: string;
  REDIS_SENTINELS?: readonly string[];
  REDIS_SENTINEL_MASTER?: string;
}

/** ioredis options for the target: the URL's parts, or Sentinel mode. */
export function redisConnectionOptions(target: RedisTarget | string): RedisOptions {
  const t: RedisTarget = typeof target === 'string' ? { REDIS_URL: target } : target;
  const url = new URL(t.REDIS_URL);
  const db = Number(url.pathname.replace(/^\//, '') || 0);
  const auth: RedisOptions = {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db: Number.isInteger(db) ? db : 0,
  };
  if (!t.REDIS_SENTINELS?.length) {
    return {
      ...auth,
      host: url.hostname,
      port: Number(url.port || 6379),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    };
  }
  return {
    ...auth,
    sentinels: t.REDIS_SENTINELS.map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hp.slice(i + 1)) };
    }),
    name: t.REDIS_SENTINEL_MASTER ?? 'mymaster',
    // Ask the Sentinels again at once when they announce a new master (+switch-master), rather
    // than waiting for the old master's connection to fail.
    failoverDetector: true,
    Connector: SentinelConnectorWithoutStaleDetector,
    sentinelRetryStrategy: (times) => Math.min(times * 200, 2000),
    // A demoted master answers writes with READONLY: reconnect (to the new master, found through
    // the Sentinels) and send the command again.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
}

/**
 * Producers (the API) fail fast while Redis is down (no offline queue), so a request never hangs on
 * Redis: what it meant to enqueue is already a row in Postgres and the sweep re-enqueues it later.
 * Workers block on Redis and must not give up (maxRetriesPerRequest: null, as BullMQ requires).
 * With REDIS_SENTINELS every client finds the master through the Sentinels and follows a failover.
 */
export function createRedis(target: RedisTarget | string, role: 'producer' | 'worker' | 'probe'): IORedis {
  const base: RedisOptions = {
    ...redisConnectionOptions(target),
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 2000,
    // ioredis's default (0) turns keepalive on with the kernel's idle time: two hours.
    keepAlive: TCP_KEEPALIVE_MS,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  };
  const client = new IORedis(base);
  // Connection errors are reported by readiness and retried; do not crash on the 'error' event.
  client.on('error', () => undefined);
  return client;
}
