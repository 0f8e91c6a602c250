import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returned } from 'src/integrations/integrations.repository';
import { eventsSince, type DossierRef } from 'src/dossiers/dossiers.repository';
import type { SyncDossier, SyncEvent } from 'src/portal-sync/portal-record';

export interface SyncRow {
  dossier_id: string;
  target_seq: number;
  synced_seq: number;
  record_hash: string | null;
  /** Changes of the record without an event (a fed record): the last one, and the last the portal took. */
  record_rev: number;
  record_synced_rev: number;
  attempts: number;
  last_error: string | null;
  last_attempt_at: Date | null;
  failing_since: Date | null;
  /** The pending change came from an import (history): sent after live changes. */
  backfill: boolean;
  pending_since: Date;
}

/** Where the sweep's last page ended, in its order (live first, oldest first). */
export interface PendingCursor {
  backfill: boolean;
  /** pending_since as Postgres prints it: microseconds kept (a Date would cut them, and a page could repeat). */
  sinceKey: string;
  id: string;
}

export interface PendingRow extends SyncRow {
  since_key: string;
}

export interface OutboxStatus {
  pending: number;
  failed: number;
  oldest: Date | null;
  backfillPending: number;
  oldestLive: Date | null;
  /** Seconds the oldest live change has waited, by the database's clock (0: none waiting). */
  liveLagSeconds: number;
}

export interface FailureRow extends SyncRow {
  code: string;
}

const COLUMNS =
  'dossier_id, target_seq, synced_seq, record_hash, record_rev, record_synced_rev, attempts, last_error, last_attempt_at, failing_since, backfill, pending_since';

/** A row the portal still has to take: an event or a record revision not yet sent (portal_sync_queue_idx). */
const PENDING = '(synced_seq < target_seq OR record_synced_rev < record_rev)';

