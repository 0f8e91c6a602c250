import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { MessageChannel, Milestone } from 'src/messages/milestones';

export interface ConsentRow {
  dossier_id: string;
  phone: string | null;
  email: string | null;
  sms: boolean;
  zalo: boolean;
  email_on: boolean;
}

/** A dossier's consent with what its messages name (read inside the milestone's transaction). */
export interface MilestoneContext extends ConsentRow {
  code: string;
  receiving_unit_id: string;
  unit_name: string;
}

export interface NewMessage {
  dossier_id: string;
  unit_id: string;
  milestone: Milestone;
  occurrence: string;
  channel: MessageChannel;
  to_address: string;
  template_version: string;
  params: Record<string, string>;
  scheduled_for: Date | null;
  /** The milestone's instant (the app's clock). */
  created_at: Date;
}

export interface MessageRow {
  id: string;
  dossier_id: string;
  unit_id: string;
  milestone: Milestone;
  occurrence: string;
  channel: MessageChannel;
  status: 'queued' | 'sent' | 'delivered' | 'failed' | 'skipped';
  to_address: string;
  template_version: string;
  params: Record<string, string>;
  fallback_of: string | null;
  scheduled_for: Date | null;
  attempts: number;
  provider_message_id: string | null;
  segments: number | null;
  cost_vnd: number | null;
  error: string | null;
  created_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
}

/** What the sender needs of a claimed message. */
export type ClaimedMessage = Pick<
  MessageRow,
  | 'id'
  | 'dossier_id'
  | 'unit_id'
  | 'milestone'
  | 'occurrence'
  | 'channel'
  | 'to_address'
  | 'params'
  | 'attempts'
  | 'fallback_of'
>;

export type ClaimResult =
  { kind: 'claimed'; row: ClaimedMessage } | { kind: 'wait'; until: Date } | { kind: 'skipped' } | { kind: 'none' };

export interface ReportRow {
  unit_id: string;
  unit_code: string;
  unit_name: string;
  channel: MessageChannel;
  sent: number;
  delivered: number;
  failed: number;
  fallback: number;
  segments: number;
  cost_vnd: number;
}

const COLUMNS = `id, dossier_id, unit_id, milestone, occurrence, channel, status, to_address, template_version, params,
  fallback_of, scheduled_for, attempts, provider_message_id, segments, cost_vnd, error, created_at, sent_at, delivered_at`;

/** An UPDATE ... RETURNING answers [rows, count] through TypeORM's postgres driver. */
const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) && Array.isArray(r[0]) ? (r[0] as T[]) : (r as T[]));

