// Pieces shared by the reliability suites: the built API and worker as real processes on real
// ports, an HTTP client over sockets (fetch), an SMTP server and a webhook receiver that record
// what they get, the province built through HTTP, and the invariants checked in PostgreSQL
// after a run.
import type { INestApplication } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { ClientBase } from 'pg';
import { SMTPServer } from 'smtp-server';
import { CalendarService } from '../../src/calendar/calendar.service';
import { projectState } from '../../src/dossiers/dossier-projection';
import type { EventRow } from '../../src/dossiers/dossiers.repository';
import { DossiersService } from '../../src/dossiers/dossiers.service';
import { ProcedureRulesService } from '../../src/dossiers/procedure-rules.service';
import type { Api } from '../support/http';
import { Proc, startProcess, waitFor } from '../support/processes';
import { buildProvince, Province } from '../support/province';
import { freePort } from '../support/servers';
import { ADMIN } from '../support/test-env';

export interface HttpAnswer {
  status: number;
  body: any;
}

/** A JSON request over a real socket; throws on a network error or after `timeoutMs`. */
export async function http(
  baseUrl: string,
  method: string,
  url: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${url.startsWith('/api') ? url : `/api/v1${url}`}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, body };
}

/** The API as a child process (dist/src/main.js) on a fixed port, so that it can be killed and started again. */
export class ApiProcess {
  proc: Proc | null = null;
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  static async start(name: string, env: Record<string, string>): Promise<ApiProcess> {
    const a = new ApiProcess(name, await freePort(), env);
    a.spawn();
    await a.ready(60_000);
    return a;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  spawn(): void {
    this.proc = startProcess('src/main.js', { ...this.env, PORT: String(this.port) });
  }

  async ready(timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        if (this.proc?.child.exitCode !== null)
          throw new Error(`${this.name} exited: ${this.proc?.output().slice(-2000)}`);
        return (await http(this.url, 'GET', '/health/ready', { timeoutMs: 2000 }).catch(() => null))?.status === 200;
      },
      timeoutMs,
      `${this.name} ready`,
    );
  }

  /** kill -9: no shutdown hook runs, in-flight requests lose their socket. */
  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p || p.child.exitCode !== null) return;
    p.child.kill('SIGKILL');
    await p.exited;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.child.exitCode !== null) return;
    p.child.kill('SIGTERM');
    const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
    await p.exited;
    clearTimeout(t);
  }
}