/** The portal_sync outbox (written by the dossier_events trigger) and what a sync reads. */
@Injectable()
export class PortalSyncRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims a dossier's pending sync for `leaseMs` (one statement, committed at once): two workers
   * never send the same dossier at the same time, and no lock is held while the portal is called.
   */
  async claim(dossierId: string, leaseMs: number): Promise<SyncRow | null> {
    const rows = returned<SyncRow>(
      await this.dataSource.query(
        `UPDATE portal_sync SET claimed_until = now() + $2 * interval '1 millisecond'
       WHERE dossier_id = $1 AND ${PENDING} AND (claimed_until IS NULL OR claimed_until < now())
       RETURNING ${COLUMNS}`,
        [dossierId, leaseMs],
      ),
    );
    return rows[0] ?? null;
  }

  async dossier(dossierId: string): Promise<SyncDossier | null> {
    const rows: SyncDossier[] = await this.dataSource.query(
      `SELECT d.code, d.procedure_code, v.name AS procedure_name, v.field AS procedure_field, v.field_code AS procedure_field_code, d.channel, d.applicant,
              d.summary, d.flags, d.state, hu.name AS handling_unit_name, d.created_at
       FROM dossiers d
       JOIN procedure_versions v ON v.procedure_id = d.procedure_id AND v.version = d.procedure_version
       JOIN units hu ON hu.id = d.handling_unit_id
       WHERE d.id = $1`,
      [dossierId],
    );
    return rows[0] ?? null;
  }

  async events(d: DossierRef, afterSeq: number, toSeq: number): Promise<SyncEvent[]> {
    return this.dataSource.query(
      `SELECT e.seq, e.action, e.at, e.to_status, e.payload, u.full_name AS actor_name, un.name AS unit_name
       FROM dossier_events e
       LEFT JOIN users u ON u.id = e.actor_user_id
       LEFT JOIN units un ON un.id = u.unit_id
       WHERE e.dossier_id = $1 AND e.seq > $2 AND e.seq <= $3 AND ${eventsSince('$4', 'e.')} ORDER BY e.seq`,
      [d.id, afterSeq, toSeq, d.created_at],
    );
  }

  async result(d: DossierRef): Promise<{ summary: string; url: string | null } | null> {
    const rows: { payload: Record<string, unknown> }[] = await this.dataSource.query(
      `SELECT payload FROM dossier_events WHERE dossier_id = $1 AND action = 'resolve' AND ${eventsSince('$2')}
       ORDER BY seq DESC LIMIT 1`,
      [d.id, d.created_at],
    );
    const p = rows[0]?.payload;
    if (!p) return null;
    return {
      summary: typeof p.resultSummary === 'string' ? p.resultSummary : '',
      url: typeof p.resultFileUrl === 'string' ? p.resultFileUrl : null,
    };
  }

  /** The portal took the record built at revision `rev` (a later change stays pending). */
  async recordSent(dossierId: string, hash: string, rev: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE portal_sync SET record_hash = $2, record_synced_rev = GREATEST(record_synced_rev, $3) WHERE dossier_id = $1`,
      [dossierId, hash, rev],
    );
  }

  async progressSent(dossierId: string, seq: number): Promise<void> {
    await this.dataSource.query(`UPDATE portal_sync SET synced_seq = GREATEST(synced_seq, $2) WHERE dossier_id = $1`, [
      dossierId,
      seq,
    ]);
  }

  /** Everything up to the claimed target was accepted: off the failed list, and the dossier counts as synced. */
  async succeeded(dossierId: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `WITH s AS (
         UPDATE portal_sync SET attempts = 0, last_error = NULL, failing_since = NULL, claimed_until = NULL,
           last_attempt_at = $2
         WHERE dossier_id = $1 RETURNING dossier_id
       )
       UPDATE dossiers SET portal_synced_at = $2 FROM s WHERE dossiers.id = s.dossier_id`,
      [dossierId, at],
    );
  }

  async failed(dossierId: string, error: string, at: Date): Promise<number> {
    const rows = returned<{ attempts: number }>(
      await this.dataSource.query(
        `UPDATE portal_sync SET attempts = attempts + 1, last_error = $2, last_attempt_at = $3,
         failing_since = coalesce(failing_since, $3), claimed_until = NULL
       WHERE dossier_id = $1 RETURNING attempts`,
        [dossierId, error, at],
      ),
    );
    return rows[0]?.attempts ?? 0;
  }

  async release(dossierId: string): Promise<void> {
    await this.dataSource.query(`UPDATE portal_sync SET claimed_until = NULL WHERE dossier_id = $1`, [dossierId]);
  }

  /**
   * Dossiers waiting for the portal and not being sent right now: live changes first, then imported
   * history, oldest first in each (portal_sync_queue_idx); keyset pages.
   */
  async pending(limit: number, after: PendingCursor | null): Promise<PendingRow[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS}, pending_since::text AS since_key
       FROM portal_sync
       WHERE ${PENDING} AND (claimed_until IS NULL OR claimed_until < now())
         ${after ? 'AND (backfill, pending_since, dossier_id) > ($2::boolean, $3::timestamptz, $4::uuid)' : ''}
       ORDER BY backfill, pending_since, dossier_id LIMIT $1`,
      after ? [limit, after.backfill, after.sinceKey, after.id] : [limit],
    );
  }

  /**
   * Live changes waiting and handed to nobody: not being sent, not failing (a failing dossier waits
   * for its job's backoff, then the sweep), oldest first (portal_sync_queue_idx's live half).
   */
  async pendingLive(limit: number): Promise<SyncRow[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS}
       FROM portal_sync
       WHERE backfill = false AND ${PENDING} AND failing_since IS NULL
         AND (claimed_until IS NULL OR claimed_until < now())
       ORDER BY backfill, pending_since, dossier_id LIMIT $1`,
      [limit],
    );
  }

  async failures(limit: number, after?: { f: string; i: string }): Promise<FailureRow[]> {
    return this.dataSource.query(
      `SELECT p.dossier_id, p.target_seq, p.synced_seq, p.record_hash, p.record_rev, p.record_synced_rev, p.attempts, p.last_error, p.last_attempt_at,
              p.failing_since, p.backfill, p.pending_since, d.code
       FROM portal_sync p JOIN dossiers d ON d.id = p.dossier_id
       WHERE p.failing_since IS NOT NULL
         ${after ? 'AND (p.failing_since, p.dossier_id) > ($2::timestamptz, $3::uuid)' : ''}
       ORDER BY p.failing_since, p.dossier_id LIMIT $1`,
      after ? [limit + 1, after.f, after.i] : [limit + 1],
    );
  }

  async failing(dossierId: string): Promise<SyncRow | null> {
    const rows: SyncRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS}
       FROM portal_sync WHERE dossier_id = $1 AND failing_since IS NOT NULL`,
      [dossierId],
    );
    return rows[0] ?? null;
  }

  async allFailing(): Promise<SyncRow[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS}
       FROM portal_sync WHERE failing_since IS NOT NULL ORDER BY failing_since, dossier_id`,
    );
  }

  /**
   * While the failed-sync list is past the threshold, one open `portal_sync_failing` alert per
   * active admin (raised once per episode: none while one is open); back under it, they close.
   */
  async alertFailing(failed: number, threshold: number, now: Date): Promise<{ raised: number; closed: number }> {
    if (failed <= threshold) {
      const closed: unknown[] = await this.dataSource.query(
        `WITH c AS (UPDATE alerts SET closed_at = $1 WHERE kind = 'portal_sync_failing' AND closed_at IS NULL
           RETURNING id) SELECT id FROM c`,
        [now],
      );
      return { raised: 0, closed: closed.length };
    }
    const raised: unknown[] = await this.dataSource.query(
      `INSERT INTO alerts (kind, dossier_id, unit_id, recipient_user_id, deadline_at, created_at)
       SELECT 'portal_sync_failing', NULL, NULL, u.id, $1, $1 FROM users u
       WHERE u.active AND u.role = 'admin'
         AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.kind = 'portal_sync_failing' AND a.closed_at IS NULL
                         AND a.recipient_user_id = u.id)
       ON CONFLICT (kind, deadline_at, recipient_user_id) WHERE dossier_id IS NULL DO NOTHING
       RETURNING id`,
      [now],
    );
    return { raised: raised.length, closed: 0 };
  }

  async status(): Promise<OutboxStatus> {
    const rows: {
      pending: string;
      failed: string;
      oldest: Date | null;
      backfill_pending: string;
      oldest_live: Date | null;
      live_lag: string | null;
    }[] = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE ${PENDING}) AS pending,
              count(*) FILTER (WHERE failing_since IS NOT NULL) AS failed,
              min(pending_since) FILTER (WHERE ${PENDING}) AS oldest,
              count(*) FILTER (WHERE ${PENDING} AND backfill) AS backfill_pending,
              min(pending_since) FILTER (WHERE ${PENDING} AND NOT backfill) AS oldest_live,
              extract(epoch FROM now() - min(pending_since) FILTER (WHERE ${PENDING} AND NOT backfill))
                AS live_lag
       FROM portal_sync`,
    );
    const r = rows[0];
    return {
      pending: Number(r.pending),
      failed: Number(r.failed),
      oldest: r.oldest,
      backfillPending: Number(r.backfill_pending),
      oldestLive: r.oldest_live,
      liveLagSeconds: Math.max(0, Number(r.live_lag ?? 0)),
    };
  }
}
