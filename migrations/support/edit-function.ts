import type { QueryRunner } from 'typeorm';

/**
 * Edits a SQL function in place: its current text (`pg_get_functiondef`) with the one occurrence
 * of `from` replaced by `to`, re-created. Throws unless `from` occurs exactly once, so a migration
 * never edits a text it does not know. `fn` is a signature (`report_contributions(dossiers)`).
 * The text the earlier migrations left is kept whole, whatever they put in it.
 */
export async function editFunction(q: QueryRunner, fn: string, from: string, to: string): Promise<void> {
  const [{ def }] = (await q.query(`SELECT pg_get_functiondef($1::regprocedure) AS def`, [fn])) as { def: string }[];
  const count = def.split(from).length - 1;
  if (count !== 1) throw new Error(`${fn}: expected one occurrence of ${from.slice(0, 60)}…, found ${count}`);
  await q.query(def.replace(from, () => to));
}
