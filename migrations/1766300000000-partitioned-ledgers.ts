import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Monthly range partitioning of the append-only tables (issue 18, "Past one machine"), with
 * PostgreSQL's native partitioning. Months are local months (Asia/Ho_Chi_Minh, UTC+7).
 *
 * Which tables, on which column, and why:
 * - dossier_events, on recorded_at (when the row was written, `DEFAULT now()`, never given by the
 *   code): imports of last year's history and a source's late progress items are stored in the
 *   month they arrive, so only the current month is ever written, every older partition is frozen
 *   (vacuumed once, backed up once), and the partitions created ahead always suffice. On `at` an
 *   import would write into any old month (DDL in the request path, or a DEFAULT partition that
 *   blocks creating the month later). Never dropped: the events are the record.
 *   PostgreSQL cannot enforce a unique key on a partitioned table without the partition column, and
 *   (dossier_id, seq, recorded_at) would be a weaker key. So the original keys (primary key on
 *   (dossier_id, seq), unique (dossier_id, external_id)) are kept on every partition ("local keys",
 *   re-created on each new partition from partitioned_tables.local_keys); across months the writers
 *   keep them as before: every append holds the dossier row lock (FOR UPDATE) and writes
 *   seq = version + 1, and known externalIds are read under that lock. No ON CONFLICT targets them.
 * - report_deltas, on recorded_at: insert-only (the dossiers triggers), drained every minute by
 *   report_compact(). Not retained either: an undrained delta is part of the figures; its old
 *   partitions are dropped once empty.
 * - alerts (the alert ledger), on deadline_at: its unique key (dossier, kind, deadline, recipient)
 *   contains deadline_at, so `INSERT ... ON CONFLICT DO NOTHING` still makes an alert fire once, across
 *   months; on created_at it would not (every scan writes its own instant). The primary key becomes
 *   (id, deadline_at). An alert of an old deadline (an imported overdue history) goes to the month of
 *   its deadline if it exists, else to the DEFAULT partition.
 * - alert_deliveries (the delivery ledger), on a new column alert_deadline_at = its alert's deadline:
 *   the foreign key to alerts must name alerts' whole key (id, deadline_at), and both ledgers then
 *   share months, so retention drops a month of deliveries, then the same month of alerts.
 * Not partitioned: citizen_messages (its once-key (dossier, milestone, occurrence, channel) holds no
 * instant: partitioned by created_at a sweep could message a citizen twice), portal_sync (one row per
 * dossier, rewritten at every change: not append-only), integration_items (fingerprints that must be
 * kept to recognise repeats), period_adjustments (part of the closed periods' record).
 *
 * How: each table's structure is read from the catalog when this runs (other migrations may have
 * added or dropped indexes and triggers): columns, defaults and CHECK constraints (LIKE), indexes,
 * keys, foreign keys in both directions, triggers and owned sequences. A new partitioned table is
 * filled from the old one, month by month for the months that have rows, plus the current month and
 * three ahead and a DEFAULT partition (rows of a month without a partition); the old table is
 * dropped and the definitions are replayed on the new one. A unique key without the partition
 * column gets it appended (alerts, alert_deliveries) or becomes a local key (dossier_events). The
 * original definitions are kept in partitioned_tables.restore for the down migration.
 *
 * partition_create_month(month) creates one month of every registered table in one transaction
 * (moving that month's rows out of the DEFAULT partitions first), partition_retention(cutoff,
 * drained_before) drops old partitions by each table's policy; the worker calls both (src/database/partitions.*).
 */

interface TableSpec {
  table: string;
  key: string;
  retention: 'never' | 'ledger' | 'drained';
  /** How a unique key lacking the partition column is kept. */
  uniques: 'append' | 'local';
  /** A partition holding such rows is kept by retention (still live). */
  live?: string;
  /** A column added to carry a referenced table's partition key: [column, referenced table, its key]. */
  carries?: { column: string; table: string; refColumn: string; via: string };
}

