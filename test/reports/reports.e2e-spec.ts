import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { DataSource } from 'typeorm';
import { loadSlaPolicy } from '../../src/config/sla-policy';
import { COUNT_KEYS } from '../../src/reports/report.types';
import { ReportsRepository } from '../../src/reports/reports.repository';
import { REPORT_INPUT_COLUMNS } from '../../migrations/1766900000000-report-triggers-changed-rows';
import { Api, startApi } from '../support/http';
import { buildProvince, Province } from '../support/province';
import { act, clockOf, intake, Intaken, pdfText } from '../public/support';

/** RFC 4180 fields of a CSV text (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * Form 06a, the index and the officials' record over a hand-made month (March 2026) of dossiers of
 * the building-permit procedure (3 working days; steps 4 h / 12 h / 4 h) handled by H15.50. Every
 * expected figure below is computed by hand from docs/domain.md, not by the code under test.
 *
 *  A carried over (26/02), resolved 03/03 07:45, due 03/03 08:00      -> resolved on time
 *  B carried over (20/02, Tết: clock starts 23/02), still open         -> in progress, overdue
 *  C online 02/03 08:00, resolved 02/03 10:00, due 05/03               -> resolved early
 *  D 09/03 08:00, forwarded 3 steps, resolved 12/03 09:00, due 12/03 08:00 -> resolved late
 *  E 10/03 08:00, withdrawn 11/03 09:00                               -> withdrawn (early)
 *  F 30/03 08:00, supplement requested 09:00, still paused            -> in progress, within
 *  G 16/03 08:00, due 19/03 08:00, still open                         -> in progress, overdue
 *  H 02/02, resolved 03/02                                            -> not in March at all
 *  I 01/04                                                            -> not in March at all
 *  J 31/03 08:00, resolved 02/04                                      -> in progress, within (at 31/03)
 *  K 02/03 08:00, due 05/03 08:00, paused 06/03 09:00 (past due)      -> in progress, overdue
 *  L 03/03 08:00, two supplement requests, resolved 14:00 same day    -> resolved early (the portal's
 *                                                                       2.1: on time, it was resolved)
 * Results are electronic with a file link; C (online) is the only dossier synchronised to the portal.
 */
// The fixtures need histories only the Decree 61/2018 rules allow (several supplement requests on
// one dossier, pause and resume): the index is judged by the portal's method whatever the lifecycle
// says, and the Decree 118/2025 lifecycle has its own suite (test/dossiers/decree-118.e2e-spec.ts).
process.env.SLA_POLICY_FILE = join(__dirname, '../support/policies/nd61-only.json');

/** Records the portal's acceptance of the dossiers declared synchronised, as the portal sync does. */
async function markSynced(api: Api): Promise<void> {
  const db = api.app.get(DataSource);
  await db.query(
    `UPDATE dossiers SET portal_synced_at = received_at + interval '1 hour'
     WHERE (flags ->> 'syncedToNationalPortal') = 'true'`,
  );
}

