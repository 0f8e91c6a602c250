import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { TCP_KEEPALIVE_MS } from '../../src/common/tcp-keepalive';
import { Api, startApi } from '../support/http';
import { waitFor } from '../support/processes';

/**
 * This process's established TCP connections to `port` (IPv4 loopback), with the timer the kernel
 * keeps on each (/proc/net/tcp: type 2 is the keepalive timer, armed on an idle connection only when
 * keepalive is on; its time left is in hundredths of a second).
 */
function connectionsTo(port: number): { timer: number; secondsLeft: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const remote = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[2].endsWith(remote) && f[3] === '01' && inodes.has(f[9]))
    .map((f) => {
      const [timer, left] = f[5].split(':');
      return { timer: parseInt(timer, 16), secondsLeft: parseInt(left, 16) / 100 };
    });
}

describe('TCP keepalive on the connections to PostgreSQL and Redis', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi();
  }, 60_000);
  afterAll(() => api?.close());

  it('arms the kernel keepalive timer, at most TCP_KEEPALIVE_MS ahead, on every idle connection', async () => {
    // A peer that vanishes (host off, network cut) never answers and never resets: without
    // keepalive a query or command waiting on it waits for ever (nothing in flight to time out).
    expect((await api.request('GET', '/health/ready')).status).toBe(200);
    await api.login(); // a read of the users table, and the sign-in throttle in Redis
    const ports = {
      postgres: Number(new URL(api.env.DATABASE_URL).port),
      redis: Number(new URL(api.env.REDIS_URL).port),
    };
    for (const [name, port] of Object.entries(ports)) {
      // Idle now: each connection shows the keepalive timer (type 2) once its last exchange is acknowledged.
      const idle = await waitFor(
        () => {
          const list = connectionsTo(port);
          return list.length > 0 && list.every((c) => c.timer === 2) ? list : null;
        },
        10_000,
        `${name}: every connection idle with a keepalive timer`,
      );
      for (const c of idle) expect(c.secondsLeft).toBeLessThanOrEqual(TCP_KEEPALIVE_MS / 1000);
    }
  });
});
