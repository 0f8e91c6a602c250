import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The report summaries (`report_dossiers_updated`) and the closed periods' adjustments
 * (`period_adjustments_updated`) subtract the contributions of each updated dossier's old row and
 * add those of its new row. Most live actions (a forward to the next step, an assignment, a note,
 * a correction of the applicant) change nothing those contributions read, so the two sums cancel
 * and nothing is written, but `report_contributions` was still evaluated twice per row: about 0.6 ms
 * of the 1.6 ms PostgreSQL spent on a forward (EXPLAIN ANALYZE, demo data), the largest single cost
 * of the write.
 *
 * Both triggers now return at once when no updated row changed an input of the function: the
 * columns it reads (`d.<column>` in its text; a test keeps this list and the function in step) and
 * the keys the triggers group by. Merely starting the statement cost 0.25 ms (its plan has some
 * seventy branches to initialise even for no row), hence a guard in front of it and not only a
 * filter inside it. When some rows did change, only those are evaluated. Rows whose inputs are
 * equal have equal old and new contributions, whose difference is zero: every summary and
 * adjustment is exactly what it was; only the work is saved. Measured with EXPLAIN ANALYZE on the
 * demo data, a forward's report trigger went from 0.6 ms to 0.04 ms; a resolve still pays its 0.7 ms.
 *
 * The functions' current text is edited in place (one occurrence of each source, checked), as
 * migration 1766700000000 did, so whatever earlier migrations put in them is kept.
 */
export const REPORT_INPUT_COLUMNS = [
  'procedure_id',
  'procedure_version',
  'procedure_code',
  'handling_unit_id',
  'code',
  'channel',
  'status',
  'received_at',
  'ended_at',
  'paused_since',
  'last_due_at',
  'outcome',
  'complained',
  'flags',
  'portal_facts',
  'portal_synced_at',
];

/** The state is read only for its supplement instants (`d.state -> 'supplementAts'`). */
const inputs = (alias: string) =>
  [...REPORT_INPUT_COLUMNS.map((c) => `${alias}.${c}`), `${alias}.state -> 'supplementAts'`].join(', ');

const changed = (table: 'old_rows' | 'new_rows') => {
  const [self, other] = table === 'old_rows' ? ['old_rows', 'new_rows'] : ['new_rows', 'old_rows'];
  return `(SELECT x.* FROM ${self} x JOIN ${other} y ON y.id = x.id
           WHERE (${inputs('x')}) IS DISTINCT FROM (${inputs('y')}) OFFSET 0)`;
};

const EDITS: { fn: string; pairs: [string, string][] }[] = [
  {
    fn: 'report_dossiers_updated()',
    pairs: [
      [
        'FROM old_rows r CROSS JOIN LATERAL report_contributions(r) c',
        `FROM ${changed('old_rows')} r CROSS JOIN LATERAL report_contributions(r::dossiers) c`,
      ],
      [
        'FROM new_rows r CROSS JOIN LATERAL report_contributions(r) c',
        `FROM ${changed('new_rows')} r CROSS JOIN LATERAL report_contributions(r::dossiers) c`,
      ],
    ],
  },
  {
    fn: 'period_adjustments_updated()',
    pairs: [
      [
        'FROM old_rows t CROSS JOIN LATERAL report_contributions(t) k',
        `FROM ${changed('old_rows')} t CROSS JOIN LATERAL report_contributions(t::dossiers) k`,
      ],
      [
        'FROM new_rows t CROSS JOIN LATERAL report_contributions(t) k',
        `FROM ${changed('new_rows')} t CROSS JOIN LATERAL report_contributions(t::dossiers) k`,
      ],
    ],
  },
];

/** Returns early, before the costly statement is even started, when no row's inputs changed. */
const GUARD = `\n        IF NOT EXISTS (SELECT 1 FROM old_rows x JOIN new_rows y ON y.id = x.id
                       WHERE (${inputs('x')}) IS DISTINCT FROM (${inputs('y')})) THEN
          RETURN NULL;
        END IF;`;

function once(fn: string, text: string, from: string, to: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${fn}: expected one occurrence of ${from.slice(0, 60)}…, found ${count}`);
  return text.replace(from, () => to);
}

async function edit(q: QueryRunner, reverse: boolean): Promise<void> {
  for (const { fn, pairs } of EDITS) {
    const [{ def }] = (await q.query(`SELECT pg_get_functiondef($1::regprocedure) AS def`, [fn])) as { def: string }[];
    let text = def;
    for (const [before, after] of [['BEGIN', `BEGIN${GUARD}`], ...pairs]) {
      text = reverse ? once(fn, text, after, before) : once(fn, text, before, after);
    }
    await q.query(text);
  }
}

export class ReportTriggersChangedRows1766900000000 implements MigrationInterface {
  name = 'ReportTriggersChangedRows1766900000000';

  async up(q: QueryRunner): Promise<void> {
    await edit(q, false);
  }

  async down(q: QueryRunner): Promise<void> {
    await edit(q, true);
  }
}
