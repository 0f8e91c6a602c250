import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import type IORedis from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import { Observable, catchError, from, mergeMap } from 'rxjs';
import { DataSource, EntityManager } from 'typeorm';
import { within } from 'src/common/within';
import { ROOT_LOGGER } from 'src/common/logger';
import { registry } from 'src/common/metrics';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { dataSourceOptions } from 'src/database/data-source-options';
import { createRedis } from 'src/jobs/redis';

/**
 * Read replicas (DATABASE_READ_URL): reports, public lookups and lists run on a PostgreSQL
 * streaming replica when one is fit, else on the primary. Only reads made while answering an HTTP
 * GET (or HEAD) are routed; a request that writes, a job and a script read the primary.
 *
 * - Read-your-writes: after a request that may write (any method but GET/HEAD/OPTIONS), the
 *   primary's WAL insert position is remembered for its subject (the signed-in user, or the client
 *   address of an anonymous request) in Redis, so every API process knows it. A later read of that
 *   subject uses only a replica whose replay position has reached it, else the primary.
 * - Every DATABASE_READ_CHECK_MS each process reads each replica's replay position and the
 *   primary's insert position. A replica's lag is how long it has been missing WAL the primary had
 *   (measured on the primary's positions as sampled, so an idle primary is not mistaken for lag).
 *   A replica lagging more than DATABASE_READ_MAX_LAG_MS, or unreachable, is not used; readiness
 *   warns and the metrics show it.
 * - A read that fails on a replica for a connection reason (killed, restarting, a recovery conflict)
 *   is run again on the primary, and the replica is taken out until its next successful check.
 */

/** The request's subject for read-your-writes, set by ReadContextInterceptor. */
interface ReadContext {
  subject: string;
  /** A request that may write reads everything from the primary: what it reads feeds its decisions. */
  writes: boolean;
  required?: Promise<bigint | null>;
}
const readContext = new AsyncLocalStorage<ReadContext>();