const TABLES: TableSpec[] = [
  { table: 'dossier_events', key: 'recorded_at', retention: 'never', uniques: 'local' },
  { table: 'report_deltas', key: 'recorded_at', retention: 'drained', uniques: 'append' },
  { table: 'alerts', key: 'deadline_at', retention: 'ledger', uniques: 'append', live: 'closed_at IS NULL' },
  {
    table: 'alert_deliveries',
    key: 'alert_deadline_at',
    retention: 'ledger',
    uniques: 'append',
    live: `status = 'pending'`,
    carries: { column: 'alert_deadline_at', table: 'alerts', refColumn: 'deadline_at', via: 'alert_id' },
  },
];

/** The months created ahead of the current one (the worker keeps the same window). */
const PARTITION_MONTHS_AHEAD = 3;

interface Captured {
  /** Statements re-creating keys and indexes on the partitioned table. */
  keys: string[];
  /** Templates (%1$s = a partition) of the keys kept per partition. */
  localKeys: string[];
  fks: string[];
  triggers: string[];
  /** The original definitions, for the down migration. */
  restore: { keys: string[]; fks: string[]; triggers: string[] };
  sequences: { seq: string; column: string }[];
}

const q1 = async <T>(q: QueryRunner, sql: string, params: unknown[] = []): Promise<T[]> => q.query(sql, params);
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Inserts `extra` at the end of the key column list of an index definition ("... USING btree (a, b) ..."). */
function appendToIndexColumns(def: string, extra: string): string {
  const start = def.search(/ USING \w+ \(/);
  if (start < 0) throw new Error(`cannot read the columns of: ${def}`);
  let i = def.indexOf('(', start);
  let depth = 0;
  for (; i < def.length; i++) {
    if (def[i] === '(') depth++;
    else if (def[i] === ')' && --depth === 0) break;
  }
  return `${def.slice(0, i)}, ${extra}${def.slice(i)}`;
}

async function capture(q: QueryRunner, spec: TableSpec): Promise<Captured> {
  const t = spec.table;
  const views = await q1<{ v: string }>(
    q,
    `SELECT DISTINCT v.oid::regclass::text AS v FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
     JOIN pg_class v ON v.oid = r.ev_class WHERE d.refobjid = $1::regclass AND v.oid <> $1::regclass`,
    [t],
  );
  if (views.length) throw new Error(`${t}: views depend on it (${views.map((v) => v.v).join(', ')}); drop them first`);
  const out: Captured = {
    keys: [],
    localKeys: [],
    fks: [],
    triggers: [],
    restore: { keys: [], fks: [], triggers: [] },
    sequences: [],
  };
  const indexes = await q1<{
    name: string;
    def: string;
    unique: boolean;
    contype: string | null;
    conname: string | null;
    condef: string | null;
    cols: string[] | null;
    keyatts: number;
    natts: number;
    has_key: boolean;
  }>(
    q,
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisunique AS unique,
            con.contype::text AS contype, con.conname, pg_get_constraintdef(con.oid) AS condef,
            (SELECT array_agg(a.attname::text ORDER BY k.n) FROM unnest(i.indkey) WITH ORDINALITY k(att, n)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att WHERE k.n <= i.indnkeyatts) AS cols,
            i.indnkeyatts AS keyatts, i.indnatts AS natts,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = $2
                      AND a.attnum = ANY (i.indkey::int2[])) AS has_key
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
     WHERE i.indrelid = $1::regclass ORDER BY c.relname`,
    [t, spec.key],
  );
  for (const ix of indexes) {
    if (ix.contype === 'x')
      throw new Error(`${t}: exclusion constraint ${ix.conname} cannot be kept on a partitioned table`);
    if (ix.contype) {
      out.restore.keys.push(`ALTER TABLE ${ident(t)} ADD CONSTRAINT ${ident(ix.conname!)} ${ix.condef}`);
      const kind = ix.contype === 'p' ? 'PRIMARY KEY' : 'UNIQUE';
      if (ix.keyatts !== ix.natts || !ix.cols)
        throw new Error(`${t}: key ${ix.conname} has INCLUDE columns or expressions`);
      const nulls = /NULLS NOT DISTINCT/.test(ix.condef ?? '') ? ' NULLS NOT DISTINCT' : '';
      const cols = ix.cols.map(ident);
      if (ix.cols.includes(spec.key)) {
        out.keys.push(`ALTER TABLE ${ident(t)} ADD CONSTRAINT ${ident(ix.conname!)} ${ix.condef}`);
      } else if (spec.uniques === 'append') {
        out.keys.push(
          `ALTER TABLE ${ident(t)} ADD CONSTRAINT ${ident(ix.conname!)} ${kind}${nulls} (${[...cols, ident(spec.key)].join(', ')})`,
        );
      } else {
        out.localKeys.push(`ALTER TABLE %1$s ADD ${kind}${nulls} (${cols.join(', ')})`);
      }
      continue;
    }
    out.restore.keys.push(ix.def);
    if (!ix.unique || ix.has_key) out.keys.push(ix.def);
    else if (spec.uniques === 'append') out.keys.push(appendToIndexColumns(ix.def, ident(spec.key)));
    else {
      const rest = ix.def.replace(/^CREATE UNIQUE INDEX \S+ ON \S+ /, '');
      out.localKeys.push(`CREATE UNIQUE INDEX ON %1$s ${rest.replace(/%/g, '%%')}`);
    }
  }
  const fks = await q1<{ name: string; def: string; ref: string }>(
    q,
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def, confrelid::regclass::text AS ref
     FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname`,
    [t],
  );
  for (const fk of fks) {
    out.restore.fks.push(`ALTER TABLE ${ident(t)} ADD CONSTRAINT ${ident(fk.name)} ${fk.def}`);
    const c = spec.carries;
    if (c && fk.ref === c.table) {
      const m = /^FOREIGN KEY \((.+?)\) REFERENCES (\S+?)\((.+?)\)(.*)$/.exec(fk.def);
      if (!m || m[1] !== c.via) throw new Error(`${t}: cannot carry ${c.table}'s key through ${fk.def}`);
      out.fks.push(
        `ALTER TABLE ${ident(t)} ADD CONSTRAINT ${ident(fk.name)} FOREIGN KEY (${m[1]}, ${ident(c.column)}) REFERENCES ${m[2]}(${m[3]}, ${ident(c.refColumn)})${m[4]}`,
      );
    } else {
      out.fks.push(`ALTER TABLE ${ident(t)} ADD CONSTRAINT ${ident(fk.name)} ${fk.def}`);
    }
  }
  const triggers = await q1<{ def: string; name: string; enabled: string }>(
    q,
    `SELECT tgname AS name, pg_get_triggerdef(oid) AS def, tgenabled::text AS enabled
     FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname`,
    [t],
  );
  for (const tr of triggers) {
    const all = [tr.def];
    if (tr.enabled === 'D') all.push(`ALTER TABLE ${ident(t)} DISABLE TRIGGER ${ident(tr.name)}`);
    else if (tr.enabled === 'A') all.push(`ALTER TABLE ${ident(t)} ENABLE ALWAYS TRIGGER ${ident(tr.name)}`);
    else if (tr.enabled === 'R') all.push(`ALTER TABLE ${ident(t)} ENABLE REPLICA TRIGGER ${ident(tr.name)}`);
    out.triggers.push(...all);
    out.restore.triggers.push(...all);
  }
  out.sequences = await q1<{ seq: string; column: string }>(
    q,
    `SELECT s.oid::regclass::text AS seq, a.attname::text AS column FROM pg_depend d
     JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.refobjid = $1::regclass AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'`,
    [t],
  );
  return out;
}