describe('reports: form 06a, index, officials', () => {
  let api: Api;
  let p: Province;
  let setNow: (local: string) => void;
  const d: Record<string, Intaken & { version: number }> = {};

  const run = async (key: string, steps: [string, string, string, Record<string, unknown>?][]) => {
    for (const [at, action, who, extra] of steps) {
      setNow(at);
      const token = p.tokens[who as keyof Province['tokens']];
      const res = await act(api, d[key].id, action, token, { expectedVersion: d[key].version, ...(extra ?? {}) });
      d[key].version = res.version;
    }
  };
  const receive = async (key: string, at: string, over: Record<string, unknown> = {}) => {
    setNow(at);
    d[key] = { ...(await intake(api, p, over)), version: 1 };
  };
  const resolve = {
    resultSummary: 'Đã cấp giấy phép',
    electronicResult: true,
    resultFileUrl: 'https://ketqua.example.gov.vn/gpxd.pdf',
  };
  const supplement = { reason: 'Thiếu bản vẽ', items: ['Bản vẽ mặt bằng'] };
  const get = (url: string, token = p.tokens.board) => api.request('GET', url, { token });

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    setNow = clockOf(api);
    const admin = p.admin;
    // Two more departments without procedures, to show shared ranks.
    for (const u of [
      { code: 'H15.70', name: 'Sở Y tế', parentCode: 'H15' },
      { code: 'H15.80', name: 'UBND xã Tân Phú', parentCode: 'H15' },
    ])
      expect((await api.request('POST', '/units', { token: admin, body: u })).status).toBe(201);

    await receive('H', '2026-02-02T08:00:00');
    await run('H', [['2026-02-03T09:00:00', 'resolve', 'head', resolve]]);
    await receive('B', '2026-02-20T09:00:00');
    await receive('A', '2026-02-26T08:00:00');
    await receive('C', '2026-03-02T08:00:00', {
      channel: 'online',
      flags: { digitised: true, usedPopulationData: true, syncedToNationalPortal: true },
    });
    await run('C', [['2026-03-02T10:00:00', 'resolve', 'head', resolve]]);
    await receive('K', '2026-03-02T08:30:00');
    await run('A', [['2026-03-03T07:45:00', 'resolve', 'head', resolve]]);
    await receive('L', '2026-03-03T08:00:00');
    await run('L', [
      ['2026-03-03T09:00:00', 'request_supplement', 'head', supplement],
      ['2026-03-03T10:00:00', 'receive_supplement', 'clerk'],
      ['2026-03-03T11:00:00', 'request_supplement', 'head', supplement],
      ['2026-03-03T13:00:00', 'receive_supplement', 'clerk'],
      ['2026-03-03T14:00:00', 'resolve', 'head', resolve],
    ]);
    await run('K', [['2026-03-06T09:00:00', 'request_supplement', 'head', supplement]]);
    await receive('D', '2026-03-09T08:00:00');
    await run('D', [['2026-03-09T10:00:00', 'forward', 'clerk']]);
    await receive('E', '2026-03-10T08:00:00');
    await run('E', [['2026-03-11T09:00:00', 'withdraw', 'clerk', { reason: 'Công dân rút hồ sơ' }]]);
    await run('D', [
      ['2026-03-11T16:00:00', 'forward', 'officer'],
      ['2026-03-12T09:00:00', 'resolve', 'signer', resolve],
    ]);
    await receive('G', '2026-03-16T08:00:00');
    await receive('F', '2026-03-30T08:00:00');
    await run('F', [['2026-03-30T09:00:00', 'request_supplement', 'head', supplement]]);
    await receive('J', '2026-03-31T08:00:00');
    await receive('I', '2026-04-01T08:00:00');
    await run('J', [['2026-04-02T10:00:00', 'resolve', 'head', resolve]]);
    setNow('2026-04-10T10:00:00');
    // The dossiers the fixture calls synchronised reached the portal: the portal sync records its
    // acceptance in portal_synced_at (test/integrations/exchange.e2e-spec.ts); the index reads that.
    await markSynced(api);
  });
  afterAll(() => api.close());

  const MARCH_H1550 = {
    receivedTotal: 10,
    receivedOnline: 1,
    receivedDirect: 7,
    carriedOver: 2,
    resolvedTotal: 4,
    resolvedEarly: 2,
    resolvedOnTime: 1,
    resolvedLate: 1,
    withdrawn: 1,
    inProgressTotal: 5,
    inProgressWithin: 2,
    inProgressOverdue: 3,
  };
  const ZERO = Object.fromEntries(Object.keys(MARCH_H1550).map((k) => [k, 0]));

  it('gives the hand-computed 06a row for March, per unit of the province, with its total', async () => {
    const res = await get('/reports/processing?from=2026-03-01&to=2026-03-31');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-03-01', to: '2026-03-31', groupBy: 'unit', unitCode: 'H15' });
    expect(res.body.rows).toEqual([
      { unitCode: 'H15.50', unitName: 'Sở Xây dựng', ...MARCH_H1550 },
      { unitCode: 'H15.60', unitName: 'Sở Tư pháp', ...ZERO },
      { unitCode: 'H15.70', unitName: 'Sở Y tế', ...ZERO },
      { unitCode: 'H15.80', unitName: 'UBND xã Tân Phú', ...ZERO },
    ]);
    expect(res.body.total).toEqual(MARCH_H1550);
  });

  it('holds received = resolved + withdrawn + in progress on every row, for any period', async () => {
    for (const q of [
      'period=2026-02',
      'period=2026-Q1',
      'period=2026-04',
      'period=2026',
      'from=2026-03-03&to=2026-03-03',
    ]) {
      for (const g of ['unit', 'field', 'procedure']) {
        const res = await get(`/reports/processing?${q}&groupBy=${g}`);
        expect(res.status).toBe(200);
        for (const r of [...res.body.rows, res.body.total]) {
          expect(r.receivedTotal).toBe(r.resolvedTotal + r.withdrawn + r.inProgressTotal);
          expect(r.receivedTotal).toBe(r.receivedOnline + r.receivedDirect + r.carriedOver);
          expect(r.resolvedTotal).toBe(r.resolvedEarly + r.resolvedOnTime + r.resolvedLate);
          expect(r.inProgressTotal).toBe(r.inProgressWithin + r.inProgressOverdue);
        }
      }
    }
  });

  it('carries March into April: what was open at the end of March is April carried over', async () => {
    const april = (await get('/reports/processing?period=2026-04&unitCode=H15.50')).body;
    // Open at 31/03: B, F, G, J, K (5); April receives I; J resolved 02/04 (due 03/04 08:00: early).
    expect(april.total).toMatchObject({
      carriedOver: 5,
      receivedDirect: 1,
      receivedTotal: 6,
      resolvedTotal: 1,
      resolvedEarly: 1,
      inProgressTotal: 5,
    });
  });

  it('groups by field and by procedure over the same total', async () => {
    const byField = (await get('/reports/processing?period=2026-03&groupBy=field')).body;
    expect(byField.rows).toEqual([{ unitCode: 'H15', unitName: 'UBND tỉnh', field: 'Xây dựng', ...MARCH_H1550 }]);
    const byProc = (await get('/reports/processing?period=2026-03&groupBy=procedure')).body;
    expect(byProc.rows).toEqual([
      {
        unitCode: 'H15.50',
        unitName: 'Sở Xây dựng',
        procedureCode: '1.004227',
        procedureName: 'Cấp giấy phép xây dựng',
        ...MARCH_H1550,
      },
    ]);
  });

  it('follows the 15th-to-14th convention when asked', async () => {
    // 2026-03 under cut-off 15 is 15/02..14/03: B and A are new (received 20/02, 26/02), H is not there.
    const res = (await get('/reports/processing?period=2026-03&cutoffDay=15&unitCode=H15.50')).body;
    expect(res).toMatchObject({ from: '2026-02-15', to: '2026-03-14' });
    // Received 15/02..14/03: B A C K L D E = 7 (C online); resolved A C L D; withdrawn E; open at 14/03: B (overdue), K (overdue, paused past due).
    expect(res.total).toEqual({
      receivedTotal: 7,
      receivedOnline: 1,
      receivedDirect: 6,
      carriedOver: 0,
      resolvedTotal: 4,
      resolvedEarly: 2,
      resolvedOnTime: 1,
      resolvedLate: 1,
      withdrawn: 1,
      inProgressTotal: 2,
      inProgressWithin: 0,
      inProgressOverdue: 2,
    });
  });

  const unitOf = (body: { units: { unitCode: string }[] }, code: string) =>
    body.units.find((u) => u.unitCode === code) as any;
  const ind = (u: any, key: string) => u.groups.flatMap((g: any) => g.indicators).find((i: any) => i.key === key);

  it('computes the index with its arithmetic shown, and ranks ties together', async () => {
    const res = await get('/reports/index?period=2026-03');
    expect(res.status).toBe(200);
    const u = unitOf(res.body, 'H15.50');
    // Progress (portal 2.1): ended on time A C E L (L's two supplement requests do not count: it was
    // resolved) + open at the end of March and not late F J (F: pending supplement requested before
    // its appointment; B G K late) over received 8 + carried over 2 = 6 / 10.
    expect(ind(u, 'on_time')).toMatchObject({
      portalRef: '2.1',
      numerator: 6,
      denominator: 10,
      ratio: 0.6,
      points: 12,
      source: 'computed',
    });
    expect(ind(u, 'on_time').method).toContain('thời gian thực tế');
    // 1.4: only C was synchronised: 1 / 8, 6 x 0.125. 3.3: C is online with an electronic result
    // (file attached), times the sync rate: 1 x 1/8 over 8 received; full at 50%: 6 x 0.015625 / 0.5.
    expect(ind(u, 'dossiers_synced')).toMatchObject({ portalRef: '1.4', numerator: 1, denominator: 8, points: 0.75 });
    expect(ind(u, 'online_share')).toMatchObject({ numerator: 0.125, denominator: 8, ratio: 0.0156, points: 0.1875 });
    expect(ind(u, 'online_offered')).toMatchObject({ numerator: 1, denominator: 1, points: 2 });
    expect(ind(u, 'online_used')).toMatchObject({ numerator: 1, denominator: 1, points: 4 });
    // 1.3: the procedure has none of the statutory parts besides name, limit and agency.
    expect(ind(u, 'procedures_complete')).toMatchObject({ numerator: 0, denominator: 1, points: 0 });
    // 4.2: digitised and (paper-result procedure) an electronic result with a file: C D L, and J
    // (received 31/03, resolved 02/04) = 4 / 8, full at 80%: 4 x 0.5 / 0.8.
    expect(ind(u, 'digitised')).toMatchObject({ numerator: 4, denominator: 8, points: 2.5 });
    expect(ind(u, 'population_data')).toMatchObject({ numerator: 8, denominator: 8, points: 2 });
    // 4.1: A C D L resolved in March, paper-result procedure, each with a result file.
    expect(ind(u, 'electronic_result')).toMatchObject({ numerator: 4, denominator: 4, points: 6 });
    expect(ind(u, 'paid_online')).toMatchObject({ numerator: 0, denominator: 8, points: 0 });
    // 5.4: 4 ended by a decision A C D L, late by the 2.1 method: D only: 75%, full at 90%: 6 x
    // 0.75 / 0.9 = 5. No feedback: 5.2 and 5.3 score as 5.4 does (5 of 6 each).
    expect(ind(u, 'dossier_satisfaction')).toMatchObject({ numerator: 3, denominator: 4, points: 5 });
    expect(ind(u, 'feedback_on_time')).toMatchObject({ numerator: 0, denominator: 0, ratio: null, points: 5 });
    expect(ind(u, 'feedback_satisfaction')).toMatchObject({ numerator: 0, denominator: 0, ratio: null, points: 5 });
    expect(ind(u, 'published_on_time')).toMatchObject({ source: 'entered', ratio: null, points: 0, enteredBy: null });
    expect(ind(u, 'e_certified_copies')).toMatchObject({ portalRef: null });
    // Groups: transparency 0.75 + progress 12 + online 6.1875 + payment 0 + digitisation 10.5
    // (6 + 2.5 + 2) + satisfaction 15 = 44.4375.
    expect(u.groups.map((g: any) => [g.key, g.points])).toEqual([
      ['transparency', 0.75],
      ['progress', 12],
      ['online_service', 6.1875],
      ['online_payment', 0],
      ['digitisation', 10.5],
      ['satisfaction', 15],
    ]);
    expect(u.total).toBe(44.4375);
    // Departments with nothing to measure score nothing (5.2 and 5.3 follow an empty 5.4): a tie.
    expect(res.body.units.map((x: any) => [x.unitCode, x.total, x.rank, x.band])).toEqual([
      ['H15.50', 44.4375, 1, 'Yếu'],
      ['H15.60', 0, 2, 'Yếu'],
      ['H15.70', 0, 2, 'Yếu'],
      ['H15.80', 0, 2, 'Yếu'],
    ]);
  });

  it('lets the reform board enter an indicator: it changes the total and the ranking, and is audited', async () => {
    const body = { period: '2026-03', unitCode: 'H15.70', indicatorKey: 'published_on_time', ratio: 0.5 };
    expect((await api.request('PUT', '/reports/index/inputs', { token: p.tokens.head, body })).status).toBe(403);
    const bad = await api.request('PUT', '/reports/index/inputs', {
      token: p.tokens.board,
      body: { ...body, indicatorKey: 'on_time' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'indicatorKey' }] });
    const tooBig = await api.request('PUT', '/reports/index/inputs', {
      token: p.tokens.board,
      body: { ...body, ratio: 1.5 },
    });
    expect(tooBig.status).toBe(400);

    const put = await api.request('PUT', '/reports/index/inputs', { token: p.tokens.board, body });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ...body, previousRatio: null, enteredBy: 'board' });
    const again = await api.request('PUT', '/reports/index/inputs', {
      token: p.tokens.board,
      body: { ...body, ratio: 0.75 },
    });
    expect(again.body).toMatchObject({ ratio: 0.75, previousRatio: 0.5 });

    const res = (await get('/reports/index?period=2026-03')).body;
    const u = unitOf(res, 'H15.70');
    expect(ind(u, 'published_on_time')).toMatchObject({
      ratio: 0.75,
      points: 4.5,
      source: 'entered',
      enteredBy: 'board',
    });
    expect(u.total).toBe(4.5);
    expect(res.units.map((x: any) => [x.unitCode, x.rank])).toEqual([
      ['H15.50', 1],
      ['H15.70', 2],
      ['H15.60', 3],
      ['H15.80', 3],
    ]);
    // Another period is untouched.
    expect(unitOf((await get('/reports/index?period=2026-04')).body, 'H15.70').total).toBe(0);

    const db = api.app.get(DataSource);
    const history = await db.query(
      `SELECT ratio_before::float AS before, ratio::float AS after FROM index_input_history ORDER BY id`,
    );
    expect(history).toEqual([
      { before: null, after: 0.5 },
      { before: 0.5, after: 0.75 },
    ]);
    const audit = await db.query(`SELECT details FROM audit_log WHERE action = 'index_input.set' ORDER BY id`);
    expect(audit.map((a: any) => a.details)).toEqual([
      { period: '2026-03', unitCode: 'H15.70', indicatorKey: 'published_on_time', before: null, after: 0.5 },
      { period: '2026-03', unitCode: 'H15.70', indicatorKey: 'published_on_time', before: 0.5, after: 0.75 },
    ]);
  });

  it('gives each officer the steps completed, late ones, and the on-time rate', async () => {
    const res = await get('/reports/officials?period=2026-03');
    expect(res.status).toBe(200);
    const rows = Object.fromEntries(
      res.body.rows.map((r: any) => [
        r.username,
        [r.stepsHandled, r.stepsEarly, r.stepsOnTime, r.stepsLate, r.onTimeRate],
      ]),
    );
    // Counter step (4 h): C, L on time and A late (due 26/02 13:30) for the head; the clerk's
    // forward of D on time and E's withdrawal late (due 10/03 13:30). Appraisal (12 h) of D due
    // 10/03 15:30, forwarded 11/03: late. Signing (4 h) due 12/03 10:30, resolved 09:00: on time.
    expect(rows).toEqual({
      head: [3, 0, 2, 1, 0.6667],
      clerk: [2, 0, 1, 1, 0.5],
      officer: [1, 0, 0, 1, 0],
      signer: [1, 0, 1, 0, 1],
    });
    expect(res.body.total).toEqual({
      stepsHandled: 7,
      stepsEarly: 0,
      stepsOnTime: 4,
      stepsLate: 3,
      onTimeRate: 0.5714,
    });
  });

  it('shows a unit head only its subtree, and nobody else any report', async () => {
    const head = await get('/reports/processing?period=2026-03', p.tokens.head);
    expect(head.status).toBe(200);
    expect(head.body.unitCode).toBe('H15.50');
    expect(head.body.total).toEqual(MARCH_H1550);
    expect(head.body.rows.map((r: any) => r.unitCode)).toEqual(['H15.50', 'H15.50.01', 'H15.50.02']);
    for (const url of [
      '/reports/processing?period=2026-03',
      '/reports/index?period=2026-03',
      '/reports/officials?period=2026-03',
    ]) {
      expect((await get(`${url}&unitCode=H15.60`, p.tokens.head)).status).toBe(404);
      expect((await get(`${url}&unitCode=H15`, p.tokens.head)).status).toBe(404);
      expect((await get(url, p.tokens.headOther)).status).toBe(200);
      expect((await get(url, p.tokens.clerk)).status).toBe(403);
      expect((await get(url, p.tokens.officer)).status).toBe(403);
    }
    const other = (await get('/reports/processing?period=2026-03', p.tokens.headOther)).body;
    expect(other.total).toEqual(ZERO);
    const officials = (await get('/reports/officials?period=2026-03', p.tokens.headOther)).body;
    expect(officials.rows).toEqual([]);
  });

  it('refuses bad periods and parameters in the error shape', async () => {
    for (const q of [
      'from=2026-03-31&to=2026-03-01',
      'from=2026-02-30&to=2026-03-01',
      'period=2026-Q5',
      'from=2026-03-01',
      'period=2026&from=2026-01-01&to=2026-01-02',
      'period=2026&groupBy=district',
      'period=2026&format=docx',
      'period=2026&cutoffDay=31',
      'period=2026&extra=1',
    ]) {
      const res = await get(`/reports/processing?${q}`);
      expect([q, res.status, res.body.code]).toEqual([q, 400, 'VALIDATION_FAILED']);
    }
    expect((await get('/reports/index')).status).toBe(400);
    expect((await get('/reports/processing?period=2026&unitCode=NOPE')).status).toBe(404);
  });

  it('exports 06a, the index and the officials as csv, xlsx and pdf with the same numbers as the JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reports-e2e-'));
    const download = async (url: string) => {
      const res = await api.request('GET', url, { token: p.tokens.board });
      expect(res.status).toBe(200);
      return res;
    };
    const bytes = async (url: string) => {
      const res = await api.app.inject({
        method: 'GET',
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${p.tokens.board}` },
      });
      expect(res.statusCode).toBe(200);
      return { body: res.rawPayload, headers: res.headers };
    };
    const march = (await download('/reports/processing?period=2026-03')).body;
    const expected = COUNT_KEYS.map((k) => String(march.rows[0][k]));

    // CSV: BOM, one row per unit and a total row; the counts in the form's column order.
    const csv = await bytes('/reports/processing?period=2026-03&format=csv');
    expect(String(csv.headers['content-type'])).toContain('text/csv');
    expect(String(csv.headers['content-disposition'])).toContain('bao-cao-06a_H15_2026-03-01_2026-03-31.csv');
    const text = csv.body.toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toContain('Số hồ sơ nhận giải quyết - Từ kỳ trước chuyển qua');
    const h1550 = rows.find((r) => r.includes('H15.50'))!;
    expect(h1550.slice(-12)).toEqual(expected);
    expect(rows.find((r) => r[0] === 'Tổng cộng')!.slice(-12)).toEqual(COUNT_KEYS.map((k) => String(march.total[k])));

    // XLSX: opened with exceljs; the unit's row holds the same numbers.
    const xlsx = await bytes('/reports/processing?period=2026-03&format=xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    let found: number[] | null = null;
    ws.eachRow((row) => {
      const values = (row.values as unknown[]).slice(1);
      if (values.includes('H15.50')) found = values.slice(-12) as number[];
    });
    expect(found).toEqual(COUNT_KEYS.map((k) => march.rows[0][k]));
    expect(ws.views[0]).toMatchObject({ state: 'frozen' });

    // PDF: Vietnamese text with diacritics and the unit's numbers in order.
    const pdf = await bytes('/reports/processing?period=2026-03&format=pdf');
    expect(String(pdf.headers['content-type'])).toContain('application/pdf');
    const pdfLines = pdfText(pdf.body, dir, '06a.pdf');
    expect(pdfLines).toContain('BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH');
    const line = pdfLines.split('\n').find((l) => l.includes('H15.50') && l.includes('Sở Xây dựng'))!;
    expect(line.trim().split(' ').slice(-12)).toEqual(expected);

    // The index: totals with two decimals in all three formats.
    const index = (await download('/reports/index?period=2026-03')).body;
    const idxCsv = parseCsv((await bytes('/reports/index?period=2026-03&format=csv')).body.toString('utf8').slice(1));
    for (const u of index.units) {
      const r = idxCsv.find((x) => x.includes(u.unitCode))!;
      expect(r).toContain(u.total.toFixed(2));
      expect(r).toContain(String(u.rank));
    }
    const idxPdf = pdfText((await bytes('/reports/index?period=2026-03&format=pdf')).body, dir, 'index.pdf');
    expect(idxPdf).toContain('44.44');
    expect(idxPdf).toContain('PHƯƠNG PHÁP TÍNH CÁC CHỈ SỐ');
    const idxWb = new ExcelJS.Workbook();
    await idxWb.xlsx.load((await bytes('/reports/index?period=2026-03&format=xlsx')).body as unknown as ArrayBuffer);
    const totals: number[] = [];
    const twoDecimals = (x: number) => Math.round(x * 100) / 100;
    idxWb.worksheets[0].eachRow((row) => {
      const values = (row.values as unknown[]).slice(1);
      const code = values.find((v) => typeof v === 'string' && /^H15\.\d0$/.test(v));
      if (code)
        totals.push(
          values.find(
            (v) => typeof v === 'number' && v === twoDecimals(index.units.find((u: any) => u.unitCode === code).total),
          ) as number,
        );
    });
    expect(totals).toEqual(index.units.map((u: any) => twoDecimals(u.total)));

    // Officials: the CSV rows carry the same step counts.
    const officials = (await download('/reports/officials?period=2026-03')).body;
    const offCsv = parseCsv(
      (await bytes('/reports/officials?period=2026-03&format=csv')).body.toString('utf8').slice(1),
    );
    for (const o of officials.rows) {
      const r = offCsv.find((x) => x.includes(o.username))!;
      expect(r).toEqual(expect.arrayContaining([String(o.stepsHandled), String(o.stepsLate)]));
    }
  });

  it('stays exact after the deltas are folded into the daily summaries', async () => {
    const before = (await get('/reports/processing?period=2026-Q1')).body;
    const db = api.app.get(DataSource);
    const [{ report_compact: moved }] = await db.query(`SELECT report_compact()`);
    expect(moved).toBeGreaterThan(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM report_deltas`))[0].n).toBe(0);
    const after = (await get('/reports/processing?period=2026-Q1')).body;
    expect(after.rows).toEqual(before.rows);
    // A rebuild from the dossiers gives the same summaries as the incremental path.
    await db.query(`SELECT report_rebuild()`);
    expect((await get('/reports/processing?period=2026-Q1')).body.rows).toEqual(before.rows);
    expect((await get('/reports/index?period=2026-03')).body.units.map((u: any) => u.total)).toEqual([
      44.4375, 4.5, 0, 0,
    ]);
  });

  it('evaluates the contributions only of rows whose inputs changed, and the summaries stay exact', async () => {
    const db = api.app.get(DataSource);
    // Every metric of the summaries and the pending deltas together, per key (zero sums dropped).
    const summaries = async () =>
      db.query(`
        SELECT unit_id, procedure_code, field_key, day, m.key AS metric, sum(m.value::int)::int AS n
        FROM (SELECT unit_id, procedure_code, field_key, day, to_jsonb(t) - '{unit_id,procedure_code,field_key,day}'::text[] AS v
                FROM report_daily t
              UNION ALL
              SELECT unit_id, procedure_code, field_key, day, to_jsonb(t) - '{unit_id,procedure_code,field_key,day,recorded_at}'::text[]
                FROM report_deltas t) s
        CROSS JOIN LATERAL jsonb_each_text(s.v) m
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(m.value::int) <> 0 ORDER BY 1, 2, 3, 4, 5`);
    await db.query(`SELECT report_compact()`);
    const deltas = async () => (await db.query(`SELECT count(*)::int AS n FROM report_deltas`))[0].n as number;

    // The guard's column list covers every column the contribution function reads.
    const [{ def }] = await db.query(
      `SELECT pg_get_functiondef('report_contributions(dossiers)'::regprocedure) AS def`,
    );
    const read = new Set<string>([...(def as string).matchAll(/\bd\.([a-z_]+)/g)].map((x) => x[1]));
    expect([...read].filter((c) => c !== 'state' && !REPORT_INPUT_COLUMNS.includes(c))).toEqual([]);
    expect([...(def as string).matchAll(/\bd\.state\b(.{0,20})/g)].map((x) => x[1].trim())).toEqual([
      "-> 'supplementAts')",
    ]);

    // Changes no contribution reads (other parts of the state, the update instant): no delta, and
    // the function is not even started (its statement is skipped), so nothing can be miscounted.
    const before = await summaries();
    const all = await db.query(
      `UPDATE dossiers SET state = state || '{"noteForTest": 1}', updated_at = now() RETURNING id`,
    );
    expect(all[0].length).toBeGreaterThan(5);
    expect(await deltas()).toBe(0);
    expect(await summaries()).toEqual(before);

    // One statement where some rows change an input and the others do not: only the changed rows
    // move the summaries, by exactly what a rebuild from the dossiers gives.
    const flags = await db.query(`SELECT id, flags FROM dossiers ORDER BY code LIMIT 3`);
    await db.query(`UPDATE dossiers SET flags = flags || jsonb_build_object('digitised', NOT coalesce((flags ->> 'digitised')::boolean, false)),
                      state = state - 'noteForTest'
                    WHERE code IN (SELECT code FROM dossiers ORDER BY code LIMIT 3)`);
    await db.query(`UPDATE dossiers SET state = state - 'noteForTest'`);
    expect(await deltas()).toBeGreaterThan(0);
    const incremental = await summaries();
    expect(incremental).not.toEqual(before);
    await db.query(`SELECT report_rebuild()`);
    expect(await summaries()).toEqual(incremental);

    // Put the flags back (the later tests read the fixture as built), and check the way back too.
    await db.query(
      `UPDATE dossiers d SET flags = v.flags FROM jsonb_to_recordset($1::jsonb) AS v(id uuid, flags jsonb) WHERE d.id = v.id`,
      [JSON.stringify(flags)],
    );
    expect(await summaries()).toEqual(before);
  });

  it('computes a row\'s derived values once, with the very contributions of the text before (migration 1766970000000)', async () => {
    const db = api.app.get(DataSource);
    const [{ def }] = await db.query(
      `SELECT pg_get_functiondef('report_contributions(dossiers)'::regprocedure) AS def`,
    );
    // The function as it was before the migration, beside the current one under another name.
    const before = (def as string)
      .replace(/FROM k OFFSET 0[^\n]*\n/, 'FROM k\n')
      .replace('report_contributions(d dossiers)', 'report_contributions_before(d dossiers)');
    expect(before).not.toContain('OFFSET 0');
    await db.query(before);
    try {
      const diff = async (a: string, b: string) =>
        (
          await db.query(`SELECT count(*)::int AS n FROM (
             SELECT r.id, c.* FROM dossiers r CROSS JOIN LATERAL ${a}(r) c
             EXCEPT ALL SELECT r.id, c.* FROM dossiers r CROSS JOIN LATERAL ${b}(r) c) x`)
        )[0].n as number;
      expect(await diff('report_contributions', 'report_contributions_before')).toBe(0);
      expect(await diff('report_contributions_before', 'report_contributions')).toBe(0);
      // The fixture reaches the lines that read the derived values: supplement requests before the
      // result (L), overdue instants (K), results (early, on time, late), online receptions.
      const metrics = (
        (await db.query(
          `SELECT DISTINCT c.metric FROM dossiers r CROSS JOIN LATERAL report_contributions(r) c`,
        )) as { metric: string }[]
      ).map((x) => x.metric);
      expect(metrics).toEqual(
        expect.arrayContaining(['within_multi', 'good_multi', 'overdue_n', 'res_early', 'res_late', 'recv_online']),
      );
    } finally {
      await db.query(`DROP FUNCTION report_contributions_before(dossiers)`);
    }
  });

  it('never skips a closed period whose days a row contributes to (report_dated_by against the contributions)', async () => {
    const db = api.app.get(DataSource);
    // Every day the function dates a count by is one of the instants the guard reads.
    const [{ def }] = await db.query(
      `SELECT pg_get_functiondef('report_contributions(dossiers)'::regprocedure) AS def`,
    );
    const args: string[] = [];
    for (let i = def.indexOf('report_day('); i >= 0; i = def.indexOf('report_day(', i + 1)) {
      let depth = 0;
      let j = i + 'report_day'.length;
      do depth += def[j] === '(' ? 1 : def[j] === ')' ? -1 : 0;
      while (depth > 0 && ++j < def.length);
      args.push(def.slice(i + 'report_day('.length, j));
    }
    expect([...new Set(args)].sort()).toEqual(
      [
        'd.received_at', // m.rd
        'd.ended_at', // m.ed
        'm.o', // the due instant, or none while paused
        'm.sl', // a supplement instant
        'm.within_end', // least(m.o, d.ended_at)
        'to_timestamp((i.v ->> 0)::bigint / 1000.0)', // the portal's late spans
        'to_timestamp((i.v ->> 1)::bigint / 1000.0)',
      ].sort(),
    );
    // On every dossier of the fixture, and on copies received later with an early late span of the
    // portal, for every cut day: a row with a contribution on or before the day is dated by it.
    const ms = (day: string) => `(extract(epoch FROM timestamptz '${day}T09:00:00+07') * 1000)::bigint`;
    const [r] = await db.query(`
      WITH rows AS (
        SELECT d FROM dossiers d
        UNION ALL
        SELECT jsonb_populate_record(d, jsonb_build_object('received_at', timestamptz '2026-05-04T08:00:00+07',
                 'last_due_at', timestamptz '2026-05-20T17:00:00+07', 'ended_at', NULL, 'state', d.state - 'supplementAts',
                 'portal_facts', jsonb_build_object('openLate', jsonb_build_array(jsonb_build_array(${ms('2026-03-02')}, ${ms('2026-03-20')})))))
        FROM dossiers d
      )
      SELECT count(*) FILTER (WHERE dated AND NOT guard)::int AS wrong,
             count(*) FILTER (WHERE NOT guard)::int AS skipped,
             count(*) FILTER (WHERE dated)::int AS dated
      FROM (
        SELECT coalesce(report_dated_by(rows.d, x.t::date), false) AS guard,
               EXISTS (SELECT 1 FROM report_contributions(rows.d) c WHERE c.day <= x.t::date) AS dated
        FROM rows, generate_series(date '2026-01-25', date '2026-05-31', interval '1 day') x(t)
      ) t`);
    expect(r.wrong).toBe(0);
    expect(r.skipped).toBeGreaterThan(100);
    expect(r.dated).toBeGreaterThan(100);
  });

  it("judges 2.1 by the portal's fixed rule, whatever the lifecycle's supplement-count policy", async () => {
    const repo = api.app.get(ReportsRepository);
    const at = (iso: string) => Date.parse(iso);
    const progress = async () => ind(unitOf((await get('/reports/index?period=2026-03')).body, 'H15.50'), 'on_time');
    try {
      // The lifecycle's policy versions change (and the summaries are rebuilt): the index's 2.1
      // follows the portal, so L (two requests, then resolved on time) stays on time either way.
      expect(
        await repo.syncPolicyVersions([
          { effectiveFrom: at('2020-01-01T00:00:00+07:00'), lateAfterSupplementRequests: 0 },
          { effectiveFrom: at('2026-03-04T00:00:00+07:00'), lateAfterSupplementRequests: 2 },
        ]),
      ).toBe(true);
      expect(await progress()).toMatchObject({ numerator: 6, denominator: 10 });
    } finally {
      const shipped = loadSlaPolicy().lifecycle.map((v) => ({
        effectiveFrom: v.effectiveFrom,
        lateAfterSupplementRequests: v.lateAfterSupplementRequests,
      }));
      await repo.syncPolicyVersions(shipped);
      expect(await repo.syncPolicyVersions(shipped)).toBe(false);
    }
    expect(await progress()).toMatchObject({ numerator: 6, denominator: 10 });
  });
});
