// A Redis master, its replica and three Sentinels as real processes (`redis-server`, and
// `redis-server CONF --sentinel`, which is what Debian's redis-sentinel runs), on free ports in a
// temp dir, so that a test can kill the master and watch the Sentinels promote the replica.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/processes';
import { freePort } from '../support/servers';

export const MASTER_NAME = 'slamaster';

function cli(port: number, ...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 }).trim();
}

export class SentinelGroup {
  private readonly procs = new Map<number, ChildProcess>();
  private constructor(
    private readonly dir: string,
    readonly redisPorts: number[],
    readonly sentinelPorts: number[],
  ) {}

  static async start(): Promise<SentinelGroup> {
    const dir = mkdtempSync(join(tmpdir(), 'sla-sentinel-'));
    const redisPorts = [await freePort(), await freePort()];
    const sentinelPorts = [await freePort(), await freePort(), await freePort()];
    const g = new SentinelGroup(dir, redisPorts, sentinelPorts);
    g.redis(redisPorts[0]);
    g.redis(redisPorts[1], redisPorts[0]);
    for (const port of [...redisPorts]) await g.waitPing(port);
    await waitFor(
      () => /master_link_status:up/.test(cli(redisPorts[1], 'info', 'replication')),
      20_000,
      'replica in sync',
    );
    for (const port of sentinelPorts) {
      const conf = join(dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its own file (known peers, the current master): it must be writable.
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${redisPorts[0]} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      g.spawn(port, [conf, '--sentinel']);
    }
    for (const port of sentinelPorts) await g.waitPing(port);
    // Every Sentinel knows the others and the replica before the test may fail the master over.
    await waitFor(
      () =>
        sentinelPorts.every((p) => {
          const info = cli(p, 'info', 'sentinel');
          return /sentinels=3/.test(info) && /slaves=1/.test(info);
        }),
      30_000,
      'sentinels agree',
    );
    return g;
  }

  /** REDIS_SENTINELS for the app. */
  get sentinels(): string {
    return this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /** The master's port as the Sentinels see it now. */
  masterPort(): number {
    for (const p of this.sentinelPorts) {
      try {
        const [, port] = cli(p, 'sentinel', 'get-master-addr-by-name', MASTER_NAME).split('\n');
        return Number(port);
      } catch {
        // that Sentinel is not answering: ask the next
      }
    }
    throw new Error('no Sentinel answered');
  }

  /** Makes a Sentinel announce another port to its peers (and so to clients), e.g. a relay in front of it. */
  announcePort(sentinelPort: number, announced: number): void {
    cli(sentinelPort, 'sentinel', 'config', 'set', 'announce-port', String(announced));
  }

  /** The ports of the other Sentinels as this one lists them (SENTINEL SENTINELS). */
  peerPorts(sentinelPort: number): number[] {
    const lines = cli(sentinelPort, 'sentinel', 'sentinels', MASTER_NAME).split('\n');
    return lines.flatMap((l, i) => (l === 'port' ? [Number(lines[i + 1])] : []));
  }

  role(port: number): string {
    return /role:(\w+)/.exec(cli(port, 'info', 'replication'))?.[1] ?? 'unknown';
  }

  /** kill -9 of the current master: whatever it had not sent to its replica is lost. */
  async killMaster(): Promise<number> {
    const port = this.masterPort();
    const c = this.procs.get(port)!;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    this.procs.delete(port);
    return port;
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.procs.values()].map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  private redis(port: number, replicaOf?: number): void {
    this.spawn(port, [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--dbfilename',
      `dump-${port}.rdb`,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []),
    ]);
  }

  private spawn(port: number, args: string[]): void {
    this.procs.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
  }

  private async waitPing(port: number): Promise<void> {
    await waitFor(
      () => {
        try {
          return cli(port, 'ping') === 'PONG';
        } catch {
          return false;
        }
      },
      10_000,
      `redis on ${port}`,
    );
  }
}