/** Foreign keys of other tables pointing at `t` (they must be dropped first and re-created after). */
async function incoming(q: QueryRunner, t: string, within: string[]): Promise<{ table: string; name: string }[]> {
  const rows = await q1<{ table: string; name: string }>(
    q,
    `SELECT conrelid::regclass::text AS table, conname AS name FROM pg_constraint
     WHERE confrelid = $1::regclass AND contype = 'f' AND conrelid <> $1::regclass`,
    [t],
  );
  const foreign = rows.filter((r) => !within.includes(r.table));
  if (foreign.length) {
    throw new Error(
      `${t} is referenced by ${foreign.map((r) => `${r.table}.${r.name}`).join(', ')}: such a key must name ${t}'s partition column; extend this migration`,
    );
  }
  return rows;
}

const COLUMNS = (t: string) =>
  `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS cols FROM pg_attribute
   WHERE attrelid = '${t}'::regclass AND attnum > 0 AND NOT attisdropped`;

export class PartitionedLedgers1766300000000 implements MigrationInterface {
  name = 'PartitionedLedgers1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION partition_month(t timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT date_trunc('month', t AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh' $$`);
    // The partitioned tables and how the worker keeps them (docs: docker/README.md, "Partitions").
    await q.query(`
      CREATE TABLE partitioned_tables (
        table_name text PRIMARY KEY,
        key_column text NOT NULL,
        position integer NOT NULL UNIQUE,
        retention text NOT NULL CHECK (retention IN ('never', 'ledger', 'drained')),
        live_rows text,
        local_keys text[] NOT NULL DEFAULT '{}',
        restore jsonb NOT NULL
      )`);

    const names = TABLES.map((s) => s.table);
    const captured = new Map<string, Captured>();
    for (const spec of TABLES) captured.set(spec.table, await capture(q, spec));
    const refs: { table: string; name: string }[] = [];
    for (const t of names) refs.push(...(await incoming(q, t, names)));
    for (const r of refs) await q.query(`ALTER TABLE ${ident(r.table)} DROP CONSTRAINT ${ident(r.name)}`);

    for (const [position, spec] of TABLES.entries()) {
      const t = spec.table;
      const c = captured.get(t)!;
      await q.query(
        `INSERT INTO partitioned_tables (table_name, key_column, position, retention, live_rows, local_keys, restore)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [t, spec.key, position, spec.retention, spec.live ?? null, c.localKeys, JSON.stringify(c.restore)],
      );
      const [{ cols }] = await q1<{ cols: string }>(q, COLUMNS(t));
      const tmp = `${t}__partitioned`;
      await q.query(
        `CREATE TABLE ${ident(tmp)} (LIKE ${ident(t)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS INCLUDING GENERATED${
          spec.carries ? `, ${ident(spec.carries.column)} timestamptz NOT NULL` : ''
        }) PARTITION BY RANGE (${ident(spec.key)})`,
      );
      // The months that have rows (of the carried key, through the referenced table: a join, the
      // referenced table has no index yet), the current one and 3 ahead.
      const source = spec.carries
        ? `${ident(t)} o JOIN ${ident(spec.carries.table)} r ON r.id = o.${ident(spec.carries.via)}`
        : `${ident(t)} o`;
      const keyExpr = spec.carries ? `r.${ident(spec.carries.refColumn)}` : `o.${ident(spec.key)}`;
      const months = await q1<{ m: string }>(
        q,
        `SELECT DISTINCT to_char(m, 'YYYY-MM-DD') AS m FROM (
           SELECT date_trunc('month', ${keyExpr} AT TIME ZONE 'Asia/Ho_Chi_Minh') AS m FROM ${source}
           UNION SELECT date_trunc('month', now() AT TIME ZONE 'Asia/Ho_Chi_Minh') + make_interval(months => k)
           FROM generate_series(0, $1::int) k
         ) x ORDER BY 1`,
        [PARTITION_MONTHS_AHEAD],
      );
      for (const { m } of months) {
        const part = `${t}_p${m.slice(0, 4)}_${m.slice(5, 7)}`;
        await q.query(
          `CREATE TABLE ${ident(part)} PARTITION OF ${ident(tmp)}
           FOR VALUES FROM ('${m} 00:00:00+07') TO ('${nextMonth(m)} 00:00:00+07')`,
        );
      }
      await q.query(`CREATE TABLE ${ident(`${t}_default`)} PARTITION OF ${ident(tmp)} DEFAULT`);
      if (spec.carries) {
        const s = spec.carries;
        await q.query(
          `INSERT INTO ${ident(tmp)} (${cols}, ${ident(s.column)})
           SELECT ${cols
             .split(', ')
             .map((x) => `o.${x}`)
             .join(', ')}, r.${ident(s.refColumn)}
           FROM ${ident(t)} o JOIN ${ident(s.table)} r ON r.id = o.${ident(s.via)}`,
        );
      } else {
        await q.query(`INSERT INTO ${ident(tmp)} (${cols}) SELECT ${cols} FROM ${ident(t)}`);
      }
      for (const s of c.sequences) await q.query(`ALTER SEQUENCE ${s.seq} OWNED BY NONE`);
      await q.query(`DROP TABLE ${ident(t)}`);
      await q.query(`ALTER TABLE ${ident(tmp)} RENAME TO ${ident(t)}`);
      for (const s of c.sequences) await q.query(`ALTER SEQUENCE ${s.seq} OWNED BY ${ident(t)}.${ident(s.column)}`);
    }

    // Keys and indexes first (foreign keys need the referenced keys), then foreign keys, then triggers.
    for (const spec of TABLES) {
      const c = captured.get(spec.table)!;
      for (const sql of c.keys) await q.query(sql);
      const parts = await q1<{ p: string }>(
        q,
        `SELECT inhrelid::regclass::text AS p FROM pg_inherits WHERE inhparent = $1::regclass`,
        [spec.table],
      );
      for (const { p } of parts) {
        for (const tpl of c.localKeys) {
          const [{ sql }] = await q1<{ sql: string }>(q, `SELECT format($1, quote_ident($2)) AS sql`, [tpl, p]);
          await q.query(sql);
        }
      }
    }
    for (const spec of TABLES) for (const sql of captured.get(spec.table)!.fks) await q.query(sql);
    for (const spec of TABLES) for (const sql of captured.get(spec.table)!.triggers) await q.query(sql);

    await partitionFunctions(q);
    for (const spec of TABLES) await q.query(`ANALYZE ${ident(spec.table)}`);
  }

  async down(q: QueryRunner): Promise<void> {
    const rows = await q1<{ table_name: string; key_column: string; restore: Captured['restore'] }>(
      q,
      `SELECT table_name, key_column, restore FROM partitioned_tables ORDER BY position DESC`,
    );
    await q.query(`DROP FUNCTION partition_retention(timestamptz, timestamptz)`);
    await q.query(`DROP FUNCTION partition_create_month(timestamptz)`);
    // Foreign keys between the partitioned tables go first.
    const names = rows.map((r) => r.table_name);
    for (const t of names) {
      const refs = await q1<{ table: string; name: string }>(
        q,
        `SELECT conrelid::regclass::text AS table, conname AS name FROM pg_constraint
         WHERE confrelid = $1::regclass AND contype = 'f' AND conrelid <> $1::regclass AND conparentid = 0`,
        [t],
      );
      for (const r of refs) await q.query(`ALTER TABLE ${ident(r.table)} DROP CONSTRAINT ${ident(r.name)}`);
    }
    for (const r of rows) {
      const t = r.table_name;
      const spec = TABLES.find((s) => s.table === t);
      const carried = spec?.carries?.column;
      const sequences = await q1<{ seq: string; column: string }>(
        q,
        `SELECT s.oid::regclass::text AS seq, a.attname::text AS column FROM pg_depend d
         JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE d.refobjid = $1::regclass AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'`,
        [t],
      );
      const plain = `${t}__plain`;
      await q.query(
        `CREATE TABLE ${ident(plain)} (LIKE ${ident(t)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS INCLUDING GENERATED)`,
      );
      if (carried) await q.query(`ALTER TABLE ${ident(plain)} DROP COLUMN ${ident(carried)}`);
      const [{ cols }] = await q1<{ cols: string }>(q, COLUMNS(plain));
      await q.query(`INSERT INTO ${ident(plain)} (${cols}) SELECT ${cols} FROM ${ident(t)}`);
      for (const s of sequences) await q.query(`ALTER SEQUENCE ${s.seq} OWNED BY NONE`);
      await q.query(`DROP TABLE ${ident(t)}`);
      await q.query(`ALTER TABLE ${ident(plain)} RENAME TO ${ident(t)}`);
      for (const s of sequences) await q.query(`ALTER SEQUENCE ${s.seq} OWNED BY ${ident(t)}.${ident(s.column)}`);
    }
    for (const r of rows) for (const sql of r.restore.keys) await q.query(sql);
    for (const r of rows) for (const sql of r.restore.fks) await q.query(sql);
    for (const r of rows) for (const sql of r.restore.triggers) await q.query(sql);
    await q.query(`DROP TABLE partitioned_tables`);
    await q.query(`DROP FUNCTION partition_month(timestamptz)`);
  }
}

