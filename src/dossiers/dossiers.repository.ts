import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { namedQuery } from 'src/database/named-query';
import { ReadReplicas } from 'src/database/read-replicas';
import type { DossierState } from 'src/dossiers/lifecycle';
import type { PortalFacts } from 'src/reports/portal-facts';

/** A row of the dossiers projection as the service reads it. */
export interface DossierRow {
  id: string;
  code: string;
  procedure_id: string;
  procedure_version: number;
  procedure_code: string;
  receiving_unit_id: string;
  receiving_unit_code: string;
  handling_unit_id: string;
  current_step_unit_id: string | null;
  current_assignee_id: string | null;
  unit_ids: string[];
  channel: string;
  status: string;
  version: number;
  received_at: Date;
  applicant: Record<string, unknown>;
  summary: string | null;
  flags: Record<string, unknown>;
  state: DossierState;
  calendar_version: number;
  /** The 766 index's view (src/reports/portal-facts.ts); null for rows written before it existed. */
  portal_facts: PortalFacts | null;
  /** When the row was written: its events' recorded_at are in this instant's local month or later (migration 1766840000000). */
  created_at: Date;
}

/** The columns derived from a state (the projection), written at every change. */
export interface ProjectionColumns {
  status: string;
  version: number;
  current_step_unit_id: string | null;
  current_assignee_id: string | null;
  received_at: Date;
  clock_start: Date;
  last_due_at: Date;
  paused_since: Date | null;
  due_at: Date | null;
  promised_at: Date | null;
  due_soon_at: Date | null;
  overdue_at: Date | null;
  step_due_at: Date | null;
  ended_at: Date | null;
  returned_at: Date | null;
  outcome: string | null;
  supplement_count: number;
  extension_count: number;
  flags: Record<string, unknown>;
  state: DossierState;
  calendar_version: number;
  /** Decree 118 Art. 19.5: when an unanswered supplement request may be closed (the scan's supplement_expired). */
  supplement_expires_at: Date | null;
  portal_facts: PortalFacts;
}

export interface NewDossier extends ProjectionColumns {
  id: string;
  code: string;
  procedure_id: string;
  procedure_version: number;
  procedure_code: string;
  receiving_unit_id: string;
  handling_unit_id: string;
  unit_ids: string[];
  channel: string;
  applicant: Record<string, unknown>;
  summary: string | null;
  lookup_key_hash: string;
  created_by: string | null;
}

export interface EventRow {
  dossier_id: string;
  seq: number;
  action: string;
  at: Date;
  actor_user_id: string | null;
  from_status: string | null;
  to_status: string;
  payload: Record<string, unknown>;
  external_id: string | null;
}

export interface ListFilter {
  visibleUnitIds: string[] | null;
  status?: string[];
  unitId?: string;
  procedureCode?: string;
  timeliness?: 'overdue' | 'within';
  receivedFrom?: Date;
  receivedTo?: Date;
  code?: string;
  /** The unit of the current step (the console's queue; not an API filter). */
  currentStepUnitId?: string;
  /** The assignee of the current step (the console's queue; not an API filter). */
  currentAssigneeId?: string;
  ids?: string[];
  /**
   * Folded terms (src/common/search-fold.ts), each a part of the code, the applicant's name, id
   * number or phone (the console's search; dossier_search.search_text with its trigram index).
   */
  search?: string[][];
  /**
   * The counter's own work (the console's default queue for counter staff): dossiers received by
   * one of these units that wait at its counter step, wait for the citizen's supplement or payment,
   * or have a result to hand back.
   */
  counterOf?: string[];
  now: Date;
  /**
   * `received` (the API's): newest first. `urgency` (the console's queue): by due instant, most
   * overdue first, dossiers paused within time last (their clock is stopped).
   */
  order?: 'received' | 'urgency';
  after?: { receivedAt: string; id: string };
  afterUrgency?: UrgencyKey;
  limit: number;
}

