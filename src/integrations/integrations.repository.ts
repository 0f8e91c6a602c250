import type { Channel } from 'src/dossiers/lifecycle';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { namedQuery, namedQueryIn } from 'src/database/named-query';
import { EVENT_COLUMNS, eventsSince, type EventRow, type ProjectionColumns } from 'src/dossiers/dossiers.repository';

export interface SourceRow {
  id: string;
  name: string;
  unit_ids: string[];
  procedure_map: Record<string, string>;
  syncs_to_portal: boolean;
  created_at: Date;
  key_rotated_at: Date | null;
  revoked_at: Date | null;
}

export interface RejectedRow {
  id: string;
  source_id: string;
  received_at: Date;
  service: string;
  unit_hint: string | null;
  is_updating: boolean | null;
  reason: string;
  fingerprint: string;
  record_redacted: unknown;
  record_sealed: Buffer;
}

export interface SourceDossier {
  id: string;
  code: string;
  source_id: string | null;
  source_record_hash: string | null;
  source_fee: string | null;
  receiving_unit_id: string;
  procedure_id: string;
  procedure_version: number;
  channel: Channel;
  /** The bound of its events' partitions (DossierRow.created_at). */
  created_at: Date;
}

/** A dossier read by a progress batch: locked with its version and flags when it is the source's own. */
export type LockedDossier = Pick<SourceDossier, 'id' | 'code' | 'source_id'> &
  Partial<SourceDossier> & { version?: number; flags?: Record<string, unknown> };

export interface MismatchRow {
  id: string;
  code: string;
  source_id: string;
  source_due_at: Date;
  last_due_at: Date;
}

export interface BookKey {
  fileHash: string;
  sourceId: string;
  mappingHash: string;
}

export interface BookCheckpoint {
  rows_done: number;
  applied: number;
  unchanged: number;
  refused: number;
  refused_bytes: number;
  finished_at: Date | null;
}

/** TypeORM answers an UPDATE … RETURNING with [rows, affected]; other statements with the rows. */
export function returned<T>(result: unknown): T[] {
  const r = result as unknown[];
  return (Array.isArray(r[0]) ? r[0] : r) as T[];
}

/**
 * Which of the fingerprints ($3) the source ($1) already sent: one probe of the primary key per
 * fingerprint (a subquery per element, never a scan of everything the source ever sent, whatever
 * the planner's statistics say while the table grows).
 */
const knownFingerprints = (
  source: string,
  fingerprints: string,
) => `SELECT f.fp FROM unnest(${fingerprints}::text[]) AS f(fp)
  WHERE (SELECT true FROM integration_items i WHERE i.source_id = ${source} AND i.fingerprint = f.fp)`;

const SOURCE_COLUMNS = 'id, name, unit_ids, procedure_map, syncs_to_portal, created_at, key_rotated_at, revoked_at';

