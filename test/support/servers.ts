import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const services = join(root, 'docker/services.sh');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A private Redis server a test may stop and start again on the same port. */
export class RedisServer {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const r = new RedisServer(await freePort());
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      try {
        execFileSync('redis-cli', ['-p', String(this.port), 'ping'], { stdio: 'ignore' });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error('redis did not start');
  }

  /** Freezes the server (SIGSTOP): its connections stay open but nothing is answered. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Lets a paused server go on (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    this.child = null;
  }
}

/** A private PostgreSQL cluster (docker/services.sh) a test may stop and start again, migrated. */
export class PostgresServer {
  private constructor(
    private readonly dir: string,
    readonly url: string,
  ) {}

  /** `fsync: 'on'` for a test of what survives a crash (durable commits, as in production). */
  static start(opts: { fsync?: 'on' | 'off' } = {}): PostgresServer {
    const dir = mkdtempSync(join(tmpdir(), 'sla-pg-'));
    execFileSync('bash', [services, 'start', dir, 'temp'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PG_FSYNC: opts.fsync ?? 'off' },
    });
    // This helper wants PostgreSQL only; services.sh also started a Redis for the folder.
    execFileSync('bash', [services, 'stop-redis', dir]);
    const env = readFileSync(join(dir, 'env'), 'utf8');
    const url = /DATABASE_URL=(.*)/.exec(env)![1];
    execFileSync(process.execPath, [join(root, 'dist/scripts/migrate.js')], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: 'ignore',
    });
    return new PostgresServer(dir, url);
  }

  stop(): void {
    execFileSync('bash', [services, 'stop-postgres', this.dir]);
  }

  restart(): void {
    execFileSync('bash', [services, 'start-postgres', this.dir], { stdio: 'ignore' });
  }

  /**
   * kill -9 of the postmaster: a crash (no checkpoint, WAL buffers not yet written are lost). Its
   * backends exit once they notice; the next start runs crash recovery from the WAL.
   */
  kill9(): void {
    const pid = Number(readFileSync(join(this.dir, 'pg/data/postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
  }

  /** Starts again after kill9(), retrying while the dead server's backends still hold its shared memory. */
  async restartAfterCrash(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        this.restart();
        return;
      } catch (err) {
        if (Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  destroy(): void {
    this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
