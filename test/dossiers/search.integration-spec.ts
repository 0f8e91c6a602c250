import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import type { AuthUser } from '../../src/auth/auth-user';
import { DossiersService } from '../../src/dossiers/dossiers.service';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';

/**
 * The counter's search (issue 22) at provincial scale: 100,000 dossiers. The console's own
 * query (captured as the service sends it) is planned by PostgreSQL on the trigram index of the
 * folded text (migration 1765900000000, in its own table since 1766910000000), never a scan of the table; and it finds exactly the
 * dossiers a plain reading of the rows finds.
 */
const ROWS = 100_000;

describe('the counter search at provincial scale', () => {
  let api: Api;
  let p: Province;
  let db: DataSource;
  let clerk: AuthUser;

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    api.app.get(Clock).now = () => new Date('2026-03-11T09:00:00+07:00');
    db = api.app.get(DataSource);
    const first = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    if (first.status !== 201) throw new Error(`intake: ${first.status}`);
    // Copies of a real dossier with their own id, code and applicant (a name with diacritics, an
    // id number and a phone each), every other column taken from the original.
    const cols: { column_name: string }[] = await db.query(
      `SELECT column_name FROM information_schema.columns
       WHERE table_name = 'dossiers' AND is_generated = 'NEVER' ORDER BY ordinal_position`,
    );
    const names = cols.map((c) => c.column_name);
    await db.query(
      `INSERT INTO dossiers (${names.join(', ')})
       SELECT ${names.map((n) => `(r).${n}`).join(', ')} FROM (
         SELECT jsonb_populate_record(d, jsonb_build_object(
           'id', gen_random_uuid(),
           'code', 'H15.50-250101-' || lpad(i::text, 6, '0'),
           'lookup_key_hash', md5(i::text) || md5(i::text),
           'applicant', jsonb_build_object('kind', 'citizen',
              'fullName', (ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Đặng'])[i % 6 + 1] || ' Văn ' || initcap(substr(md5(i::text), 1, 8)),
              'idNumber', lpad((46000000000 + i)::text, 12, '0'),
              'phone', '09' || lpad(i::text, 8, '0')))) AS r
         FROM dossiers d, generate_series(1, ${ROWS}) i WHERE d.id = $1) s`,
      [first.body.id],
    );
    await db.query('ANALYZE dossiers');
    const users: { id: string; unit_id: string }[] = await db.query(
      `SELECT id, unit_id FROM users WHERE username = 'clerk'`,
    );
    clerk = { id: users[0].id, username: 'clerk', role: 'counter_staff', unitId: users[0].unit_id };
  }, 600_000);
  afterAll(() => api?.close());

  /**
   * The service's list as the clerk, with the plan of the one statement it sent that contains
   * `marker` (captured on the real DataSource): EXPLAIN, or EXPLAIN ANALYZE with `analyze`.
   */
  async function listWithPlan(
    query: Record<string, unknown>,
    opts: Parameters<DossiersService['list']>[2],
    marker: string,
    analyze = false,
  ) {
    const sent: { sql: string; params: unknown[] }[] = [];
    const original = db.query.bind(db);
    const spy = jest.spyOn(db, 'query').mockImplementation(((sql: string, params?: unknown[]) => {
      if (sql.includes(marker)) sent.push({ sql, params: params ?? [] });
      return original(sql, params);
    }) as typeof db.query);
    try {
      const page = await api.app.get(DossiersService).list({ limit: 50, ...query } as never, clerk, opts);
      expect(sent).toHaveLength(1);
      const plan: { 'QUERY PLAN': unknown }[] = await original(
        `EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${sent[0].sql}`,
        sent[0].params,
      );
      return { codes: page.items.map((d) => d.code), plan: JSON.stringify(plan[0]['QUERY PLAN']) };
    } finally {
      spy.mockRestore();
    }
  }

  /** The service's list with a search, and the plan of its statement. */
  const searchWithPlan = (text: string) =>
    listWithPlan({}, { search: text, order: 'urgency' }, 'search_text LIKE');

  it.each([
    ['a name without diacritics', (i: number) => `van ${hex(i).slice(0, 8)}`],
    ['an id number', (i: number) => String(46000000000 + i).padStart(12, '0')],
    ['part of a phone', (i: number) => `09${String(i).padStart(8, '0')}`.slice(2)],
    ['part of a code', (i: number) => `250101-${String(i).padStart(6, '0')}`],
  ])('finds by %s through the trigram index, the same dossiers as reading every row', async (_what, term) => {
    const i = 54_321;
    const text = term(i);
    const { codes, plan } = await searchWithPlan(text);
    expect(plan).toContain('dossier_search_trgm_idx');
    expect(plan).not.toMatch(/"Seq Scan"[^}]*"Relation Name":"dossiers"/);
    const expected: { code: string }[] = await db.query(
      `SELECT code FROM dossiers WHERE position($1 in sla_search_fold(code || ' ' || (applicant->>'fullName') || ' ' ||
         coalesce(applicant->>'idNumber', '') || ' ' || coalesce(applicant->>'phone', ''))) > 0 ORDER BY code`,
      [text.toLowerCase()],
    );
    expect(codes.sort()).toEqual(expected.map((r) => r.code));
    expect(codes).toContain(`H15.50-250101-${String(i).padStart(6, '0')}`);
  });

  it('keeps the search text out of the actions: written at intake, rewritten only when the code or applicant changes', async () => {
    const code = 'H15.50-250101-000777';
    const [{ id }] = await db.query(`SELECT id FROM dossiers WHERE code = $1`, [code]);
    const version = async () =>
      (await db.query(`SELECT xmin::text AS v, search_text FROM dossier_search WHERE dossier_id = $1`, [id]))[0];
    const before = await version();
    expect(before.search_text).toContain(code.toLowerCase());
    // What a live action writes (status, step, due instants, state): the search row is not touched.
    await db.query(
      `UPDATE dossiers SET status = 'in_progress', version = version + 1, state = state || '{"t": 1}', updated_at = now()
       WHERE id = $1`,
      [id],
    );
    expect(await version()).toEqual(before);
    // A corrected applicant: the new name is found, the old one no longer.
    await db.query(`UPDATE dossiers SET applicant = applicant || '{"fullName": "Võ Thị Xuân Quỳnh"}' WHERE id = $1`, [
      id,
    ]);
    const after = await version();
    expect(after.v).not.toBe(before.v);
    expect((await searchWithPlan('vo thi xuan quynh')).codes).toEqual([code]);
    expect((await searchWithPlan(`van ${hex(777).slice(0, 8)}`)).codes).toEqual([]);
    // Every dossier has exactly one search row (the copies above came in through the same trigger).
    const [{ missing, extra }] = await db.query(
      `SELECT (SELECT count(*)::int FROM dossiers d WHERE NOT EXISTS (SELECT 1 FROM dossier_search s WHERE s.dossier_id = d.id)) AS missing,
              (SELECT count(*)::int FROM dossier_search s WHERE NOT EXISTS (SELECT 1 FROM dossiers d WHERE d.id = s.dossier_id)) AS extra`,
    );
    expect({ missing, extra }).toEqual({ missing: 0, extra: 0 });
  });

  it("lists a unit's dossiers through dossier_units (no GIN index on dossiers), the same page as reading the rows", async () => {
    const { codes, plan } = await listWithPlan({ unitCode: 'H15.50' }, {}, 'FROM dossier_units du');
    expect(plan).not.toMatch(/"Seq Scan"[^}]*"Relation Name":"dossiers"/);
    const expected: { code: string }[] = await db.query(
      `SELECT code FROM dossiers WHERE unit_ids @> ARRAY[(SELECT id FROM units WHERE code = 'H15.50')]
       ORDER BY received_at DESC, id DESC LIMIT 50`,
    );
    expect(codes).toHaveLength(50);
    expect(codes).toEqual(expected.map((r) => r.code));
    const indexes: { indexname: string }[] = await db.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'dossiers' AND indexdef ILIKE '%using gin%'`,
    );
    expect(indexes).toEqual([]);
  });

  it('lists a unit that sees few of the 100,000 dossiers from its own pairs, not by walking the table', async () => {
    const [{ unit }] = await db.query(`SELECT id AS unit FROM units WHERE code = 'H15.60'`);
    const few: { code: string }[] = await db.query(
      `SELECT code FROM dossiers WHERE code LIKE 'H15.50-250101-0123%' ORDER BY code LIMIT 3`,
    );
    await db.query(`UPDATE dossiers SET unit_ids = unit_ids || $1::uuid WHERE code = ANY ($2::text[])`, [
      unit,
      few.map((r) => r.code),
    ]);
    await db.query('ANALYZE dossier_units');
    const { codes, plan: text } = await listWithPlan({ unitCode: 'H15.60' }, {}, 'FROM dossier_units du', true);
    expect(codes.sort()).toEqual(few.map((r) => r.code).sort());
    expect(text).toContain('dossier_units_pkey');
    expect(text).not.toMatch(/"Seq Scan"[^}]*"Relation Name":"dossiers"/);
    expect(text).not.toContain('dossiers_received_idx');
    await db.query(`UPDATE dossiers SET unit_ids = array_remove(unit_ids, $1::uuid) WHERE unit_ids @> ARRAY[$1::uuid]`, [
      unit,
    ]);
  });

  it('keeps the unit pairs out of the actions: written at intake, rewritten only when unit_ids changes', async () => {
    const code = 'H15.50-250101-000888';
    const [{ id, unit_ids }] = await db.query(`SELECT id, unit_ids FROM dossiers WHERE code = $1`, [code]);
    const pairs = async () =>
      (await db.query(
        `SELECT unit_id, xmin::text AS v FROM dossier_units WHERE dossier_id = $1 ORDER BY unit_id`,
        [id],
      )) as { unit_id: string; v: string }[];
    const before = await pairs();
    expect(before.map((r) => r.unit_id)).toEqual([...new Set(unit_ids as string[])].sort());
    // What a live action writes: the pairs are not touched.
    await db.query(
      `UPDATE dossiers SET status = 'in_progress', version = version + 1, state = state || '{"t": 2}', updated_at = now()
       WHERE id = $1`,
      [id],
    );
    expect(await pairs()).toEqual(before);
    // A changed array: a unit dropped, one added (twice: one pair), the others kept as they were.
    const [{ other }] = await db.query(`SELECT id AS other FROM units WHERE NOT (id = ANY ($1::uuid[])) ORDER BY code LIMIT 1`, [
      unit_ids,
    ]);
    const kept = (unit_ids as string[])[0];
    await db.query(`UPDATE dossiers SET unit_ids = ARRAY[$2::uuid, $3::uuid, $3::uuid] WHERE id = $1`, [id, kept, other]);
    const after = await pairs();
    expect(after.map((r) => r.unit_id)).toEqual([kept, other].sort());
    expect(after.find((r) => r.unit_id === kept)!.v).toBe(before.find((r) => r.unit_id === kept)!.v);
    expect(await db.query(`SELECT 1 FROM dossier_units WHERE unit_id = $1`, [other])).toHaveLength(1);
    // Every dossier has exactly the pairs of its array (the copies above came in through the trigger).
    const [{ missing, extra }] = await db.query(
      `SELECT (SELECT count(*)::int FROM dossiers d, unnest(d.unit_ids) u
               WHERE NOT EXISTS (SELECT 1 FROM dossier_units x WHERE x.dossier_id = d.id AND x.unit_id = u)) AS missing,
              (SELECT count(*)::int FROM dossier_units x
               WHERE NOT EXISTS (SELECT 1 FROM dossiers d WHERE d.id = x.dossier_id AND x.unit_id = ANY (d.unit_ids))) AS extra`,
    );
    expect({ missing, extra }).toEqual({ missing: 0, extra: 0 });
    // Deleting a dossier takes its pairs with it.
    await db.query(`DELETE FROM dossiers WHERE id = $1`, [id]);
    expect(await pairs()).toEqual([]);
  });

  it('leaves the five document columns out of ANALYZE (migration 1766950000000), and keeps every column a query compares', async () => {
    const stats: { attname: string }[] = await db.query(
      `SELECT attname FROM pg_stats WHERE schemaname = 'public' AND tablename = 'dossiers' ORDER BY attname`,
    );
    const analysed = stats.map((r) => r.attname);
    for (const c of ['applicant', 'state', 'portal_facts', 'flags', 'summary']) expect(analysed).not.toContain(c);
    for (const c of ['status', 'received_at', 'receiving_unit_id', 'procedure_code', 'ended_at', 'unit_ids', 'code'])
      expect(analysed).toContain(c);
  });
});

/** md5 of the decimal text of `i`, as the seed wrote it (8 hex digits of the applicant's name). */
function hex(i: number): string {
  return createHash('md5').update(String(i)).digest('hex');
}