function nextMonth(m: string): string {
  const y = Number(m.slice(0, 4));
  const mo = Number(m.slice(5, 7));
  return mo === 12 ? `${y + 1}-01-01` : `${y}-${String(mo + 1).padStart(2, '0')}-01`;
}

/**
 * The worker's two operations, in SQL so that they run in one transaction each, next to the data.
 * - partition_create_month(month): creates the month (local) of every registered table that lacks
 *   it, parents before children. A month's rows already in a DEFAULT partition (written while the
 *   month had no partition) are moved into it: each new partition is built detached (LIKE the
 *   parent, its local keys, a CHECK of its bounds so attaching needs no scan), filled from the
 *   DEFAULT partition; then the rows leave the DEFAULT partitions (children first, user triggers of
 *   the DEFAULT partition off meanwhile: dossier_events refuses deletes), then the partitions are
 *   attached (parents first: foreign keys are checked against them). Returns the tables done.
 * - partition_retention(cutoff, drained_before): drops the partitions whose whole month is before
 *   `cutoff` of 'ledger' tables (alert_deliveries, then alerts) unless a row is still live (an open
 *   alert, a pending delivery) or still referenced, and those before `drained_before` of 'drained'
 *   tables (report_deltas) once empty; 'never' tables (dossier_events) never. A null cutoff skips
 *   its tables. Ledger rows of such months in a DEFAULT partition are deleted likewise.
 *   Returns one row per partition dropped or kept, with the reason.
 */