/** The only file of the module that speaks SQL. */
@Injectable()
export class IntegrationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  async createSource(s: {
    id: string;
    name: string;
    unitIds: string[];
    procedureMap: Record<string, string>;
    syncsToPortal: boolean;
    keyHash: string;
  }): Promise<SourceRow> {
    const rows: SourceRow[] = await this.dataSource.query(
      `INSERT INTO integration_sources (id, name, unit_ids, procedure_map, syncs_to_portal, key_hash)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${SOURCE_COLUMNS}`,
      [s.id, s.name, s.unitIds, JSON.stringify(s.procedureMap), s.syncsToPortal, s.keyHash],
    );
    return rows[0];
  }

  async listSources(limit: number, after?: { c: string; i: string }): Promise<SourceRow[]> {
    return this.dataSource.query(
      `SELECT ${SOURCE_COLUMNS} FROM integration_sources
       ${after ? 'WHERE (created_at, id) < ($2::timestamptz, $3::uuid)' : ''}
       ORDER BY created_at DESC, id DESC LIMIT $1`,
      after ? [limit + 1, after.c, after.i] : [limit + 1],
    );
  }

  async sourceById(id: string): Promise<SourceRow | null> {
    const rows: SourceRow[] = await this.dataSource.query(
      `SELECT ${SOURCE_COLUMNS} FROM integration_sources WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async sourceByKeyHash(hash: string): Promise<SourceRow | null> {
    // Every call of a source system starts here: prepared (parsed and planned once per connection).
    const rows = await namedQuery<SourceRow>(
      this.dataSource,
      'integration_source_by_key',
      `SELECT ${SOURCE_COLUMNS} FROM integration_sources WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hash],
    );
    return rows[0] ?? null;
  }

  async rotateKey(id: string, keyHash: string): Promise<SourceRow | null> {
    const rows = returned<SourceRow>(
      await this.dataSource.query(
        `UPDATE integration_sources SET key_hash = $2, key_rotated_at = now()
         WHERE id = $1 AND revoked_at IS NULL RETURNING ${SOURCE_COLUMNS}`,
        [id, keyHash],
      ),
    );
    return rows[0] ?? null;
  }

  async revoke(id: string): Promise<boolean> {
    const rows = returned<{ id: string }>(
      await this.dataSource.query(
        `UPDATE integration_sources SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id`,
        [id],
      ),
    );
    return rows.length > 0;
  }

  /** A unit named by a record: by its portal identifier first, else by its code (ignoring case). */
  async unitByRef(ref: string): Promise<{ id: string; code: string; active: boolean } | null> {
    const rows: { id: string; code: string; active: boolean }[] = await this.dataSource.query(
      `SELECT id, code, active FROM units WHERE lower(portal_code) = lower($1) OR lower(code) = lower($1)
       ORDER BY (lower(portal_code) = lower($1)) DESC NULLS LAST LIMIT 1`,
      [ref],
    );
    return rows[0] ?? null;
  }

  async unitById(id: string): Promise<{ id: string; code: string; active: boolean } | null> {
    const rows: { id: string; code: string; active: boolean }[] = await this.dataSource.query(
      `SELECT id, code, active FROM units WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  // ---- dossiers of sources ------------------------------------------------------------------

  async dossiersByCodes(codes: string[]): Promise<Map<string, SourceDossier>> {
    if (codes.length === 0) return new Map();
    const rows: SourceDossier[] = await this.dataSource.query(
      `SELECT id, code, source_id, source_record_hash, source_fee, receiving_unit_id, procedure_id, procedure_version, channel,
              created_at
       FROM dossiers WHERE code = ANY($1)`,
      [codes],
    );
    return new Map(rows.map((r) => [r.code, r]));
  }

  /**
   * Marks new dossiers as the source's, with the facts of its record, in one statement. `syncedAt`:
   * the source puts its dossiers on the national portal itself (syncs_to_portal), so they count as
   * synchronised (766 indicator 1.4) from the instant we received them; null when we sync them.
   */
  async markSourcedMany(
    m: EntityManager,
    sourceId: string,
    rows: { id: string; dueAt: Date | null; recordHash: string; fee: number | null }[],
    syncedAt: Date | null,
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `UPDATE dossiers d SET source_id = $1, source_due_at = t.due, source_record_hash = t.hash, source_fee = t.fee,
         portal_synced_at = coalesce(d.portal_synced_at, $6)
       FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::numeric[]) AS t(id, due, hash, fee)
       WHERE d.id = t.id`,
      [
        sourceId,
        rows.map((r) => r.id),
        rows.map((r) => r.dueAt),
        rows.map((r) => r.recordHash),
        rows.map((r) => r.fee),
        syncedAt,
      ],
    );
  }

  async updateSourcedFacts(
    m: EntityManager,
    id: string,
    s: { dueAt: Date | null; recordHash: string; fee: number | null; flags: Record<string, unknown> },
  ): Promise<void> {
    // The portal's record of the dossier may change with these facts, event or not: where we sync
    // the dossier (a portal_sync row), a new record revision makes the outbox send it.
    await m.query(
      `WITH d AS (
         UPDATE dossiers SET source_due_at = $2, source_record_hash = $3, source_fee = coalesce($4, source_fee),
           flags = flags || $5::jsonb, updated_at = now() WHERE id = $1
       )
       UPDATE portal_sync SET record_rev = record_rev + 1,
         pending_since = CASE WHEN synced_seq >= target_seq AND record_synced_rev >= record_rev THEN now()
                              ELSE pending_since END
       WHERE dossier_id = $1`,
      [id, s.dueAt, s.recordHash, s.fee, JSON.stringify(s.flags)],
    );
  }

  /**
   * The fingerprints and dossiers a progress request needs, in one round trip, outside a transaction
   * (the dossier-by-dossier retry of a refused batch): which of the fingerprints this source already
   * sent, and the dossiers of these codes.
   */
  async knownItemsAndDossiers(
    sourceId: string,
    fingerprints: string[],
    codes: string[],
  ): Promise<{ known: Set<string>; dossiers: Map<string, SourceDossier> }> {
    const rows: { fp: string | null; d: SourceDossier | null }[] = await this.dataSource.query(
      `${knownFingerprints('$1', '$2').replace('SELECT f.fp', 'SELECT f.fp, NULL::json AS d')}
       UNION ALL
       SELECT NULL, json_build_object('id', id, 'code', code, 'source_id', source_id,
                'source_record_hash', source_record_hash, 'source_fee', source_fee::text,
                'receiving_unit_id', receiving_unit_id, 'procedure_id', procedure_id,
                'procedure_version', procedure_version, 'channel', channel)
       FROM dossiers WHERE code = ANY($3)`,
      [sourceId, fingerprints, codes],
    );
    const known = new Set<string>();
    const dossiers = new Map<string, SourceDossier>();
    for (const r of rows) {
      if (r.d) dossiers.set(r.d.code, r.d);
      else if (r.fp !== null) known.add(r.fp);
    }
    return { known, dossiers };
  }

  /**
   * What a progress batch reads, in one statement at the start of its transaction: the dossiers of
   * these codes that belong to the source, locked in id order (as every batch does: no deadlock
   * between two batches), each with its events in the order of the fold; the dossiers of these codes
   * that belong to another source (not locked: their items are refused); and which fingerprints the
   * source already sent (one index probe each).
   *
   * The statement's snapshot is taken before its locks: when it waited for a concurrent writer of one
   * of the dossiers, the locked row is the latest one but the events and fingerprints read beside it
   * may be older. A dossier's version is its number of events, so a mismatch shows it, and then
   * events and fingerprints are read again (a new statement sees what the writer committed).
   */
  async lockForItems(
    m: EntityManager,
    sourceId: string,
    codes: string[],
    fingerprints: string[],
  ): Promise<{
    dossiers: Map<string, LockedDossier>;
    events: Map<string, EventRow[]>;
    known: Set<string>;
  }> {
    // The batch's two statements are prepared: their generic plans, never re-planned per call (the
    // write's custom plan cost 1.3 ms of planning per batch, and PostgreSQL kept choosing it).
    await m.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
    const rows = await namedQueryIn<
      Partial<EventRow> & { k: 'd' | 'e' | 'f'; fp: string | null; d: LockedDossier | null }
    >(
      m,
      'feed_lock',
      `WITH l AS (
           SELECT id, code, source_id, source_record_hash, source_fee::text AS source_fee, receiving_unit_id,
                  procedure_id, procedure_version, channel, version, flags, created_at
           FROM dossiers WHERE code = ANY($2) AND source_id = $1 ORDER BY id FOR UPDATE
         )
         SELECT 'd' AS k, row_to_json(l) AS d, NULL::uuid AS dossier_id, NULL::int AS seq, NULL AS action,
                NULL::timestamptz AS at, NULL::uuid AS actor_user_id, NULL AS from_status, NULL AS to_status,
                NULL::jsonb AS payload, NULL AS external_id, NULL AS fp
         FROM l
         UNION ALL
         SELECT 'd', json_build_object('id', id, 'code', code, 'source_id', source_id), NULL, NULL, NULL, NULL,
                NULL, NULL, NULL, NULL, NULL, NULL
         FROM dossiers WHERE code = ANY($2) AND source_id IS DISTINCT FROM $1
         UNION ALL
         SELECT 'e', NULL, e.dossier_id, e.seq, e.action, e.at, e.actor_user_id, e.from_status, e.to_status,
                e.payload, e.external_id, NULL
         -- Each locked dossier's events through the index, whatever the statistics say: the plan is
         -- prepared once and kept, and the statistics of the month's events may date from when the
         -- partition was small (a hash join over the whole partition then). OFFSET 0 keeps the
         -- subquery per dossier (not flattened into a join the planner could reorder).
         FROM l CROSS JOIN LATERAL (
           SELECT * FROM dossier_events e WHERE e.dossier_id = l.id AND ${eventsSince('l.created_at', 'e.')} OFFSET 0
         ) e
         UNION ALL
         SELECT 'f', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, k.fp
         FROM (${knownFingerprints('$1', '$3')}) k
         ORDER BY 1, 3, 6, 4`,
      [sourceId, codes, fingerprints],
    );
    const dossiers = new Map<string, LockedDossier>();
    let events = new Map<string, EventRow[]>();
    let known = new Set<string>();
    for (const r of rows) {
      if (r.k === 'd') dossiers.set(r.d!.code, r.d!);
      else if (r.k === 'f') known.add(r.fp!);
      else {
        const { k: _k, d: _d, fp: _fp, ...e } = r;
        const list = events.get(e.dossier_id!);
        if (list) list.push(e as EventRow);
        else events.set(e.dossier_id!, [e as EventRow]);
      }
    }
    const stale = [...dossiers.values()].some(
      (d) => d.version !== undefined && (events.get(d.id)?.length ?? 0) !== d.version,
    );
    if (stale) {
      const own = [...dossiers.values()].filter((d) => d.version !== undefined);
      events = await this.eventsOf(
        m,
        own.map((d) => d.id),
        new Date(Math.min(...own.map((d) => new Date(d.created_at!).getTime()))),
      );
      known = new Set(
        ((await m.query(knownFingerprints('$1', '$2'), [sourceId, fingerprints])) as { fp: string }[]).map((r) => r.fp),
      );
    }
    return { dossiers, events, known };
  }

  async recordItems(m: EntityManager, sourceId: string, items: { fp: string; dossierId: string }[]): Promise<void> {
    if (items.length === 0) return;
    await m.query(
      `INSERT INTO integration_items (source_id, fingerprint, dossier_id)
       SELECT $1, f, d FROM unnest($2::text[], $3::uuid[]) AS t(f, d) ON CONFLICT DO NOTHING`,
      [sourceId, items.map((i) => i.fp), items.map((i) => i.dossierId)],
    );
  }

  /**
   * A feed batch's writes in one statement: the new events, the projections and the applied items'
   * fingerprints (data-modifying CTEs all run; the events' statement-level outbox trigger fires at
   * its end as for a plain INSERT).
   */
  async writeFeedBatch(
    m: EntityManager,
    sourceId: string,
    events: EventRow[],
    projections: (ProjectionColumns & { id: string })[],
    items: { fp: string; dossierId: string }[],
  ): Promise<void> {
    const cols = projections.length ? Object.keys(projections[0]).filter((c) => c !== 'id') : [];
    const ev = EVENT_COLUMNS;
    await namedQueryIn(
      m,
      'feed_write',
      `WITH e AS (
         INSERT INTO dossier_events (${ev.join(', ')})
         SELECT ${ev.join(', ')} FROM jsonb_populate_recordset(NULL::dossier_events, $1::jsonb)
       ), p AS (
         ${
           cols.length
             ? `UPDATE dossiers d SET ${cols.map((c) => `${c} = r.${c}`).join(', ')}, updated_at = now()
                FROM jsonb_populate_recordset(NULL::dossiers, $2::jsonb) r WHERE d.id = r.id`
             : `SELECT $2::jsonb`
         }
       ), i AS (
         INSERT INTO integration_items (source_id, fingerprint, dossier_id)
         SELECT $3, f, d FROM unnest($4::text[], $5::uuid[]) AS t(f, d) ON CONFLICT DO NOTHING
       )
       SELECT 1`,
      [
        JSON.stringify(events),
        JSON.stringify(projections),
        sourceId,
        items.map((i) => i.fp),
        items.map((i) => i.dossierId),
      ],
    );
  }

  /** The events of several dossiers, each in the order of the fold (instant, then arrival). */
  /** The events of `ids`, whose earliest created_at is `since` (the bound of their partitions). */
  async eventsOf(m: EntityManager, ids: string[], since: Date): Promise<Map<string, EventRow[]>> {
    const rows: EventRow[] = await m.query(
      `SELECT dossier_id, seq, action, at, actor_user_id, from_status, to_status, payload, external_id
       FROM dossier_events WHERE dossier_id = ANY($1) AND ${eventsSince('$2')} ORDER BY dossier_id, at, seq`,
      [ids, since],
    );
    const out = new Map<string, EventRow[]>();
    for (const r of rows) {
      const list = out.get(r.dossier_id);
      if (list) list.push(r);
      else out.set(r.dossier_id, [r]);
    }
    return out;
  }

  /**
   * Rewrites the projections of several dossiers in one statement: the rows as JSON, typed by the
   * table's own row type (jsonb_populate_recordset), so every column keeps its type.
   */
  async updateProjections(m: EntityManager, rows: (ProjectionColumns & { id: string })[]): Promise<void> {
    if (rows.length === 0) return;
    const cols = Object.keys(rows[0]).filter((c) => c !== 'id');
    await m.query(
      `UPDATE dossiers d SET ${cols.map((c) => `${c} = r.${c}`).join(', ')}, updated_at = now()
       FROM jsonb_populate_recordset(NULL::dossiers, $1::jsonb) r WHERE d.id = r.id`,
      [JSON.stringify(rows)],
    );
  }

  // ---- rejected -----------------------------------------------------------------------------

  /** Keeps a rejected record; the same record again (same fingerprint) only refreshes the reason. */
  async reject(r: Omit<RejectedRow, 'received_at'> & { received_at: Date }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO integration_rejected
         (id, source_id, received_at, service, unit_hint, is_updating, reason, fingerprint, record_redacted, record_sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (source_id, fingerprint) DO UPDATE SET reason = EXCLUDED.reason`,
      [
        r.id,
        r.source_id,
        r.received_at,
        r.service,
        r.unit_hint,
        r.is_updating,
        r.reason,
        r.fingerprint,
        JSON.stringify(r.record_redacted),
        r.record_sealed,
      ],
    );
  }

  async listRejected(
    limit: number,
    sourceId: string | undefined,
    after?: { r: string; i: string },
  ): Promise<RejectedRow[]> {
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (sourceId) where.push(`source_id = $${params.push(sourceId)}`);
    if (after)
      where.push(`(received_at, id) < ($${params.push(after.r)}::timestamptz, $${params.push(after.i)}::uuid)`);
    return this.dataSource.query(
      `SELECT * FROM integration_rejected ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY received_at DESC, id DESC LIMIT $1`,
      params,
    );
  }

  async rejectedById(id: string): Promise<RejectedRow | null> {
    const rows: RejectedRow[] = await this.dataSource.query(`SELECT * FROM integration_rejected WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Oldest first: records are re-applied in the order they arrived. */
  async rejectedBatch(
    service: string,
    sourceId: string | undefined,
    afterReceived: Date | null,
    afterId: string | null,
    limit: number,
  ): Promise<RejectedRow[]> {
    const params: unknown[] = [limit, service];
    const where: string[] = ['service = $2'];
    if (sourceId) where.push(`source_id = $${params.push(sourceId)}`);
    if (afterReceived && afterId)
      where.push(`(received_at, id) > ($${params.push(afterReceived)}::timestamptz, $${params.push(afterId)}::uuid)`);
    return this.dataSource.query(
      `SELECT * FROM integration_rejected ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY received_at, id LIMIT $1`,
      params,
    );
  }

  async deleteRejected(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM integration_rejected WHERE id = $1`, [id]);
  }

  async updateRejectedReason(id: string, reason: string): Promise<void> {
    await this.dataSource.query(`UPDATE integration_rejected SET reason = $2 WHERE id = $1`, [id, reason]);
  }

  // ---- backfill from the tracking book's files -------------------------------------------------

  async sourcesByRef(ref: string | null): Promise<SourceRow[]> {
    return this.dataSource.query(
      `SELECT ${SOURCE_COLUMNS} FROM integration_sources WHERE revoked_at IS NULL
       ${ref === null ? '' : 'AND (id::text = $1 OR lower(name) = lower($1))'} ORDER BY created_at`,
      ref === null ? [] : [ref],
    );
  }

  /** Every unit's code, portal identifier and name (a book names units in words). */
  async unitNames(): Promise<{ code: string; portal_code: string | null; name: string }[]> {
    return this.dataSource.query(`SELECT code, portal_code, name FROM units WHERE active`);
  }

  /** Every active procedure's code with the names of its versions (a book may name procedures only). */
  async procedureNames(): Promise<{ code: string; name: string }[]> {
    return this.dataSource.query(
      `SELECT DISTINCT p.code, v.name FROM procedures p JOIN procedure_versions v ON v.procedure_id = p.id WHERE p.active`,
    );
  }

  async bookCheckpoint(key: BookKey): Promise<BookCheckpoint | null> {
    const rows: BookCheckpoint[] = await this.dataSource.query(
      `SELECT rows_done, applied, unchanged, refused, refused_bytes::float8 AS refused_bytes, finished_at
       FROM book_imports WHERE file_hash = $1 AND source_id = $2 AND mapping_hash = $3`,
      [key.fileHash, key.sourceId, key.mappingHash],
    );
    return rows[0] ?? null;
  }

  async saveBookCheckpoint(key: BookKey, fileName: string, c: BookCheckpoint, restart = false): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO book_imports AS b (file_hash, source_id, mapping_hash, file_name, rows_done, applied, unchanged,
         refused, refused_bytes, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (file_hash, source_id, mapping_hash) DO UPDATE SET file_name = EXCLUDED.file_name,
         rows_done = EXCLUDED.rows_done, applied = EXCLUDED.applied, unchanged = EXCLUDED.unchanged,
         refused = EXCLUDED.refused, refused_bytes = EXCLUDED.refused_bytes, finished_at = EXCLUDED.finished_at,
         updated_at = now()${restart ? ', started_at = now()' : ''}`,
      [
        key.fileHash,
        key.sourceId,
        key.mappingHash,
        fileName,
        c.rows_done,
        c.applied,
        c.unchanged,
        c.refused,
        c.refused_bytes,
        c.finished_at,
      ],
    );
  }

  // ---- mismatches ---------------------------------------------------------------------------

  async mismatches(
    toleranceMinutes: number,
    limit: number,
    sourceId: string | undefined,
    afterCode?: string,
  ): Promise<MismatchRow[]> {
    const params: unknown[] = [toleranceMinutes * 60, limit + 1];
    const where = [
      'source_id IS NOT NULL',
      'source_due_at IS NOT NULL',
      'abs(extract(epoch FROM source_due_at - last_due_at)) > $1',
    ];
    if (sourceId) where.push(`source_id = $${params.push(sourceId)}`);
    if (afterCode) where.push(`code > $${params.push(afterCode)}`);
    return this.dataSource.query(
      `SELECT id, code, source_id, source_due_at, last_due_at FROM dossiers WHERE ${where.join(' AND ')}
       ORDER BY code LIMIT $2`,
      params,
    );
  }
}
