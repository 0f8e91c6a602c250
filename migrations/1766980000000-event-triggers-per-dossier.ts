import { MigrationInterface, QueryRunner } from 'typeorm';
import { editFunction } from './support/edit-function';

/**
 * Two statement triggers of dossier_events reach the dossiers of the inserted events one by one,
 * through primary keys, whatever the number of events.
 *
 * Why: a trigger's statements are planned once per connection and the plan is kept, with the row
 * count of the transition table (`new_events`) of the statement that first fired it. A connection
 * whose first insert of events was a large batch (an import, a feed's records, a bulk restore)
 * kept plans sized for it: `portal_sync_enqueue` hash-joined the batch with the whole `dossiers`
 * table, and went on doing so for every later insert of one or two events on that connection
 * (measured: 1.9 ms per 100 events with a 3,000-row table, against 0.3 ms per dossier lookup; the
 * cost grows with the table) until something invalidated the plan. Correlated scalar subqueries
 * are never turned into joins, so the plan is the same at every size: per dossier (or per event)
 * an index probe.
 *
 * - portal_sync_enqueue: the events' last seq per dossier, kept when the dossier's source does not
 *   sync it itself (no source, or `syncs_to_portal` false), as before.
 * - dossier_events_unique_external: the probe of an earlier event with the same external_id now
 *   uses both columns of the (dossier_id, external_id) index; the semi-join it replaces read every
 *   event of the dossier and filtered them (640 rows read for 80 fed events of 10 dossiers:
 *   1.0-1.5 ms, now 0.6 ms).
 */
const ENQUEUE = 'portal_sync_enqueue()';
const ENQUEUE_JOIN = `        SELECT n.dossier_id, max(n.seq), imported FROM new_events n
        JOIN dossiers d ON d.id = n.dossier_id
        LEFT JOIN integration_sources s ON s.id = d.source_id
        WHERE s.id IS NULL OR NOT s.syncs_to_portal
        GROUP BY n.dossier_id
`;
const ENQUEUE_PER_DOSSIER = `        SELECT g.dossier_id, g.hi, imported
        FROM (SELECT n.dossier_id, max(n.seq) AS hi FROM new_events n GROUP BY n.dossier_id) g
        WHERE (SELECT s.id IS NULL OR NOT s.syncs_to_portal
               FROM dossiers d LEFT JOIN integration_sources s ON s.id = d.source_id WHERE d.id = g.dossier_id)
`;
const EXTERNAL = 'dossier_events_unique_external()';
const EXTERNAL_JOIN = `        FROM new_events n JOIN dossiers d ON d.id = n.dossier_id
        WHERE n.external_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM dossier_events e
                      WHERE e.dossier_id = n.dossier_id AND e.external_id = n.external_id AND e.seq <> n.seq
                        AND e.recorded_at >= partition_month(d.created_at))
`;
const EXTERNAL_PER_EVENT = `        FROM new_events n
        WHERE n.external_id IS NOT NULL
          AND (SELECT true FROM dossier_events e
               WHERE e.dossier_id = n.dossier_id AND e.external_id = n.external_id AND e.seq <> n.seq
                 AND e.recorded_at >= partition_month((SELECT d.created_at FROM dossiers d WHERE d.id = n.dossier_id))
               LIMIT 1)
`;

export class EventTriggersPerDossier1766980000000 implements MigrationInterface {
  name = 'EventTriggersPerDossier1766980000000';

  async up(q: QueryRunner): Promise<void> {
    await editFunction(q, ENQUEUE, ENQUEUE_JOIN, ENQUEUE_PER_DOSSIER);
    await editFunction(q, EXTERNAL, EXTERNAL_JOIN, EXTERNAL_PER_EVENT);
  }

  async down(q: QueryRunner): Promise<void> {
    await editFunction(q, EXTERNAL, EXTERNAL_PER_EVENT, EXTERNAL_JOIN);
    await editFunction(q, ENQUEUE, ENQUEUE_PER_DOSSIER, ENQUEUE_JOIN);
  }
}
