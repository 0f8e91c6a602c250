// Finding where a soak's slow answers come from: PostgreSQL's active statements and what they wait
// on (pg_stat_activity, sampled), the worst seconds of the client's latency with what ran then,
// and the longest stretches during which the API's main thread never went idle (from a V8 CPU
// profile written by `node --cpu-prof`).
import * as fs from 'node:fs';
import { Client } from 'pg';

export interface ActiveStatement {
  /** Milliseconds since the soak began. */
  at: number;
  ms: number;
  wait: string;
  query: string;
  blockedBy: string | null;
}

const squash = (q: string) => q.replace(/\s+/g, ' ').trim().slice(0, 110);

/** Samples pg_stat_activity every `everyMs` on its own connection. */
export class PgActivitySampler {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  readonly waits = new Map<string, number>();
  readonly statements: ActiveStatement[] = [];
  /** Per sample: the backends running a statement, and those holding a transaction open between statements. */
  readonly backends: { at: number; active: number; idleInTransaction: number }[] = [];
  samples = 0;

  private constructor(
    private readonly sql: Client,
    private readonly began: number,
  ) {}

  static async start(url: string, began: number, everyMs = 250): Promise<PgActivitySampler> {
    const sql = new Client({ connectionString: url, application_name: 'soak-sampler' });
    await sql.connect();
    const s = new PgActivitySampler(sql, began);
    s.timer = setInterval(() => void s.tick(), everyMs);
    return s;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const { rows } = await this.sql.query<{
        wait: string;
        ms: number;
        query: string;
        blocked_by: string | null;
      }>(
        `SELECT CASE WHEN a.state = 'active' THEN coalesce(a.wait_event_type || ':' || a.wait_event, 'CPU')
                     ELSE 'IdleInTransaction' END AS wait,
                extract(epoch FROM clock_timestamp() - CASE WHEN a.state = 'active' THEN a.query_start ELSE a.xact_start END) * 1000 AS ms,
                a.query,
                (SELECT string_agg(left(regexp_replace(b.query, '\\s+', ' ', 'g'), 80), ' | ')
                 FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))) AS blocked_by
         FROM pg_stat_activity a
         WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.state = 'active'
           AND a.application_name <> 'soak-sampler'
           AND a.state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')`,
      );
      this.samples++;
      const at = performance.now() - this.began;
      const idle = rows.filter((r) => r.wait === 'IdleInTransaction').length;
      this.backends.push({ at, active: rows.length - idle, idleInTransaction: idle });
      for (const r of rows) {
        this.waits.set(r.wait, (this.waits.get(r.wait) ?? 0) + 1);
        this.statements.push({ at, ms: Number(r.ms), wait: r.wait, query: squash(r.query), blockedBy: r.blocked_by });
      }
      if (this.statements.length > 200_000) this.statements.splice(0, 100_000);
    } catch {
      // a sample lost: the next one will do
    } finally {
      this.busy = false;
    }
  }

  /** Statements seen running for the longest, one line per statement text. */
  longest(n = 8): { query: string; ms: number; wait: string; blockedBy: string | null; at: number }[] {
    const best = new Map<string, ActiveStatement>();
    for (const s of this.statements) {
      const cur = best.get(s.query);
      if (!cur || s.ms > cur.ms) best.set(s.query, s);
    }
    return [...best.values()].sort((a, b) => b.ms - a.ms).slice(0, n);
  }

  /** The most backends seen active, and holding a transaction open, in [from, to) ms since the start. */
  backendsDuring(from: number, to: number): { active: number; idleInTransaction: number } {
    let active = 0;
    let idleInTransaction = 0;
    for (const b of this.backends)
      if (b.at >= from && b.at < to + 250) {
        active = Math.max(active, b.active);
        idleInTransaction = Math.max(idleInTransaction, b.idleInTransaction);
      }
    return { active, idleInTransaction };
  }

  /** Statements running in [from, to) ms since the start, longest first. */
  during(from: number, to: number, n = 3): ActiveStatement[] {
    return this.statements
      .filter((s) => s.at >= from && s.at < to + 250)
      .sort((a, b) => b.ms - a.ms)
      .slice(0, n);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    await this.sql.end().catch(() => undefined);
  }
}

/**
 * Round trips to the API's `/health` (answered from memory: it waits only on the API's event loop)
 * and to Redis (PING), every `everyMs`: a slow second in which both stay fast is waiting on neither
 * the API's loop nor Redis (on PostgreSQL, or on the API's pool of connections to it).
 */
export class RoundTripProbe {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  readonly trips: { at: number; healthMs: number; redisMs: number }[] = [];

