/**
 * One statement giving each table's row count and an md5 of its rows in a fixed order: the same
 * answer before and after a request means the request changed none of them.
 */
export function tableChecksumSql(tables: readonly string[]): string {
  return tables
    .map(
      (t) =>
        `SELECT '${t}' AS t, count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${t} x`,
    )
    .join(' UNION ALL ');
}
