import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dossier paused after its due instant (or its step's) now keeps those deadlines in its scan
 * columns, so the SLA scan alerts it (src/dossiers/lifecycle.ts, deadlineColumns). The columns of
 * dossiers paused before this release were written without them: marking the open paused dossiers
 * as computed with an older calendar makes the recompute sweep (src/dossiers/recompute.handler.ts)
 * rebuild their projection from their events within a sweep period. Nothing else changes.
 */
export class PausedOverdueAlerts1765100000002 implements MigrationInterface {
  name = 'PausedOverdueAlerts1765100000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE dossiers SET calendar_version = calendar_version - 1 WHERE ended_at IS NULL AND paused_since IS NOT NULL`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: the rebuilt projections are what the events give.
  }
}