/** `16/B374D848` → bigint. */
export function parseLsn(lsn: string | null | undefined): bigint | null {
  if (!lsn) return null;
  const m = /^([0-9A-F]+)\/([0-9A-F]+)$/i.exec(lsn);
  return m ? (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`) : null;
}

/** A replica unreachable, restarting, shut down, or a query cancelled by a recovery conflict: run it on the primary. */
export function replicaUnfit(err: unknown): boolean {
  const code = (err as { driverError?: { code?: unknown } })?.driverError?.code ?? (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^(08|57P0|53300|40001|55000|25006)/.test(code)) return true;
  const message = String((err as Error)?.message ?? '');
  return /Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|connection timeout|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery|not yet accepting)|conflict with recovery|DataSource is not initialized|Cannot execute operation on .* connection/i.test(
    message,
  );
}

const routedReads = new Counter({
  name: 'db_routed_reads_total',
  help: 'Reads that may go to a replica, by where they ran (replica, primary) and why',
  labelNames: ['target', 'reason'] as const,
  registers: [registry],
});
const replicaUp = new Gauge({
  name: 'db_replica_up',
  help: 'Read replica reachable and in recovery (1) or not (0), at its last check',
  labelNames: ['replica'] as const,
  registers: [registry],
});
const replicaLag = new Gauge({
  name: 'db_replica_lag_seconds',
  help: 'How long the replica has been missing WAL the primary had, at its last check',
  labelNames: ['replica'] as const,
  registers: [registry],
});
const replicaUsable = new Gauge({
  name: 'db_replica_usable',
  help: 'Replica used for reads (1) or skipped for the primary (0: unreachable or lagging)',
  labelNames: ['replica'] as const,
  registers: [registry],
});

interface Replica {
  /** host:port/database, never the password: shown in metrics, logs and readiness. */
  label: string;
  ds: DataSource;
  up: boolean;
  replayLsn: bigint | null;
  lagMs: number;
  error: string | null;
}

export interface ReplicaWarning {
  code: 'READ_REPLICA_DOWN' | 'READ_REPLICA_LAGGING';
  message: string;
}

type Reason = 'fit' | 'none_fit' | 'own_write' | 'replica_failed' | 'not_a_read_request';

/** A Redis call for read-your-writes waits at most this long (a hung Redis must not hang requests). */
const REDIS_WAIT_MS = 500;

/** How long a replica's check waits for its answer before the replica is marked down. */
const CHECK_WAIT_MS = 2000;

/** How long a subject's last write position is remembered (a replica later than that is lagging anyway). */
const WRITE_MEMORY_MS = 10 * 60_000;

/** Max of the stored position and ours, then extend the expiry; positions are fixed-width hex, so strings compare. */
const NOTE_WRITE = `
local v = redis.call('GET', KEYS[1])
if (not v) or v < ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

@Injectable()
export class ReadReplicas implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly replicas: Replica[];
  private readonly redis: IORedis | null;
  /** This process's own record of recent writes (used even when Redis is unreachable). */
  private readonly local = new Map<string, { lsn: bigint; until: number }>();
  /** Primary insert positions sampled by the checks: [time, lsn], oldest first. */
  private samples: [number, bigint][] = [];
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private next = 0;
  private stopped = false;

  constructor(
    private readonly primary: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.replicas = config.DATABASE_READ_URL.map((url) => {
      const u = new URL(url);
      const base = dataSourceOptions(url, config.DATABASE_POOL_SIZE);
      return {
        label: `${u.hostname}:${u.port || 5432}${u.pathname}`,
        // A replica is read-only: TypeORM must not try to create extensions there.
        ds: new DataSource({
          ...base,
          migrations: [],
          installExtensions: false,
          extra: { ...(base.extra as object), application_name: 'sla-tracker-read', connectionTimeoutMillis: 2000 },
        } as typeof base),
        up: false,
        replayLsn: null,
        lagMs: 0,
        error: 'not checked yet',
      };
    });
    this.redis = this.replicas.length ? createRedis(config, 'producer') : null;
  }

  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    // A replica down at start-up must not keep the API from starting: reads use the primary meanwhile.
    await this.check();
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.check().finally(loop), this.config.DATABASE_READ_CHECK_MS);
      this.timer.unref();
    };
    loop();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.checking?.catch(() => undefined);
    await Promise.allSettled(this.replicas.filter((r) => r.ds.isInitialized).map((r) => r.ds.destroy()));
    this.redis?.disconnect();
  }

  /** Runs a routed read (plain SQL): during an HTTP GET on a fit replica, else on the primary. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- like DataSource.query: the caller states the row type
  query<T = any>(sql: string, params?: unknown[]): Promise<T> {
    return this.run((m) => m.query(sql, params) as Promise<T>);
  }

  /** Runs a routed read through an EntityManager (query builders, repositories); it must only read. */
  async run<T>(read: (m: EntityManager) => Promise<T>): Promise<T> {
    if (!this.enabled) return read(this.primary.manager);
    const [replica, reason] = await this.pick();
    if (!replica) {
      routedReads.inc({ target: 'primary', reason });
      return read(this.primary.manager);
    }
    try {
      const result = await read(replica.ds.manager);
      routedReads.inc({ target: 'replica', reason });
      return result;
    } catch (err) {
      if (!replicaUnfit(err)) throw err;
      this.markDown(replica, err);
      routedReads.inc({ target: 'primary', reason: 'replica_failed' });
      return read(this.primary.manager);
    }
  }

  /** Remembers the primary's WAL position after a request of `subject` that may have written. */
  async noteWrite(subject: string): Promise<void> {
    if (!this.enabled) return;
    let lsn: bigint | null;
    try {
      const [row]: { lsn: string }[] = await this.primary.query(`SELECT pg_current_wal_insert_lsn()::text AS lsn`);
      lsn = parseLsn(row?.lsn);
    } catch {
      return; // The primary is unreachable: nothing was written either.
    }
    if (lsn === null) return;
    const key = this.key(subject);
    const now = Date.now();
    const prev = this.local.get(key);
    if (!prev || prev.lsn < lsn || prev.until < now) this.local.set(key, { lsn, until: now + WRITE_MEMORY_MS });
    if (this.local.size > 50_000) for (const [k, v] of this.local) if (v.until < now) this.local.delete(k);
    try {
      await within(
        this.redis!.eval(NOTE_WRITE, 1, key, lsn.toString(16).padStart(16, '0'), String(WRITE_MEMORY_MS)),
        REDIS_WAIT_MS,
      );
    } catch (err) {
      // Another API process may then serve this subject a replica's older answer until it catches up.
      this.logger.warn({ err: (err as Error).message }, 'read-your-writes position not shared (Redis unreachable)');
    }
  }

  /** Readiness warnings: replicas unreachable or lagging (reads then go to the primary). */
  warnings(): ReplicaWarning[] {
    const out: ReplicaWarning[] = [];
    for (const r of this.replicas) {
      if (!r.up) {
        out.push({
          code: 'READ_REPLICA_DOWN',
          message: `Bản sao chỉ đọc ${r.label} không truy cập được (${r.error ?? 'không rõ lỗi'}); các truy vấn đọc chạy trên máy chủ chính.`,
        });
      } else if (r.lagMs > this.config.DATABASE_READ_MAX_LAG_MS) {
        out.push({
          code: 'READ_REPLICA_LAGGING',
          message: `Bản sao chỉ đọc ${r.label} chậm ${Math.round(r.lagMs / 1000)} giây so với máy chủ chính (ngưỡng ${Math.round(this.config.DATABASE_READ_MAX_LAG_MS / 1000)} giây); các truy vấn đọc chạy trên máy chủ chính.`,
        });
      }
    }
    return out;
  }

  /** The state of each replica at its last check (for tests and operators). */
  status(): { replica: string; up: boolean; lagMs: number; usable: boolean }[] {
    return this.replicas.map((r) => ({ replica: r.label, up: r.up, lagMs: r.lagMs, usable: this.usable(r) }));
  }

  /** Checks every replica now (also run every DATABASE_READ_CHECK_MS). */
  check(): Promise<void> {
    this.checking ??= this.checkAll().finally(() => (this.checking = null));
    return this.checking;
  }

  private async checkAll(): Promise<void> {
    const now = Date.now();
    try {
      const [row]: { lsn: string }[] = await this.primary.query(`SELECT pg_current_wal_insert_lsn()::text AS lsn`);
      const lsn = parseLsn(row?.lsn);
      if (lsn !== null) this.samples.push([now, lsn]);
    } catch {
      // Primary unreachable: lag cannot grow from positions we could not see.
    }
    // Keep enough history to measure lag up to well past the limit.
    const horizon = now - Math.max(4 * this.config.DATABASE_READ_MAX_LAG_MS, 60_000);
    while (this.samples.length > 2 && this.samples[1][0] < horizon) this.samples.shift();
    await Promise.all(this.replicas.map((r) => this.checkOne(r, now)));
  }

  private async checkOne(r: Replica, now: number): Promise<void> {
    try {
      if (!r.ds.isInitialized) await r.ds.initialize();
      // Bounded: a replica that holds the connection but stops answering (frozen, or a network that
      // drops packets) is marked down, instead of the check waiting on it with the replica still up.
      const [row]: { replay: string | null; recovery: boolean }[] = await within(
        r.ds.query(`SELECT pg_last_wal_replay_lsn()::text AS replay, pg_is_in_recovery() AS recovery`),
        CHECK_WAIT_MS,
        'no answer to the check',
      );
      // A promoted replica (no longer in recovery) is a primary of its own: never read from it.
      if (!row?.recovery) throw new Error('not a standby (not in recovery)');
      r.replayLsn = parseLsn(row.replay);
      // Lag: since when the primary has had WAL this replica has not replayed.
      const missing = this.samples.find(([, lsn]) => r.replayLsn === null || lsn > r.replayLsn);
      r.lagMs = missing ? Math.max(0, now - missing[0]) : 0;
      if (!r.up) this.logger.info({ replica: r.label }, 'read replica usable');
      r.up = true;
      r.error = null;
    } catch (err) {
      this.markDown(r, err);
    }
    replicaUp.set({ replica: r.label }, r.up ? 1 : 0);
    replicaLag.set({ replica: r.label }, r.lagMs / 1000);
    replicaUsable.set({ replica: r.label }, this.usable(r) ? 1 : 0);
  }

  private markDown(r: Replica, err: unknown): void {
    if (r.up)
      this.logger.warn(
        { replica: r.label, err: (err as Error)?.message },
        'read replica unreachable: reading from the primary',
      );
    r.up = false;
    r.error = String((err as Error)?.message ?? err).slice(0, 200);
    replicaUp.set({ replica: r.label }, 0);
    replicaUsable.set({ replica: r.label }, 0);
  }

  private usable(r: Replica): boolean {
    return r.up && r.lagMs <= this.config.DATABASE_READ_MAX_LAG_MS;
  }

  private async pick(): Promise<[Replica | null, Reason]> {
    // Only the reads of an HTTP GET go to a replica: a write request, a job or a script decides on
    // what it reads, so it reads the primary.
    const ctx = readContext.getStore();
    if (!ctx || ctx.writes) return [null, 'not_a_read_request'];
    const fit = this.replicas.filter((r) => this.usable(r));
    if (!fit.length) return [null, 'none_fit'];
    ctx.required ??= this.requiredLsn(ctx.subject);
    const required = await ctx.required;
    const caughtUp = required === null ? fit : fit.filter((r) => r.replayLsn !== null && r.replayLsn >= required);
    if (!caughtUp.length) return [null, 'own_write'];
    this.next = (this.next + 1) % caughtUp.length;
    return [caughtUp[this.next], 'fit'];
  }

  /** The subject's last write position: this process's record or the shared one, whichever is later; unknown (Redis down) → the primary. */
  private async requiredLsn(subject: string): Promise<bigint | null> {
    const key = this.key(subject);
    const mine = this.local.get(key);
    const local = mine && mine.until >= Date.now() ? mine.lsn : null;
    try {
      const shared = await within(this.redis!.get(key), REDIS_WAIT_MS);
      const lsn = shared ? BigInt(`0x${shared}`) : null;
      return lsn !== null && (local === null || lsn > local) ? lsn : local;
    } catch {
      return 0xffffffffffffffffn; // No replica can be shown to have caught up.
    }
  }

  /** Subjects are user ids or client addresses: hashed, so no address is stored in Redis. */
  private key(subject: string): string {
    return `${this.config.QUEUE_PREFIX}:ryw:${createHash('sha256').update(subject).digest('base64url').slice(0, 32)}`;
  }
}

/**
 * Gives every HTTP request its read-your-writes subject (the user set by the auth guard, else the
 * client address) and, after a request that may write, records the primary's position before the
 * answer leaves, so the client's next read already sees its write.
 */
@Injectable()
export class ReadContextInterceptor implements NestInterceptor {
  constructor(private readonly reads: ReadReplicas) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.reads.enabled || context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<{ method: string; ip?: string; user?: { id: string } }>();
    const subject = req.user?.id ? `user:${req.user.id}` : `ip:${req.ip ?? ''}`;
    const writes = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
    return new Observable((subscriber) =>
      readContext.run({ subject, writes }, () => {
        const handled = writes
          ? next.handle().pipe(
              mergeMap((value) => from(this.reads.noteWrite(subject).then(() => value))),
              catchError((err: unknown) =>
                from(
                  this.reads.noteWrite(subject).then(() => {
                    throw err;
                  }),
                ),
              ),
            )
          : next.handle();
        return handled.subscribe(subscriber);
      }),
    );
  }
}