async function partitionFunctions(q: QueryRunner): Promise<void> {
  await q.query(`
    CREATE FUNCTION partition_create_month(p_month timestamptz) RETURNS SETOF text LANGUAGE plpgsql AS $$
    DECLARE
      r record;
      m_from timestamptz := partition_month(p_month);
      m_to timestamptz := partition_month(partition_month(p_month) + interval '32 days');
      suffix text := to_char(partition_month(p_month) AT TIME ZONE 'Asia/Ho_Chi_Minh', '"_p"YYYY_MM');
      part text;
      def text;
      cols text;
      tpl text;
      made text[] := '{}';
      moved text[] := '{}';
      n bigint;
    BEGIN
      -- One maintenance at a time (two workers, or a person running it by hand).
      PERFORM pg_advisory_xact_lock(hashtext('partition_maintenance'));
      FOR r IN SELECT * FROM partitioned_tables ORDER BY position LOOP
        part := r.table_name || suffix;
        CONTINUE WHEN to_regclass(quote_ident(part)) IS NOT NULL;
        def := r.table_name || '_default';
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS INCLUDING GENERATED)',
                       part, r.table_name);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I >= %L AND %I < %L)',
                       part, part || '_bounds', r.key_column, m_from, r.key_column, m_to);
        IF to_regclass(quote_ident(def)) IS NOT NULL THEN
          SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_attribute
           WHERE attrelid = r.table_name::regclass AND attnum > 0 AND NOT attisdropped;
          EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %I WHERE %I >= %L AND %I < %L',
                         part, cols, cols, def, r.key_column, m_from, r.key_column, m_to);
          GET DIAGNOSTICS n = ROW_COUNT;
          IF n > 0 THEN moved := moved || r.table_name; END IF;
        END IF;
        FOREACH tpl IN ARRAY r.local_keys LOOP
          EXECUTE format(tpl, quote_ident(part));
        END LOOP;
        made := made || r.table_name;
      END LOOP;
      FOR r IN SELECT * FROM partitioned_tables WHERE table_name = ANY (moved) ORDER BY position DESC LOOP
        def := r.table_name || '_default';
        EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', def);
        EXECUTE format('DELETE FROM %I WHERE %I >= %L AND %I < %L', def, r.key_column, m_from, r.key_column, m_to);
        EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', def);
      END LOOP;
      FOR r IN SELECT * FROM partitioned_tables WHERE table_name = ANY (made) ORDER BY position LOOP
        part := r.table_name || suffix;
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', r.table_name, part, m_from, m_to);
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_bounds');
        RETURN NEXT part;
      END LOOP;
    END $$`);

  await q.query(`
    CREATE FUNCTION partition_retention(p_cutoff timestamptz, p_drained_before timestamptz)
    RETURNS TABLE (partition_name text, action text, reason text) LANGUAGE plpgsql AS $$
    DECLARE
      r record;
      p record;
      cut timestamptz;
      m_to timestamptz;
      live boolean;
      n bigint;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('partition_maintenance'));
      FOR r IN SELECT * FROM partitioned_tables WHERE retention <> 'never' ORDER BY position DESC LOOP
        cut := CASE WHEN r.retention = 'drained' THEN p_drained_before ELSE p_cutoff END;
        CONTINUE WHEN cut IS NULL;
        FOR p IN
          SELECT c.relname::text AS name, to_date(substring(c.relname from '_p(\\d{4}_\\d{2})$'), 'YYYY_MM') AS m
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = r.table_name::regclass AND c.relname ~ ('^' || r.table_name || '_p\\d{4}_\\d{2}$')
          ORDER BY 2
        LOOP
          -- The end of the partition's local month.
          m_to := (p.m + interval '1 month') AT TIME ZONE 'Asia/Ho_Chi_Minh';
          CONTINUE WHEN m_to > cut;
          IF r.retention = 'drained' THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', p.name) INTO live;
          ELSIF r.live_rows IS NOT NULL THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %s)', p.name, r.live_rows) INTO live;
          ELSE
            live := false;
          END IF;
          IF live THEN
            partition_name := p.name; action := 'kept';
            reason := CASE WHEN r.retention = 'drained' THEN 'not drained yet' ELSE 'live rows' END;
            RETURN NEXT;
            CONTINUE;
          END IF;
          BEGIN
            EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', r.table_name, p.name);
            EXECUTE format('DROP TABLE %I', p.name);
            partition_name := p.name; action := 'dropped'; reason := NULL;
          EXCEPTION WHEN foreign_key_violation OR dependent_objects_still_exist THEN
            partition_name := p.name; action := 'kept'; reason := 'still referenced';
          END;
          RETURN NEXT;
        END LOOP;
        IF r.retention = 'ledger' AND to_regclass(quote_ident(r.table_name || '_default')) IS NOT NULL THEN
          BEGIN
            EXECUTE format('DELETE FROM %I WHERE %I < %L%s', r.table_name || '_default', r.key_column, p_cutoff,
                           CASE WHEN r.live_rows IS NULL THEN '' ELSE format(' AND NOT (%s)', r.live_rows) END);
            GET DIAGNOSTICS n = ROW_COUNT;
            IF n > 0 THEN
              partition_name := r.table_name || '_default'; action := 'deleted'; reason := n || ' rows';
              RETURN NEXT;
            END IF;
          EXCEPTION WHEN foreign_key_violation THEN
            partition_name := r.table_name || '_default'; action := 'kept'; reason := 'still referenced';
            RETURN NEXT;
          END;
        END IF;
      END LOOP;
    END $$`);
}