/** Sort key of the `urgency` order: paused within time, the due instant, the id. */
export interface UrgencyKey {
  waiting: boolean;
  dueAt: string;
  id: string;
}

/** `waiting` of a row for the urgency order, as the SQL expression URGENCY_WAITING computes it. */
export function urgencyKey(row: Pick<DossierRow, 'id' | 'state'>): UrgencyKey {
  const c = row.state.clock;
  const paused = row.state.endedAt === null ? c.pausedSince : null;
  return { waiting: paused !== null && c.dueAt >= paused, dueAt: new Date(c.dueAt).toISOString(), id: row.id };
}

const URGENCY_WAITING = `(d.paused_since IS NOT NULL AND d.last_due_at >= d.paused_since)`;

const PROJECTION_COLUMNS: (keyof ProjectionColumns)[] = [
  'status',
  'version',
  'current_step_unit_id',
  'current_assignee_id',
  'received_at',
  'clock_start',
  'last_due_at',
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
  'flags',
  'state',
  'calendar_version',
  'supplement_expires_at',
  'portal_facts',
];

const NEW_COLUMNS: (keyof NewDossier)[] = [
  'id',
  'code',
  'procedure_id',
  'procedure_version',
  'procedure_code',
  'receiving_unit_id',
  'handling_unit_id',
  'unit_ids',
  'channel',
  'applicant',
  'summary',
  'lookup_key_hash',
  'created_by',
  ...PROJECTION_COLUMNS,
];

const SELECT = `SELECT d.id, d.code, d.procedure_id, d.procedure_version, d.procedure_code, d.receiving_unit_id,
  u.code AS receiving_unit_code, d.handling_unit_id, d.current_step_unit_id, d.current_assignee_id, d.unit_ids,
  d.channel, d.status, d.version, d.received_at, d.applicant, d.summary, d.flags, d.state, d.calendar_version,
  d.portal_facts, d.created_at
  FROM dossiers d JOIN units u ON u.id = d.receiving_unit_id`;

/**
 * The partitions a dossier's events can be in (dossier_events is partitioned by recorded_at): those
 * from the local month of the dossier's created_at on, a bound the database enforces (migration
 * 1766840000000). `param` is the created_at, passed as a value so that the planner prunes.
 */
export const eventsSince = (param: string, alias = '') =>
  `${alias}recorded_at >= partition_month(${param}::timestamptz)`;

/** What an event read needs of its dossier: the id and the bound of its events' partitions. */
export interface DossierRef {
  id: string;
  created_at: Date;
}

/** What a list shows of a dossier (its response and its cursor): no more is read or parsed. */
export type ListedDossierRow = Pick<
  DossierRow,
  | 'id'
  | 'code'
  | 'procedure_code'
  | 'procedure_version'
  | 'receiving_unit_code'
  | 'channel'
  | 'version'
  | 'received_at'
  | 'applicant'
  | 'summary'
  | 'flags'
  | 'state'
>;

/**
 * The list's columns: a page of 50 spent about a tenth of the API's CPU parsing columns no list
 * shows (the unit_ids array, the portal facts' jsonb).
 */
const LIST_SELECT = `SELECT d.id, d.code, d.procedure_code, d.procedure_version, u.code AS receiving_unit_code,
  d.channel, d.version, d.received_at, d.applicant, d.summary, d.flags, d.state
  FROM dossiers d JOIN units u ON u.id = d.receiving_unit_id`;

/** The event log's written columns, in insert order (the feed's batch write uses them too). */
export const EVENT_COLUMNS = [
  'dossier_id',
  'seq',
  'action',
  'at',
  'actor_user_id',
  'from_status',
  'to_status',
  'payload',
  'external_id',
] as const;

const json = (v: unknown) =>
  v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v) ? JSON.stringify(v) : v;