/** The worker as a child process; its log lines (LOG_LEVEL info) say when it started and which ticks it fired. */
export async function startWorker(env: Record<string, string>): Promise<Proc> {
  const w = startProcess('src/worker.js', { ...env, LOG_LEVEL: 'info' });
  try {
    await waitFor(
      () => {
        if (w.child.exitCode !== null) throw new Error(`worker exited: ${w.output().slice(-2000)}`);
        return /workers started/.test(w.output());
      },
      90_000,
      'worker start',
    );
  } catch (err) {
    w.child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; its output: ${w.output().slice(-3000)}`, { cause: err });
  }
  return w;
}

export async function stopProc(p: Proc | null | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  const t = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(t);
}

export interface Mail {
  messageId: string;
  deliveryId: string;
  /** When it was accepted (epoch ms). */
  at: number;
}

/** An SMTP server (smtp-server) recording the Message-ID and X-Delivery-Id of every message it accepts. */
export async function startSmtp(): Promise<{ url: string; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const port = await freePort();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        mails.push({
          messageId: /^Message-ID: *(.*)$/im.exec(data)?.[1]?.trim() ?? '',
          deliveryId: /^X-Delivery-Id: *(.*)$/im.exec(data)?.[1]?.trim() ?? '',
          at: Date.now(),
        });
        cb();
      });
    },
  });
  // A worker killed mid-session resets its connection: smtp-server emits that as an 'error' event,
  // which without a listener is an uncaught exception that fails the suite after its tests passed.
  smtp.on('error', () => undefined);
  await new Promise<void>((r) => smtp.listen(port, '127.0.0.1', r));
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((r) => smtp.close(() => r())),
  };
}

/** A webhook receiver answering 200 and recording the X-Delivery-Id of every call. */
export async function startHookReceiver(): Promise<{ url: string; calls: string[]; close: () => Promise<void> }> {
  const calls: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      calls.push(String(req.headers['x-delivery-id']));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** test/support/province.ts's Api shape over a real socket. */
export function socketApi(baseUrl: string): Api {
  const api = {
    request: async (
      method: string,
      url: string,
      opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) => ({ ...(await http(baseUrl, method, url, opts)), headers: {} }),
    async login(username = ADMIN.username, password = ADMIN.password): Promise<string> {
      const res = await http(baseUrl, 'POST', '/auth/login', { body: { username, password } });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.accessToken as string;
    },
  };
  return api as unknown as Api;
}

/**
 * The province of test/support/province.ts, plus what alert deliveries need: the construction
 * department's head (with an e-mail address) and a webhook for overdue alerts.
 */
export async function buildAlertingProvince(baseUrl: string, hookUrl: string): Promise<Province> {
  const api = socketApi(baseUrl);
  const p = await buildProvince(api);
  const must = async (what: string, r: Promise<{ status: number; body: any }>) => {
    const res = await r;
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const units = (await must('units', api.request('GET', '/units?limit=500', { token: p.admin }))).items as {
    id: string;
    code: string;
  }[];
  await must(
    'unit head',
    api.request('PATCH', `/units/${units.find((u) => u.code === 'H15.50')!.id}`, {
      token: p.admin,
      body: { headUserId: p.userIds.head },
    }),
  );
  await must(
    'head e-mail',
    api.request('PATCH', `/users/${p.userIds.head}`, { token: p.admin, body: { email: 'giamdoc.sxd@example.gov.vn' } }),
  );
  await must(
    'webhook',
    api.request('POST', '/webhooks', {
      token: p.admin,
      body: { url: hookUrl, secret: 'webhook-secret-0123456789', kinds: ['overdue'] },
    }),
  );
  return p;
}

/** `n` dossiers for POST /imports/dossiers, received at `receivedAt`, with no later events. */
export function importItems(n: number, receivedAt: Date, base: Record<string, unknown>): Record<string, unknown>[] {
  const at = receivedAt.toISOString().replace(/\.\d+Z$/, 'Z');
  return Array.from({ length: n }, () => ({ ...base, receivedAt: at, events: [] }));
}

export interface InvariantReport {
  dossiers: number;
  events: number;
  /** Dossiers whose version, event count, last seq or status disagree. */
  halfChanged: { id: string; version: number; events: number; maxSeq: number; status: string; lastTo: string }[];
  /** Dossiers whose event sequence is not exactly 1..n. */
  gaps: { id: string; seqs: number[] }[];
  /** (dossier, kind, deadline, recipient) keys present more than once. */
  duplicateAlerts: number;
  /** (dossier, kind, deadline) of single-recipient kinds present more than once. */
  duplicateAlertDeadlines: number;
  alerts: number;
  deliveries: Record<string, number>;
}

/** The ledger invariants, read in one snapshot. */
export async function checkInvariants(pg: ClientBase): Promise<InvariantReport> {
  await pg.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const halfChanged = (
      await pg.query(
        `SELECT d.id, d.version, e.n::int AS events, e.max_seq AS "maxSeq", d.status, last.to_status AS "lastTo"
         FROM dossiers d
         JOIN (SELECT dossier_id, count(*) AS n, max(seq) AS max_seq FROM dossier_events GROUP BY 1) e ON e.dossier_id = d.id
         JOIN dossier_events last ON last.dossier_id = d.id AND last.seq = e.max_seq
         WHERE d.version <> e.n OR d.version <> e.max_seq OR d.status <> last.to_status`,
      )
    ).rows;
    const orphans = (
      await pg.query(
        `SELECT d.id, d.version, 0 AS events, 0 AS "maxSeq", d.status, '' AS "lastTo" FROM dossiers d
         WHERE NOT EXISTS (SELECT 1 FROM dossier_events e WHERE e.dossier_id = d.id)`,
      )
    ).rows;
    const gaps = (
      await pg.query(
        `SELECT dossier_id AS id, array_agg(seq ORDER BY seq) AS seqs FROM dossier_events GROUP BY 1
         HAVING min(seq) <> 1 OR max(seq) <> count(*) OR count(DISTINCT seq) <> count(*)`,
      )
    ).rows;
    const duplicateAlerts = (
      await pg.query(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM alerts GROUP BY dossier_id, kind, deadline_at, recipient_user_id HAVING count(*) > 1) x`,
      )
    ).rows[0].n as number;
    const duplicateAlertDeadlines = (
      await pg.query(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM alerts WHERE kind IN ('overdue', 'stalled', 'due_soon')
           GROUP BY dossier_id, kind, deadline_at HAVING count(*) > count(DISTINCT recipient_user_id)) x`,
      )
    ).rows[0].n as number;
    const counts = (
      await pg.query(
        `SELECT (SELECT count(*)::int FROM dossiers) AS dossiers, (SELECT count(*)::int FROM dossier_events) AS events,
                (SELECT count(*)::int FROM alerts) AS alerts`,
      )
    ).rows[0];
    const deliveries = Object.fromEntries(
      (await pg.query(`SELECT status, count(*)::int AS n FROM alert_deliveries GROUP BY 1`)).rows.map((r) => [
        r.status,
        r.n,
      ]),
    ) as Record<string, number>;
    return {
      dossiers: counts.dossiers,
      events: counts.events,
      halfChanged: [...halfChanged, ...orphans],
      gaps,
      duplicateAlerts,
      duplicateAlertDeadlines,
      alerts: counts.alerts,
      deliveries,
    };
  } finally {
    await pg.query('COMMIT');
  }
}

/**
 * A policy file like config/sla-policy.json, with no escalation delay: an overdue alert escalates
 * at the scan that raises it. These suites run in real time and cannot wait 16 working hours after
 * the overdue alerts they cause, yet want the board's alerts and deliveries in their load.
 */
export function escalateAtOncePolicy(): string {
  const policy = JSON.parse(readFileSync(projectFile('config/sla-policy.json'), 'utf8')) as Record<string, unknown>;
  const file = join(mkdtempSync(join(tmpdir(), 'sla-policy-')), 'sla-policy.json');
  writeFileSync(file, JSON.stringify({ ...policy, escalationWorkingHours: 0 }));
  return file;
}

/**
 * Open dossiers past a deadline the scan should have flagged, with no alert for that deadline:
 * run after a scan that started after `before`.
 */
export async function missingAlerts(pg: ClientBase, before: Date): Promise<{ id: string; kind: string }[]> {
  return (
    await pg.query(
      `SELECT d.id, k.kind FROM dossiers d
       CROSS JOIN LATERAL (VALUES ('overdue', d.overdue_at, d.overdue_at), ('stalled', d.step_due_at, d.step_due_at),
                                  -- escalated: when the open overdue alert of that deadline says
                                  ('escalated', (SELECT min(o.escalate_at) FROM alerts o WHERE o.dossier_id = d.id
                                     AND o.kind = 'overdue' AND o.deadline_at = d.overdue_at AND o.closed_at IS NULL),
                                   d.overdue_at)) k(kind, trigger_at, deadline_at)
       WHERE d.ended_at IS NULL AND d.paused_since IS NULL AND k.trigger_at <= $1
         AND (k.kind <> 'stalled' OR d.current_step_unit_id IS NOT NULL)
         AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.dossier_id = d.id AND a.kind = k.kind AND a.deadline_at = k.deadline_at)`,
      [before],
    )
  ).rows;
}

/**
 * A file of the project: found upwards from this file (the sources, or a build inside the project),
 * else under the working directory (a build elsewhere, as docker/bench.sh makes, run from the project).
 */
function projectFile(rel: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, rel))) return join(dir, rel);
    if (dirname(dir) === dir) return join(process.cwd(), rel);
  }
}

const SERVICES = projectFile('docker/services.sh');
const run = promisify(execFile);

/**
 * PostgreSQL and Redis of the suite's own (docker/services.sh in a temp dir, Redis with AOF as in
 * production), so that stopping them hurts no other suite. The commands are asynchronous: the
 * load generator in this process keeps running while a server goes down and comes back.
 */
export class OwnServices {
  private constructor(
    readonly dir: string,
    readonly databaseUrl: string,
    readonly redisUrl: string,
  ) {}

  static async start(): Promise<OwnServices> {
    const dir = mkdtempSync(join(tmpdir(), 'sla-rel-'));
    await run('bash', [SERVICES, 'start', dir, 'persist'], { env: { ...process.env, PG_FSYNC: 'off' } });
    const env = readFileSync(join(dir, 'env'), 'utf8');
    const databaseUrl = /DATABASE_URL=(.*)/.exec(env)![1];
    const redisUrl = /REDIS_URL=(.*)/.exec(env)![1];
    await run(process.execPath, [projectFile('dist/scripts/migrate.js')], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    return new OwnServices(dir, databaseUrl, redisUrl);
  }

  /** Redis dies (SIGKILL: no final AOF rewrite, at most the last second of writes is lost). */
  async killRedis(): Promise<void> {
    const pid = Number(readFileSync(join(this.dir, 'redis/redis.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      'redis gone',
    );
    rmSync(join(this.dir, 'redis/redis.pid'), { force: true });
  }

  /** Redis again on the same port, reloading its append-only file. */
  async startRedis(): Promise<void> {
    await run('bash', [SERVICES, 'start-redis', this.dir, 'persist']);
  }

  /** PostgreSQL crashes (immediate shutdown: no checkpoint, crash recovery at the next start). */
  async crashPostgres(): Promise<void> {
    const bin = pgBin();
    const args = [join(bin, 'pg_ctl'), '-D', join(this.dir, 'pg/data'), '-m', 'immediate', '-w', 'stop'];
    if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', ...args]);
    else await run(args[0], args.slice(1));
  }

  async startPostgres(): Promise<void> {
    await run('bash', [SERVICES, 'start-postgres', this.dir], { env: { ...process.env, PG_FSYNC: 'off' } });
  }

  async destroy(): Promise<void> {
    await run('bash', [SERVICES, 'stop', this.dir]).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  const v = versions.find((x) => existsSync(join(root, x, 'bin/pg_ctl')));
  if (!v) throw new Error('pg_ctl not found under /usr/lib/postgresql');
  return join(root, v, 'bin');
}

/** JSON with sorted keys: jsonb does not keep the key order of what was written. */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object' && !(v instanceof Date))
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  return JSON.stringify(v);
}

const PROJECTION_CHECKED = [
  'status',
  'version',
  'current_step_unit_id',
  'current_assignee_id',
  'paused_since',
  'due_at',
  'promised_at',
  'due_soon_at',
  'overdue_at',
  'step_due_at',
  'ended_at',
  'returned_at',
  'outcome',
  'supplement_count',
  'extension_count',
  'state',
] as const;

/**
 * Dossiers whose stored projection differs from a replay of their events (the lifecycle fold the
 * app itself uses, with the calendar and procedure versions it reads), column by column. `app` is
 * an in-process instance of the application on the same database, used for its services only.
 */
export async function replayMismatches(app: INestApplication, pg: ClientBase): Promise<string[]> {
  const dossiers = app.get(DossiersService);
  const versioned = await app.get(CalendarService).currentVersioned();
  const rules = app.get(ProcedureRulesService);
  const rows = (await pg.query(`SELECT * FROM dossiers ORDER BY id`)).rows;
  const events = new Map<string, EventRow[]>();
  for (const e of (
    await pg.query<EventRow>(
      `SELECT dossier_id, seq, action, at, actor_user_id, from_status, to_status, payload, external_id
       FROM dossier_events ORDER BY dossier_id, seq`,
    )
  ).rows) {
    const list = events.get(e.dossier_id) ?? [];
    list.push(e);
    events.set(e.dossier_id, list);
  }
  const problems: string[] = [];
  for (const row of rows) {
    const procedure = await rules.version(row.procedure_id, row.procedure_version);
    const state = dossiers.replayRow(
      events.get(row.id) ?? [],
      dossiers.context(versioned.calendar, procedure, row.channel),
    );
    const cols = projectState(state, versioned.calendar, dossiers.thresholds, {
      calendarVersion: versioned.version,
      flags: row.flags,
      stepUnitIds: procedure.steps.map((s) => s.unitId),
    });
    for (const c of PROJECTION_CHECKED) {
      const want = canon(cols[c]);
      const have = canon(row[c]);
      if (want !== have) problems.push(`${row.id} ${c}: stored ${have.slice(0, 200)}, replay ${want.slice(0, 200)}`);
    }
  }
  return problems;
}
