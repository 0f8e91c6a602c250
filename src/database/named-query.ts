import type { Pool, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A prepared statement on the application's pool (node-postgres named queries): each connection
 * parses and plans `text` once, the first time it runs `name`, then only binds and executes it. For
 * the hot paths (intake, actions, the catalogue's version check). A name must always stand for the
 * same text. Runs outside any transaction (autocommit): a single statement needs no BEGIN/COMMIT.
 */
export async function namedQuery<T>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  return (await namedQueryResult<T>(dataSource, name, text, values)).rows;
}

export function namedQueryResult<T>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<QueryResult & { rows: T[] }> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  return pool.query({ name, text, values }) as Promise<QueryResult & { rows: T[] }>;
}