/** PostgreSQL types of the written columns: bulk writes pass one array per column to unnest(). */
const COLUMN_TYPES: Record<string, string> = {
  id: 'uuid',
  code: 'text',
  procedure_id: 'uuid',
  procedure_version: 'int',
  procedure_code: 'text',
  receiving_unit_id: 'uuid',
  handling_unit_id: 'uuid',
  unit_ids: 'uuid[]',
  channel: 'text',
  applicant: 'jsonb',
  summary: 'text',
  lookup_key_hash: 'text',
  created_by: 'uuid',
  status: 'text',
  version: 'int',
  current_step_unit_id: 'uuid',
  current_assignee_id: 'uuid',
  received_at: 'timestamptz',
  clock_start: 'timestamptz',
  last_due_at: 'timestamptz',
  paused_since: 'timestamptz',
  due_at: 'timestamptz',
  promised_at: 'timestamptz',
  due_soon_at: 'timestamptz',
  overdue_at: 'timestamptz',
  step_due_at: 'timestamptz',
  ended_at: 'timestamptz',
  returned_at: 'timestamptz',
  outcome: 'text',
  supplement_count: 'int',
  extension_count: 'int',
  flags: 'jsonb',
  state: 'jsonb',
  calendar_version: 'int',
  supplement_expires_at: 'timestamptz',
  portal_facts: 'jsonb',
  dossier_id: 'uuid',
  seq: 'int',
  action: 'text',
  at: 'timestamptz',
  actor_user_id: 'uuid',
  from_status: 'text',
  to_status: 'text',
  payload: 'jsonb',
  external_id: 'text',
};

/**
 * One INSERT of many rows with one parameter per column (an array, expanded by unnest): the
 * statement text and the parameter count stay the same whatever the number of rows. jsonb and
 * uuid[] values travel as text (unnest cannot take arrays of arrays) and are cast back.
 */
function bulkInsert(table: string, columns: readonly string[], rows: readonly Record<string, unknown>[]) {
  const params = columns.map((c) => {
    const type = COLUMN_TYPES[c];
    return rows.map((r) => {
      const v = r[c];
      if (v === null || v === undefined) return null;
      if (type === 'jsonb') return JSON.stringify(v);
      if (type === 'uuid[]') return `{${(v as string[]).join(',')}}`;
      return v;
    });
  });
  const arg = (c: string, i: number) => {
    const t = COLUMN_TYPES[c];
    return `$${i + 1}::${t === 'jsonb' || t === 'uuid[]' ? 'text' : t}[]`;
  };
  const pick = (c: string) => {
    const t = COLUMN_TYPES[c];
    return t === 'jsonb' || t === 'uuid[]' ? `t.${c}::${t}` : `t.${c}`;
  };
  const sql = `INSERT INTO ${table} (${columns.join(', ')})
    SELECT ${columns.map(pick).join(', ')}
    FROM unnest(${columns.map(arg).join(', ')}) AS t(${columns.join(', ')})`;
  return { sql, params };
}

