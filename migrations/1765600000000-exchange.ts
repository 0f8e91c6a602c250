import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exchange with the systems a province already runs (docs/http-api.md, "Exchange with other systems").
 *
 * - integration_sources: one-stop systems that feed us DongBoHoSoMC / CapNhatTienDoHoSoMC records. The
 *   API key is stored as its SHA-256 (a 256-bit random key needs no slow hash), shown once.
 * - dossiers.source_id / source_due_at / source_record_hash / source_fee: a dossier fed by a source, the
 *   sender's NgayHenTra (compared with ours: the mismatch list), the fingerprint of the last record
 *   applied (the same record again changes nothing) and its fees (the amount of a payment request).
 * - integration_items: fingerprints of the progress items already applied per source (repeats are no-ops).
 * - integration_rejected: what could not be mapped, kept whole (AES-256-GCM sealed, a redacted copy for
 *   display) until it is reprocessed.
 * - portal_sync: the outbox of the sync to the national portal, one row per dossier: target_seq is the
 *   last event to send, synced_seq the last one the portal accepted. A statement-level trigger on
 *   dossier_events writes it in the transaction of every change (live actions, intake, imports, feeds),
 *   except for dossiers of a source that syncs them itself.
 */
export class Exchange1765600000000 implements MigrationInterface {
  name = 'Exchange1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE integration_sources (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        unit_ids uuid[] NOT NULL,
        procedure_map jsonb NOT NULL DEFAULT '{}'::jsonb,
        syncs_to_portal boolean NOT NULL DEFAULT true,
        key_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        key_rotated_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX integration_sources_key_idx ON integration_sources (key_hash)`);
    await q.query(`ALTER TABLE dossiers ADD COLUMN source_id uuid REFERENCES integration_sources (id)`);
    await q.query(`ALTER TABLE dossiers ADD COLUMN source_due_at timestamptz`);
    await q.query(`ALTER TABLE dossiers ADD COLUMN source_record_hash text`);
    await q.query(`ALTER TABLE dossiers ADD COLUMN source_fee numeric`);
    await q.query(`CREATE INDEX dossiers_source_idx ON dossiers (source_id, code) WHERE source_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE integration_items (
        source_id uuid NOT NULL REFERENCES integration_sources (id),
        fingerprint text NOT NULL,
        dossier_id uuid NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source_id, fingerprint)
      )`);
    await q.query(`
      CREATE TABLE integration_rejected (
        id uuid PRIMARY KEY,
        source_id uuid NOT NULL REFERENCES integration_sources (id),
        received_at timestamptz NOT NULL,
        service text NOT NULL,
        unit_hint text,
        is_updating boolean,
        reason text NOT NULL,
        fingerprint text NOT NULL,
        record_redacted jsonb NOT NULL,
        record_sealed bytea NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX integration_rejected_fp_idx ON integration_rejected (source_id, fingerprint)`);
    await q.query(`CREATE INDEX integration_rejected_list_idx ON integration_rejected (received_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE portal_sync (
        dossier_id uuid PRIMARY KEY REFERENCES dossiers (id) ON DELETE CASCADE,
        target_seq int NOT NULL,
        synced_seq int NOT NULL DEFAULT 0,
        record_hash text,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        last_attempt_at timestamptz,
        failing_since timestamptz,
        claimed_until timestamptz,
        pending_since timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX portal_sync_pending_idx ON portal_sync (pending_since, dossier_id) WHERE synced_seq < target_seq`,
    );
    await q.query(
      `CREATE INDEX portal_sync_failing_idx ON portal_sync (failing_since, dossier_id) WHERE failing_since IS NOT NULL`,
    );
    // Statement level with a transition table: a bulk import of 10,000 histories costs one INSERT here.
    await q.query(`
      CREATE FUNCTION portal_sync_enqueue() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        INSERT INTO portal_sync AS p (dossier_id, target_seq)
        SELECT n.dossier_id, max(n.seq) FROM new_events n
        JOIN dossiers d ON d.id = n.dossier_id
        LEFT JOIN integration_sources s ON s.id = d.source_id
        WHERE s.id IS NULL OR NOT s.syncs_to_portal
        GROUP BY n.dossier_id
        ON CONFLICT (dossier_id) DO UPDATE SET
          target_seq = GREATEST(p.target_seq, EXCLUDED.target_seq),
          pending_since = CASE WHEN p.synced_seq >= p.target_seq THEN now() ELSE p.pending_since END;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossier_events_portal_sync AFTER INSERT ON dossier_events
      REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION portal_sync_enqueue()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER dossier_events_portal_sync ON dossier_events`);
    await q.query(`DROP FUNCTION portal_sync_enqueue()`);
    await q.query(`DROP TABLE portal_sync`);
    await q.query(`DROP TABLE integration_rejected`);
    await q.query(`DROP TABLE integration_items`);
    await q.query(`DROP INDEX dossiers_source_idx`);
    await q.query(`ALTER TABLE dossiers DROP COLUMN source_fee`);
    await q.query(`ALTER TABLE dossiers DROP COLUMN source_record_hash`);
    await q.query(`ALTER TABLE dossiers DROP COLUMN source_due_at`);
    await q.query(`ALTER TABLE dossiers DROP COLUMN source_id`);
    await q.query(`DROP TABLE integration_sources`);
  }
}