@Injectable()
export class MessagesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertConsent(m: EntityManager, c: ConsentRow): Promise<void> {
    await m.query(
      `INSERT INTO message_consents (dossier_id, phone, email, sms, zalo, email_on) VALUES ($1, $2, $3, $4, $5, $6)`,
      [c.dossier_id, c.phone, c.email, c.sms, c.zalo, c.email_on],
    );
  }

  /** The consent of a dossier and the names its messages use; null without any channel on. */
  async milestoneContext(m: EntityManager, dossierId: string): Promise<MilestoneContext | null> {
    const rows: MilestoneContext[] = await m.query(
      `SELECT c.dossier_id, c.phone, c.email, c.sms, c.zalo, c.email_on, d.code, d.receiving_unit_id, u.name AS unit_name
       FROM message_consents c JOIN dossiers d ON d.id = c.dossier_id JOIN units u ON u.id = d.receiving_unit_id
       WHERE c.dossier_id = $1 AND (c.sms OR c.zalo OR c.email_on)`,
      [dossierId],
    );
    return rows[0] ?? null;
  }

  /** Inserts the rows; one already there (same milestone occurrence and channel) is left alone. Returns the new ids. */
  async insertMessages(rows: NewMessage[], m: EntityManager | DataSource = this.dataSource): Promise<string[]> {
    if (rows.length === 0) return [];
    const cols = [
      'dossier_id',
      'unit_id',
      'milestone',
      'occurrence',
      'channel',
      'to_address',
      'template_version',
      'params',
      'scheduled_for',
      'created_at',
    ] as const;
    const types = ['uuid', 'uuid', 'text', 'text', 'text', 'text', 'text', 'jsonb', 'timestamptz', 'timestamptz'];
    const params = cols.map((c) => rows.map((r) => (c === 'params' ? JSON.stringify(r.params) : (r[c] as unknown))));
    const res: { id: string }[] = await m.query(
      `INSERT INTO citizen_messages (${cols.join(', ')})
       SELECT * FROM unnest(${cols.map((_, i) => `$${i + 1}::${types[i]}[]`).join(', ')})
       ON CONFLICT ON CONSTRAINT citizen_messages_once DO NOTHING RETURNING id`,
      params,
    );
    return res.map((r) => r.id);
  }

  async forDossier(dossierId: string): Promise<MessageRow[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM citizen_messages WHERE dossier_id = $1 ORDER BY serial`, [
      dossierId,
    ]);
  }

  async byId(id: string): Promise<MessageRow | null> {
    const rows: MessageRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM citizen_messages WHERE id = $1`, [
      id,
    ]);
    return rows[0] ?? null;
  }

  /**
   * Claims queued messages for `leaseMs` in one statement that commits at once (nothing is held
   * while the providers are talked to): claim_citizen_messages (migration 1766500000001), the
   * rules of claim_citizen_message (migration 1765700000000) per message. Not yet: a message
   * scheduled later (quiet hours), or over the daily cap of its number (it moves to the next
   * morning): the caller waits until then. A channel the citizen has since turned off: skipped. The
   * cap is counted under a lock per number, so two workers cannot both send the eleventh message
   * of the day. Returns one result per distinct id.
   */
  async claimMany(
    ids: string[],
    o: { leaseMs: number; now: Date; dayStart: Date; nextMorning: Date; cap: number },
  ): Promise<Map<string, ClaimResult>> {
    const rows: { id: string; kind: ClaimResult['kind']; wait_until: Date | null; message: ClaimedMessage | null }[] =
      await this.dataSource.query(
        `SELECT id, kind, wait_until, message FROM claim_citizen_messages($1::uuid[], $2, $3, $4, $5, $6)`,
        [ids, o.leaseMs, o.now, o.dayStart, o.nextMorning, o.cap],
      );
    const out = new Map<string, ClaimResult>();
    for (const r of rows) {
      out.set(
        r.id,
        r.kind === 'claimed'
          ? { kind: 'claimed', row: r.message! }
          : r.kind === 'wait'
            ? { kind: 'wait', until: r.wait_until! }
            : { kind: r.kind === 'skipped' ? 'skipped' : 'none' },
      );
    }
    return out;
  }

  /** Records accepted sends in one statement (and forgets the lookup key the received message carried). */
  async markSentMany(
    items: {
      id: string;
      attempts: number;
      at: Date;
      providerMessageId: string | null;
      segments: number;
      costVnd: number;
      templateVersion: string;
    }[],
  ): Promise<void> {
    if (items.length === 0) return;
    await this.dataSource.query(
      `UPDATE citizen_messages cm SET status = 'sent', attempts = s.attempts, sent_at = s.at, last_attempt_at = s.at,
         provider_message_id = s.provider_message_id, segments = s.segments, cost_vnd = s.cost_vnd,
         template_version = s.template_version, claimed_until = NULL, error = NULL, params = cm.params - 'lookupKey'
       FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::text[], $5::int[], $6::int[], $7::text[])
         AS s (id, attempts, at, provider_message_id, segments, cost_vnd, template_version)
       WHERE cm.id = s.id`,
      [
        items.map((i) => i.id),
        items.map((i) => i.attempts),
        items.map((i) => i.at),
        items.map((i) => i.providerMessageId),
        items.map((i) => i.segments),
        items.map((i) => i.costVnd),
        items.map((i) => i.templateVersion),
      ],
    );
  }

  async markFailedAttempt(id: string, attempts: number, error: string, final: boolean, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE citizen_messages SET status = $4, attempts = $2, error = $3, last_attempt_at = $5, claimed_until = NULL,
         params = CASE WHEN $4 = 'failed' THEN params - 'lookupKey' ELSE params END
       WHERE id = $1`,
      [id, attempts, error, final ? 'failed' : 'queued', at],
    );
  }

  /** Ends a claim whose send never started (the circuit is open). */
  async release(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE citizen_messages SET claimed_until = NULL WHERE id = $1`, [id]);
  }

  /**
   * The SMS that replaces a Zalo message Zalo could not deliver: same milestone occurrence and
   * number, `fallback_of` the Zalo row. Nothing when an SMS of that occurrence exists already (the
   * citizen consented to both). Returns the new id.
   */
  async insertFallback(zaloId: string, at: Date): Promise<string | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO citizen_messages (dossier_id, unit_id, milestone, occurrence, channel, to_address, template_version, params, fallback_of, created_at)
       SELECT dossier_id, unit_id, milestone, occurrence, 'sms', to_address, template_version, params, id, $2
       FROM citizen_messages WHERE id = $1 AND channel = 'zalo'
       ON CONFLICT ON CONSTRAINT citizen_messages_once DO NOTHING RETURNING id`,
      [zaloId, at],
    );
    return rows[0]?.id ?? null;
  }

  /** Queued messages created and last tried before `cutoff`, due by `now`, in (created_at, id) order. */
  async staleQueued(
    cutoff: Date,
    now: Date,
    after: { createdAt: string; id: string } | null,
    limit: number,
  ): Promise<{ id: string; created_at: string }[]> {
    const params: unknown[] = [cutoff, now, limit];
    let keyset = '';
    if (after) {
      params.push(after.createdAt, after.id);
      keyset = `AND created_at >= $4::timestamptz AND (created_at, id) > ($4::timestamptz, $5::uuid)`;
    }
    return this.dataSource.query(
      `SELECT cm.id::text AS id, cm.created_at::text AS created_at FROM citizen_messages cm
       WHERE status = 'queued' AND created_at < $1 AND coalesce(last_attempt_at, created_at) < $1
         AND (scheduled_for IS NULL OR scheduled_for <= $2) ${keyset}
       ORDER BY cm.created_at, cm.id LIMIT $3`,
      params,
    );
  }

  /**
   * Open, running dossiers with a channel on whose appointment (promised, else due) falls between
   * `now` and `horizon`, and no `appointment_at_risk` message for that appointment yet.
   */
  async atRiskCandidates(now: Date, horizon: Date, limit: number) {
    return this.dataSource.query(
      `SELECT d.id, d.code, d.receiving_unit_id, d.procedure_id, d.procedure_version,
              coalesce(d.promised_at, d.due_at) AS appointment, u.name AS unit_name,
              c.phone, c.email, c.sms, c.zalo, c.email_on
       FROM dossiers d
       JOIN message_consents c ON c.dossier_id = d.id AND (c.sms OR c.zalo OR c.email_on)
       JOIN units u ON u.id = d.receiving_unit_id
       WHERE d.ended_at IS NULL AND d.paused_since IS NULL
         AND coalesce(d.promised_at, d.due_at) > $1 AND coalesce(d.promised_at, d.due_at) <= $2
         AND NOT EXISTS (SELECT 1 FROM citizen_messages cm WHERE cm.dossier_id = d.id
                           AND cm.milestone = 'appointment_at_risk'
                           AND cm.occurrence = to_char(coalesce(d.promised_at, d.due_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
       ORDER BY coalesce(d.promised_at, d.due_at) LIMIT $3`,
      [now, horizon, limit],
    ) as Promise<
      (Omit<MilestoneContext, 'dossier_id'> & {
        id: string;
        procedure_id: string;
        procedure_version: number;
        appointment: Date;
      })[]
    >;
  }

  /** A delivery report: sent → delivered (or failed), matched by our id or the provider's. Returns the units of the rows changed. */
  async recordReport(
    channel: MessageChannel,
    match: { id?: string; providerMessageId?: string },
    outcome: { delivered: true; at: Date } | { delivered: false; error: string },
  ): Promise<string[]> {
    const where = match.id ? `id = $1::uuid` : `provider_message_id = $1`;
    const key = match.id ?? match.providerMessageId;
    const res: unknown = outcome.delivered
      ? await this.dataSource.query(
          `UPDATE citizen_messages SET status = 'delivered', delivered_at = $3
           WHERE ${where} AND channel = $2 AND status IN ('sent', 'delivered') AND delivered_at IS NULL
           RETURNING unit_id`,
          [key, channel, outcome.at],
        )
      : await this.dataSource.query(
          `UPDATE citizen_messages SET status = 'failed', error = $3
           WHERE ${where} AND channel = $2 AND status = 'sent' RETURNING unit_id`,
          [key, channel, outcome.error],
        );
    return rowsOf<{ unit_id: string }>(res).map((r) => r.unit_id);
  }

  /** The citizen's consent change; queued messages of channels turned off are skipped. Returns the consent after. */
  async updateConsent(
    dossierId: string,
    change: { sms?: boolean; zalo?: boolean; email?: boolean },
  ): Promise<ConsentRow | null> {
    return this.dataSource.transaction(async (m) => {
      const rows = rowsOf<ConsentRow>(
        await m.query(
          `INSERT INTO message_consents (dossier_id, sms, zalo, email_on) VALUES ($1, false, false, false)
           ON CONFLICT (dossier_id) DO UPDATE SET
             sms = CASE WHEN $2::boolean IS NULL THEN message_consents.sms ELSE $2::boolean AND message_consents.phone IS NOT NULL END,
             zalo = CASE WHEN $3::boolean IS NULL THEN message_consents.zalo ELSE $3::boolean AND message_consents.phone IS NOT NULL END,
             email_on = CASE WHEN $4::boolean IS NULL THEN message_consents.email_on ELSE $4::boolean AND message_consents.email IS NOT NULL END,
             updated_at = now()
           RETURNING dossier_id, phone, email, sms, zalo, email_on`,
          [dossierId, change.sms ?? null, change.zalo ?? null, change.email ?? null],
        ),
      );
      const c = rows[0];
      await m.query(
        `UPDATE citizen_messages SET status = 'skipped', error = 'consent withdrawn', params = params - 'lookupKey'
         WHERE dossier_id = $1 AND status = 'queued'
           AND ((channel = 'email' AND NOT $2) OR (channel = 'zalo' AND NOT $3)
                OR (channel = 'sms' AND fallback_of IS NULL AND NOT $4) OR (channel = 'sms' AND fallback_of IS NOT NULL AND NOT ($3 OR $4)))`,
        [dossierId, c.email_on, c.zalo, c.sms],
      );
      return c ?? null;
    });
  }

  async consent(dossierId: string): Promise<ConsentRow | null> {
    const rows: ConsentRow[] = await this.dataSource.query(
      `SELECT dossier_id, phone, email, sms, zalo, email_on FROM message_consents WHERE dossier_id = $1`,
      [dossierId],
    );
    return rows[0] ?? null;
  }

  /** Per receiving unit and channel, the messages created in [from, to) (unitIds null: all units). */
  async report(from: Date, to: Date, unitIds: string[] | null): Promise<ReportRow[]> {
    return this.dataSource.query(
      `SELECT u.id AS unit_id, u.code AS unit_code, u.name AS unit_name, cm.channel,
              count(*) FILTER (WHERE cm.sent_at IS NOT NULL)::int AS sent,
              count(*) FILTER (WHERE cm.status = 'delivered')::int AS delivered,
              count(*) FILTER (WHERE cm.status = 'failed')::int AS failed,
              count(*) FILTER (WHERE cm.fallback_of IS NOT NULL)::int AS fallback,
              coalesce(sum(cm.segments) FILTER (WHERE cm.sent_at IS NOT NULL), 0)::int AS segments,
              coalesce(sum(cm.cost_vnd) FILTER (WHERE cm.sent_at IS NOT NULL), 0)::int AS cost_vnd
       FROM citizen_messages cm JOIN units u ON u.id = cm.unit_id
       WHERE cm.created_at >= $1 AND cm.created_at < $2 AND ($3::uuid[] IS NULL OR cm.unit_id = ANY($3::uuid[]))
       GROUP BY u.id, u.code, u.name, cm.channel
       ORDER BY u.code, cm.channel`,
      [from, to, unitIds],
    );
  }
}