@Injectable()
export class DossiersRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reads: ReadReplicas,
  ) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    // READ COMMITTED is PostgreSQL's default: naming it would cost a SET TRANSACTION round trip.
    return this.dataSource.transaction(work);
  }

  async idsByCodes(codes: string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const rows: { id: string; code: string }[] = await this.dataSource.query(
      `SELECT id, code FROM dossiers WHERE code = ANY($1)`,
      [codes],
    );
    return new Map(rows.map((r) => [r.code, r.id]));
  }

  /**
   * The unit's next daily number, in a transaction of its own committed without waiting for the
   * disk (migration 1766200000000): concurrent intakes of one unit hold the counter row for the
   * statement only, not for each other's disk flush. The number is durable once the dossier that
   * carries it commits (its commit record follows the counter's in the WAL). Never inside a
   * transaction.
   */
  async nextCodeNumber(unitId: string, day: string): Promise<number> {
    const rows = await namedQuery<{ n: number }>(
      this.dataSource,
      'dossier_next_number',
      `CALL next_dossier_number($1, $2::date, NULL)`,
      [unitId, day],
    );
    return rows[0].n;
  }

  /**
   * The dossier and its first event in one statement: on its own (no `m`) a prepared statement in
   * autocommit, one round trip; with `m`, inside that transaction.
   */
  async insertIntake(m: EntityManager | null, d: NewDossier, event: Omit<EventRow, 'dossier_id'>): Promise<void> {
    const params: unknown[] = NEW_COLUMNS.map((c) => json(d[c]));
    const evCols = EVENT_COLUMNS.filter((c) => c !== 'dossier_id');
    for (const c of evCols) params.push(json(event[c as keyof typeof event]));
    const n = NEW_COLUMNS.length;
    const sql = `WITH d AS (
         INSERT INTO dossiers (${NEW_COLUMNS.join(', ')}) VALUES (${NEW_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
         RETURNING id
       )
       INSERT INTO dossier_events (dossier_id, ${evCols.join(', ')})
       SELECT d.id, ${evCols.map((_, i) => `$${n + i + 1}`).join(', ')} FROM d`;
    if (m) await m.query(sql, params);
    else await namedQuery(this.dataSource, 'dossier_intake', sql, params);
  }

  /**
   * A live action's write in one statement: the projection, only if the row is still at
   * `fromVersion` (optimistic concurrency, no row lock held across round trips), and its event.
   * False when the row moved (or is gone). Without `m`, a prepared statement in autocommit.
   */
  async applyAction(
    m: EntityManager | null,
    id: string,
    fromVersion: number,
    p: ProjectionColumns,
    event: Omit<EventRow, 'dossier_id'>,
  ): Promise<boolean> {
    const params: unknown[] = [id, fromVersion, ...PROJECTION_COLUMNS.map((c) => json(p[c]))];
    const sets = PROJECTION_COLUMNS.map((c, i) => `${c} = $${i + 3}`).join(', ');
    const evCols = EVENT_COLUMNS.filter((c) => c !== 'dossier_id');
    const base = params.length;
    for (const c of evCols) params.push(json(event[c as keyof typeof event]));
    const sql = `WITH u AS (
         UPDATE dossiers SET ${sets}, updated_at = now() WHERE id = $1 AND version = $2 RETURNING id
       )
       INSERT INTO dossier_events (dossier_id, ${evCols.join(', ')})
       SELECT u.id, ${evCols.map((_, i) => `$${base + i + 1}`).join(', ')} FROM u RETURNING seq`;
    const rows: unknown[] = m
      ? await m.query(sql, params)
      : await namedQuery(this.dataSource, 'dossier_action', sql, params);
    return rows.length > 0;
  }

  /** Read on `m` when the caller holds a transaction: never a second pooled connection while it holds one. */
  async currentVersion(id: string, m: EntityManager = this.dataSource.manager): Promise<number | null> {
    const rows: { version: number }[] = await m.query(`SELECT version FROM dossiers WHERE id = $1`, [id]);
    return rows[0]?.version ?? null;
  }

  /** The row an action starts from, and whether the citizen consented to messages (a milestone then writes them). */
  async findForAction(id: string): Promise<(DossierRow & { has_consent: boolean }) | null> {
    const rows = await namedQuery<DossierRow & { has_consent: boolean }>(
      this.dataSource,
      'dossier_for_action',
      `${SELECT.replace(
        ' FROM dossiers d',
        `, EXISTS (SELECT 1 FROM message_consents c WHERE c.dossier_id = d.id AND (c.sms OR c.zalo OR c.email_on)) AS has_consent
  FROM dossiers d`,
      )} WHERE d.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async insert(m: EntityManager, d: NewDossier): Promise<void> {
    const values = NEW_COLUMNS.map((c) => json(d[c]));
    await m.query(
      `INSERT INTO dossiers (${NEW_COLUMNS.join(', ')}) VALUES (${NEW_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
      values,
    );
  }

  /** Bulk insert for imports: one statement per batch. */
  async insertMany(m: EntityManager, rows: NewDossier[]): Promise<void> {
    if (rows.length === 0) return;
    const { sql, params } = bulkInsert('dossiers', NEW_COLUMNS, rows as unknown as Record<string, unknown>[]);
    await m.query(sql, params);
  }

  /** Rewrites many projections in one statement (the re-judgement's batches). */
  async updateMany(m: EntityManager, rows: { id: string; cols: ProjectionColumns }[]): Promise<void> {
    if (rows.length === 0) return;
    const defs = ['id uuid', ...PROJECTION_COLUMNS.map((c) => `${c} ${COLUMN_TYPES[c]}`)].join(', ');
    const sets = PROJECTION_COLUMNS.map((c) => `${c} = v.${c}`).join(', ');
    await m.query(
      `UPDATE dossiers d SET ${sets}, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS v(${defs}) WHERE d.id = v.id`,
      [JSON.stringify(rows.map((r) => ({ id: r.id, ...r.cols })))],
    );
  }

  /**
   * Dossiers received since `from` and not yet folded under `policyVersion` (stored before it
   * existed), after `afterId` in id order, locked (a live action on one of them waits).
   */
  async lockToRejudge(
    m: EntityManager,
    from: Date,
    policyVersion: string,
    limit: number,
    afterId: string | null,
  ): Promise<DossierRow[]> {
    return m.query(
      `${SELECT} WHERE d.received_at >= $1 AND (d.state ->> 'policyVersion') IS DISTINCT FROM $4
         AND ($3::uuid IS NULL OR d.id > $3::uuid)
       ORDER BY d.id LIMIT $2 FOR UPDATE OF d`,
      [from, limit, afterId, policyVersion],
    );
  }

  async countToRejudge(from: Date, policyVersion: string): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM dossiers WHERE received_at >= $1 AND (state ->> 'policyVersion') IS DISTINCT FROM $2`,
      [from, policyVersion],
    );
    return rows[0].n;
  }

  /** The events of many dossiers, by dossier then sequence (partitions from the earliest dossier's month on). */
  async eventsOf(m: EntityManager, dossiers: DossierRef[]): Promise<Map<string, EventRow[]>> {
    if (dossiers.length === 0) return new Map();
    const since = new Date(Math.min(...dossiers.map((d) => d.created_at.getTime())));
    const rows: EventRow[] = await m.query(
      `SELECT dossier_id, seq, action, at, actor_user_id, from_status, to_status, payload, external_id
       FROM dossier_events WHERE dossier_id = ANY($1::uuid[]) AND ${eventsSince('$2')} ORDER BY dossier_id, seq`,
      [dossiers.map((d) => d.id), since],
    );
    const out = new Map<string, EventRow[]>();
    for (const r of rows) {
      const list = out.get(r.dossier_id);
      if (list) list.push(r);
      else out.set(r.dossier_id, [r]);
    }
    return out;
  }

  async update(m: EntityManager, id: string, p: ProjectionColumns): Promise<void> {
    const sets = PROJECTION_COLUMNS.map((c, i) => `${c} = $${i + 2}`).join(', ');
    await m.query(`UPDATE dossiers SET ${sets}, updated_at = now() WHERE id = $1`, [
      id,
      ...PROJECTION_COLUMNS.map((c) => json(p[c])),
    ]);
  }

  /**
   * Alerts of a directive comment (leaders' tools), in the action's transaction: to the current
   * step's assignee and to the head of the unit handling the dossier now (the current step's unit,
   * else the handling unit; without a head, its nearest ancestor's), never to the comment's author.
   * Like every alert, each goes out through the delivery outbox too: an e-mail to a recipient who
   * has an address (when `emailEnabled`), and a signed POST to each active webhook subscribed to
   * `directive_comment`. Returns the alert_deliveries ids, to enqueue once committed.
   */
  async insertCommentAlerts(
    m: EntityManager,
    dossierId: string,
    state: { currentStep: number | null; steps: { assigneeUserId: string | null }[] },
    p: { current_step_unit_id: string | null },
    authorId: string,
    at: number,
    emailEnabled: boolean,
  ): Promise<string[]> {
    const assignee = state.currentStep === null ? null : state.steps[state.currentStep].assigneeUserId;
    const rows: unknown = await m.query(
      `WITH RECURSIVE u AS (
         SELECT coalesce($2::uuid, d.handling_unit_id) AS unit_id FROM dossiers d WHERE d.id = $1
       ),
       -- The head of that unit, or of its nearest ancestor that has one (heads of ancestors head it too).
       up(id, parent_id, head, depth) AS (
         SELECT un.id, un.parent_id, un.head_user_id, 0 FROM units un JOIN u ON un.id = u.unit_id
         UNION ALL
         SELECT p.id, p.parent_id, p.head_user_id, up.depth + 1 FROM units p JOIN up ON p.id = up.parent_id
         WHERE up.head IS NULL
       ),
       r AS (
         (SELECT head AS user_id FROM up WHERE head IS NOT NULL ORDER BY depth LIMIT 1)
         UNION SELECT $3::uuid WHERE $3::uuid IS NOT NULL
       ),
       ins AS (
         INSERT INTO alerts (kind, dossier_id, unit_id, recipient_user_id, deadline_at, created_at)
         SELECT 'directive_comment', $1, u.unit_id, r.user_id, $5, $5
         FROM u CROSS JOIN r WHERE r.user_id <> $4::uuid
         ON CONFLICT DO NOTHING
         RETURNING id, kind, recipient_user_id, deadline_at
       ),
       em AS (
         INSERT INTO alert_deliveries (alert_id, alert_deadline_at, channel, target)
         SELECT ins.id, ins.deadline_at, 'email', us.email FROM ins JOIN users us ON us.id = ins.recipient_user_id
         WHERE $6::boolean AND us.email IS NOT NULL
         ON CONFLICT DO NOTHING RETURNING id
       ),
       wh AS (
         INSERT INTO alert_deliveries (alert_id, alert_deadline_at, channel, target)
         SELECT ins.id, ins.deadline_at, 'webhook', w.id::text FROM ins JOIN webhooks w ON w.active AND ins.kind = ANY(w.kinds)
         ON CONFLICT DO NOTHING RETURNING id
       )
       SELECT id::text AS id FROM em UNION ALL SELECT id::text FROM wh`,
      [dossierId, p.current_step_unit_id, assignee, authorId, new Date(at), emailEnabled],
    );
    return (rows as { id: string }[]).map((r) => r.id);
  }

  async appendEvents(m: EntityManager, events: EventRow[]): Promise<void> {
    if (events.length === 0) return;
    if (events.length === 1) {
      // A live action: a plain one-row INSERT (its plan is cached per statement text).
      const e = events[0];
      await m.query(
        `INSERT INTO dossier_events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map((_, k) => `$${k + 1}`).join(', ')})`,
        EVENT_COLUMNS.map((c) => json(e[c])),
      );
      return;
    }
    const { sql, params } = bulkInsert('dossier_events', EVENT_COLUMNS, events as unknown as Record<string, unknown>[]);
    await m.query(sql, params);
  }

  /**
   * Reserves numbers of several (unit, day) sequences in one statement (imports): each moves past
   * `given` (the highest number supplied by the source system) and then by `need`. Returns the
   * last number reserved per `${unitId}|${day}`.
   */
  async reserveCodeNumbersMany(
    m: EntityManager,
    wanted: { unitId: string; day: string; need: number; given: number }[],
  ): Promise<Map<string, number>> {
    if (wanted.length === 0) return new Map();
    const rows: { unit_id: string; day: string; last: number }[] = await m.query(
      `WITH t AS (SELECT * FROM unnest($1::uuid[], $2::date[], $3::int[], $4::int[]) AS t(unit_id, day, given, need))
       INSERT INTO dossier_code_sequences AS s (unit_id, day, last)
       SELECT t.unit_id, t.day, t.given + t.need FROM t ORDER BY t.unit_id, t.day
       ON CONFLICT (unit_id, day) DO UPDATE SET
         last = GREATEST(s.last + (SELECT t.need FROM t WHERE t.unit_id = s.unit_id AND t.day = s.day), EXCLUDED.last)
       RETURNING unit_id, to_char(day, 'YYYY-MM-DD') AS day, last`,
      [wanted.map((w) => w.unitId), wanted.map((w) => w.day), wanted.map((w) => w.given), wanted.map((w) => w.need)],
    );
    return new Map(rows.map((r) => [`${r.unit_id}|${r.day}`, r.last]));
  }

  async findById(id: string, m: EntityManager = this.dataSource.manager, lock = false): Promise<DossierRow | null> {
    const rows: DossierRow[] = await m.query(`${SELECT} WHERE d.id = $1${lock ? ' FOR UPDATE OF d' : ''}`, [id]);
    return rows[0] ?? null;
  }

  async findByCode(code: string): Promise<DossierRow | null> {
    const rows: DossierRow[] = await this.dataSource.query(`${SELECT} WHERE d.code = $1`, [code]);
    return rows[0] ?? null;
  }

  async setLookupKeyHash(id: string, hash: string): Promise<void> {
    await this.dataSource.query(`UPDATE dossiers SET lookup_key_hash = $2, updated_at = now() WHERE id = $1`, [
      id,
      hash,
    ]);
  }

  async lookupKeyHash(id: string): Promise<string | null> {
    const rows: { lookup_key_hash: string }[] = await this.dataSource.query(
      `SELECT lookup_key_hash FROM dossiers WHERE id = $1`,
      [id],
    );
    return rows[0]?.lookup_key_hash ?? null;
  }

  /**
   * In the order of the fold: by instant, then by arrival. Events typed here or imported arrive in
   * time order (the same as by seq); an item a source system sends late is placed by its instant.
   */
  async events(d: DossierRef, m: EntityManager = this.dataSource.manager): Promise<EventRow[]> {
    return m.query(
      `SELECT dossier_id, seq, action, at, actor_user_id, from_status, to_status, payload, external_id
       FROM dossier_events WHERE dossier_id = $1 AND ${eventsSince('$2')} ORDER BY at, seq`,
      [d.id, d.created_at],
    );
  }

  async eventByExternalId(m: EntityManager, d: DossierRef, externalId: string): Promise<EventRow | null> {
    const rows: EventRow[] = await m.query(
      `SELECT dossier_id, seq, action, at, actor_user_id, from_status, to_status, payload, external_id
       FROM dossier_events WHERE dossier_id = $1 AND external_id = $2 AND ${eventsSince('$3')}`,
      [d.id, externalId, d.created_at],
    );
    return rows[0] ?? null;
  }

  async list(f: ListFilter): Promise<ListedDossierRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    // Which units see a dossier is indexed in dossier_units (migration 1766940000000), not on the row.
    if (f.visibleUnitIds)
      where.push(
        `EXISTS (SELECT 1 FROM dossier_units du WHERE du.dossier_id = d.id AND du.unit_id = ANY(${p(f.visibleUnitIds)}::uuid[]))`,
      );
    if (f.status?.length) where.push(`d.status = ANY(${p(f.status)})`);
    if (f.unitId)
      where.push(`EXISTS (SELECT 1 FROM dossier_units du WHERE du.dossier_id = d.id AND du.unit_id = ${p(f.unitId)})`);
    if (f.procedureCode) where.push(`d.procedure_code = ${p(f.procedureCode)}`);
    if (f.code) where.push(`d.code = ${p(f.code)}`);
    if (f.currentStepUnitId) where.push(`d.current_step_unit_id = ${p(f.currentStepUnitId)}`);
    if (f.currentAssigneeId) where.push(`d.current_assignee_id = ${p(f.currentAssigneeId)}`);
    if (f.ids) where.push(`d.id = ANY(${p(f.ids)}::uuid[])`);
    // Every term matches, each by one of its alternatives.
    // The text is in dossier_search (migration 1766910000000), one row per dossier.
    const like = (t: string) => `s.search_text LIKE ${p(`%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`;
    const terms = (f.search ?? []).map((alternatives) => `(${alternatives.map(like).join(' OR ')})`);
    if (terms.length)
      where.push(`EXISTS (SELECT 1 FROM dossier_search s WHERE s.dossier_id = d.id AND ${terms.join(' AND ')})`);
    if (f.counterOf)
      where.push(
        `d.receiving_unit_id = ANY(${p(f.counterOf)}::uuid[]) AND (d.status IN ('resolved', 'awaiting_supplement', 'awaiting_payment')
         OR (d.status IN ('received', 'in_progress') AND d.current_step_unit_id = d.receiving_unit_id))`,
      );
    if (f.receivedFrom) where.push(`d.received_at >= ${p(f.receivedFrom)}`);
    if (f.receivedTo) where.push(`d.received_at < ${p(f.receivedTo)}`);
    if (f.timeliness) {
      // Open and past due; a paused dossier by the due instant it had when paused (docs/domain.md).
      const overdue = `d.last_due_at < coalesce(d.paused_since, ${p(f.now)})`;
      where.push(`d.ended_at IS NULL AND ${f.timeliness === 'overdue' ? overdue : `NOT (${overdue})`}`);
    }
    if (f.order === 'urgency') {
      if (f.afterUrgency) {
        const a = f.afterUrgency;
        where.push(
          `(${URGENCY_WAITING}, d.last_due_at, d.id) > (${p(a.waiting)}::boolean, ${p(a.dueAt)}::timestamptz, ${p(a.id)}::uuid)`,
        );
      }
    } else if (f.after)
      where.push(`(d.received_at, d.id) < (${p(f.after.receivedAt)}::timestamptz, ${p(f.after.id)}::uuid)`);
    const order = f.order === 'urgency' ? `${URGENCY_WAITING}, d.last_due_at, d.id` : `d.received_at DESC, d.id DESC`;
    const sql = `${LIST_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${p(f.limit + 1)}`;
    return this.reads.query(sql, params);
  }

  async hasDossiersOfUnit(unitId: string): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM dossier_units WHERE unit_id = $1 LIMIT 1`, [unitId]);
    return rows.length > 0;
  }

  /** Open dossiers computed with an older calendar, locked for a rebuild (others skip them). */
  async lockStaleOpen(
    m: EntityManager,
    calendarVersion: number,
    limit: number,
    afterId: string | null = null,
  ): Promise<DossierRow[]> {
    return m.query(
      `${SELECT} WHERE d.ended_at IS NULL AND d.calendar_version < $1 AND ($3::uuid IS NULL OR d.id > $3::uuid)
       ORDER BY d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED`,
      [calendarVersion, limit, afterId],
    );
  }

  async countStaleOpen(calendarVersion: number): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM dossiers WHERE ended_at IS NULL AND calendar_version < $1`,
      [calendarVersion],
    );
    return rows[0].n;
  }

  // --- Idempotency-Key

  async idempotentResponse(
    userId: string,
    key: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<{ request_hash: string; status_code: number; response: unknown } | null> {
    const rows = await m.query(
      `SELECT request_hash, status_code, response FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
    return rows[0] ?? null;
  }

  /** Stored in the transaction of the change; a concurrent twin fails on the primary key and replays this. */
  async saveIdempotentResponse(
    m: EntityManager,
    userId: string,
    key: string,
    hash: string,
    status: number,
    response: unknown,
  ): Promise<void> {
    await m.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response) VALUES ($1, $2, $3, $4, $5)`,
      [userId, key, hash, status, JSON.stringify(response)],
    );
  }
}
