import { MigrationInterface, QueryRunner } from 'typeorm';
import { editFunction } from './support/edit-function';

/**
 * report_contributions computes each dossier's derived values (report days, the overdue instant,
 * the instant of the late-making supplement request...) once, in its `m` subquery, instead of once
 * per metric line that reads them.
 *
 * Why: the function is inlined into the report triggers' statements, and PostgreSQL pulled the
 * subquery's expressions up into each of the 35 metric lines. `sl`, the supplement request after
 * which a resolution counts as late, reads `d.state -> 'supplementAts'` (the folded state, stored
 * compressed: decompressed each time) and looks up the lifecycle policy in force: it was evaluated
 * in six lines per row, old and new. Every action's UPDATE of a dossier pays the report trigger on
 * both rows, so this was the largest trigger cost of the write path: 2.4 ms of a 10.6 ms feed batch
 * (10 dossiers), 0.13-0.15 ms per row of contributions. `OFFSET 0` keeps the subquery as one node
 * evaluated once per row: 0.05-0.06 ms per row, the same rows (checked with EXCEPT ALL both ways on
 * 1,000 fed dossiers; the test suite's report figures are unchanged).
 *
 * The text is edited in place (one occurrence, checked), as migration 1766700000000 does.
 */
const PULLED_UP = `END AS within_end\n        FROM k\n`;
const ONCE = `END AS within_end\n        FROM k OFFSET 0 -- evaluated once per row, not per metric line\n`;

export class ReportContributionsOnce1766970000000 implements MigrationInterface {
  name = 'ReportContributionsOnce1766970000000';

  async up(q: QueryRunner): Promise<void> {
    await editFunction(q, 'report_contributions(dossiers)', PULLED_UP, ONCE);
  }

  async down(q: QueryRunner): Promise<void> {
    await editFunction(q, 'report_contributions(dossiers)', ONCE, PULLED_UP);
  }
}