  constructor(
    private readonly health: () => Promise<unknown>,
    private readonly redis: () => Promise<unknown>,
    private readonly began: number,
    everyMs = 250,
  ) {
    this.timer = setInterval(() => void this.tick(), everyMs);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const at = performance.now() - this.began;
    const timed = async (f: () => Promise<unknown>) => {
      const t0 = performance.now();
      await f().catch(() => undefined);
      return performance.now() - t0;
    };
    try {
      const [healthMs, redisMs] = await Promise.all([timed(this.health), timed(this.redis)]);
      this.trips.push({ at, healthMs, redisMs });
    } finally {
      this.busy = false;
    }
  }

  /** The slowest round trips begun in [from, to) ms since the start. */
  during(from: number, to: number): { healthMs: number; redisMs: number } {
    let healthMs = 0;
    let redisMs = 0;
    for (const t of this.trips)
      if (t.at >= from && t.at < to) {
        healthMs = Math.max(healthMs, t.healthMs);
        redisMs = Math.max(redisMs, t.redisMs);
      }
    return { healthMs, redisMs };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
  }
}

export interface BusyStretch {
  /** Milliseconds from the profile's start. */
  startMs: number;
  ms: number;
  top: { name: string; where: string; ms: number }[];
  /** The outermost application or library frames under which the stretch ran. */
  roots: string[];
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const short = (url: string) => {
  const file = url.replace(/^file:\/\//, '');
  const i = file.lastIndexOf('/node_modules/');
  if (i >= 0) return file.slice(i + 14);
  const d = file.indexOf('/dist/');
  return d >= 0 ? file.slice(d + 6) : file.split('/').slice(-2).join('/');
};

/**
 * The longest stretches of a `--cpu-prof` profile in which the main thread never went idle: a
 * stretch of N ms is an event-loop delay of about N ms for every request waiting then.
 */
export function longestBusyStretches(file: string, n = 5, gapMs = 2): BusyStretch[] {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const isIdle = (id: number) => byId.get(id)?.callFrame.functionName === '(idle)';
  const stretches: { start: number; end: number; samples: { id: number; dt: number }[] }[] = [];
  let t = 0;
  let cur: (typeof stretches)[number] | null = null;
  let idleRun = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    t += dt;
    const id = p.samples[i];
    if (isIdle(id)) {
      idleRun += dt;
      if (cur && idleRun >= gapMs) {
        stretches.push(cur);
        cur = null;
      }
      continue;
    }
    idleRun = 0;
    if (!cur) cur = { start: t, end: t, samples: [] };
    cur.end = t;
    cur.samples.push({ id, dt });
  }
  if (cur) stretches.push(cur);
  const frame = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return { name: f.functionName || '(anonymous)', where: f.url ? `${short(f.url)}:${f.lineNumber + 1}` : '' };
  };
  return stretches
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, n)
    .map((s) => {
      const self = new Map<string, { name: string; where: string; ms: number }>();
      const roots = new Map<string, number>();
      for (const { id, dt } of s.samples) {
        const f = frame(id);
        const key = `${f.name} ${f.where}`;
        const e = self.get(key) ?? { ...f, ms: 0 };
        e.ms += dt;
        self.set(key, e);
        // The outermost frame with a source file: what the loop was running.
        let outer: string | null = null;
        for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
          const fx = frame(x);
          if (fx.where && !fx.where.startsWith('node:')) outer = `${fx.name} ${fx.where}`;
        }
        if (outer) roots.set(outer, (roots.get(outer) ?? 0) + dt);
      }
      return {
        startMs: s.start,
        ms: s.end - s.start,
        top: [...self.values()].sort((a, b) => b.ms - a.ms).slice(0, 4),
        roots: [...roots.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([k, ms]) => `${k} (${ms.toFixed(0)} ms)`),
      };
    });
}

/** Where the API's main thread spent the whole profile: idle, garbage collection, and by package or app folder. */
export function profileTotals(file: string, top = 10): { seconds: number; idle: number; gc: number; areas: string[] } {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  let total = 0;
  let idle = 0;
  let gc = 0;
  const areas = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const f = byId.get(p.samples[i])!.callFrame;
    if (f.functionName === '(idle)') idle += dt;
    else if (f.functionName === '(garbage collector)') gc += dt;
    else {
      const url = f.url.replace(/^file:\/\//, '');
      const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
      const app = /\/dist\/(src\/[^/]+)/.exec(url);
      const a = nm ? nm[1] : app ? app[1] : url.startsWith('node:') ? 'node core' : url ? 'other' : f.functionName;
      areas.set(a, (areas.get(a) ?? 0) + dt);
    }
  }
  const busy = Math.max(1, total - idle);
  return {
    seconds: total / 1000,
    idle: idle / Math.max(1, total),
    gc: gc / busy,
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([a, ms]) => `${a} ${((100 * ms) / busy).toFixed(0)}%`),
  };
}
