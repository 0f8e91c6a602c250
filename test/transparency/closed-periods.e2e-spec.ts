import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';
import { act, citizen, clockOf, intake, pdfText } from '../public/support';

/**
 * Closed periods: February 2026 is closed on 05/03; a late import of a February history then
 * changes what February's figures would be, but the frozen answer stays, the adjustment is listed
 * with its cause, March's report carries it in its note, and reopening keeps both versions.
 *
 *  A received 02/02 08:00, resolved 03/02 10:00 (due 05/02 08:00)   -> February: direct 1, early 1
 *  B received 24/02 08:00, still open at the end of February          -> February: in progress, within
 *  C imported later: received 10/02 08:00, resolved 20/02 09:00 (due 13/02 08:00) -> late
 *  B resolved in March, declaring that it reused digitised data: no 06a figure of February moves,
 *  but February's index does (4.3 counts dossiers received in the period).
 *
 * A feedback on B, lodged 25/02 10:00 (due 15 working days later, 18/03), is open and within its
 * deadline when February closes: after 18/03 it is deducted from 5.3 (adjustment "feedback_overdue");
 * answering it late then changes nothing more. The catalogue changes after the close (the
 * procedure's statutory parts completed, its online service withdrawn): 1.3, 3.1 and 3.2 move.
 *
 * The index's adjustments (`index:<indicatorKey>`, numerator or denominator) are checked against
 * what reopening shows: the live February index less the frozen one is the sum of the adjustments,
 * for every indicator measured from dossiers, feedback or the catalogue.
 */
describe('closed periods: frozen figures, adjustments, the next period note, reopening', () => {
  let api: Api;
  let p: Province;
  let setNow: (local: string) => void;
  const dir = mkdtempSync(join(tmpdir(), 'closed-periods-'));
  const get = async (url: string, token = p.tokens.board) => {
    const res = await api.request('GET', url, { token });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  let closedHash = '';
  type Adjustment = {
    dossierCode: string;
    figure: string;
    part: 'numerator' | 'denominator' | null;
    delta: number;
    cause: { action: string };
  };
  type IndexBody = {
    units: { groups: { indicators: { key: string; numerator: number | null; denominator: number | null }[] }[] }[];
  };
  /** Every indicator's numerator and denominator summed over the reporting units. */
  const indexSums = (r: IndexBody) => {
    const out = new Map<string, number>();
    for (const u of r.units)
      for (const g of u.groups)
        for (const i of g.indicators)
          for (const part of ['numerator', 'denominator'] as const) {
            const k = `index:${i.key}/${part}`;
            out.set(k, (out.get(k) ?? 0) + (i[part] ?? 0));
          }
    return out;
  };
  let frozenIndex: IndexBody;
  let feedbackId = '';

  beforeAll(async () => {
    api = await startApi(process.env.DEBUG_LOG ? { LOG_LEVEL: 'error' } : {});
    setNow = clockOf(api);
    setNow('2026-02-02T08:00:00');
    p = await buildProvince(api);
    const a = await intake(api, p);
    setNow('2026-02-03T10:00:00');
    await act(api, a.id, 'resolve', p.tokens.head, {
      expectedVersion: a.version,
      resultSummary: 'Đã cấp phép',
      electronicResult: false,
    });
    setNow('2026-02-24T08:00:00');
    const b = await intake(api, p);
    setNow('2026-02-25T10:00:00');
    const fb = await citizen(api)('POST', `${b.code}/feedback`, {
      lookupKey: b.lookupKey,
      kind: 'other',
      content: 'Đề nghị cho biết tiến độ',
    });
    if (fb.status !== 201) throw new Error(`feedback: ${fb.status} ${JSON.stringify(fb.body)}`);
    feedbackId = fb.body.id;
  }, 180_000);
  afterAll(async () => api?.close());

  it('refuses to close a period that has not ended, and closes February once it has', async () => {
    setNow('2026-02-27T10:00:00');
    const early = await api.request('POST', '/reports/periods/2026-02/close', { token: p.tokens.board });
    expect(early.status).toBe(422);
    expect(early.body.code).toBe('RULE_VIOLATION');

    setNow('2026-03-05T09:00:00');
    const res = await api.request('POST', '/reports/periods/2026-02/close', { token: p.tokens.board });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      period: '2026-02',
      version: 1,
      status: 'closed',
      from: '2026-02-01',
      to: '2026-02-28',
      closedBy: p.userIds.board,
      closedAt: '2026-03-05T09:00:00+07:00',
    });
    expect(res.body.hash).toMatch(/^[0-9a-f]{64}$/);
    closedHash = res.body.hash;
    const again = await api.request('POST', '/reports/periods/2026-02/close', { token: p.tokens.board });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ALREADY_CLOSED');
    const bad = await api.request('POST', '/reports/periods/2026-13/close', { token: p.tokens.board });
    expect(bad.status).toBe(400);
  });

  it('answers reports of the closed period from the snapshot, by label or by its exact dates', async () => {
    const r = await get('/reports/processing?period=2026-02');
    expect(r).toMatchObject({ frozen: true, version: 1, hash: closedHash, closedAt: '2026-03-05T09:00:00+07:00' });
    // B was due 27/02 08:00: overdue at the end of February.
    expect(r.total).toMatchObject({ receivedTotal: 2, receivedDirect: 2, resolvedEarly: 1, inProgressOverdue: 1 });
    const byDates = await get('/reports/processing?from=2026-02-01&to=2026-02-28&groupBy=field');
    expect(byDates.frozen).toBe(true);
    expect(byDates.rows).toEqual([expect.objectContaining({ field: 'Xây dựng', receivedTotal: 2 })]);
    // A unit head reads the snapshot of their own subtree.
    const head = await get('/reports/processing?period=2026-02', p.tokens.head);
    expect(head).toMatchObject({ frozen: true, unitCode: 'H15.50' });
    expect(head.total.receivedTotal).toBe(2);
    const index = await get('/reports/index?period=2026-02');
    expect(index).toMatchObject({ frozen: true, version: 1, hash: closedHash });
    // Another span is not the closed period.
    const other = await get('/reports/processing?from=2026-02-01&to=2026-02-27');
    expect(other.frozen).toBeUndefined();
  });

  it('keeps the frozen figures when a late history is imported into the period, and lists the adjustment', async () => {
    setNow('2026-03-06T10:00:00');
    const code = 'H15.50-260210-0901';
    const imported = await api.request('POST', '/imports/dossiers', {
      token: p.admin,
      body: {
        dossiers: [
          {
            ...intakeBody(),
            code,
            receivedAt: '2026-02-10T08:00:00+07:00',
            events: [
              {
                action: 'resolve',
                at: '2026-02-20T09:00:00+07:00',
                resultSummary: 'Đã cấp phép',
                electronicResult: false,
              },
            ],
          },
        ],
      },
    });
    expect(imported.body).toMatchObject({ imported: 1, failed: [] });

    const r = await get('/reports/processing?period=2026-02');
    expect(r).toMatchObject({ frozen: true, version: 1, hash: closedHash });
    expect(r.total).toMatchObject({ receivedTotal: 2, resolvedTotal: 1, resolvedLate: 0 });

    const adj = await get('/reports/periods/2026-02/adjustments');
    const items = adj.items as Adjustment[];
    const form = items.filter((i) => !i.figure.startsWith('index:'));
    expect(form.map((i) => [i.dossierCode, i.figure, i.part, i.delta, i.cause.action]).sort()).toEqual(
      [
        [code, 'receivedDirect', null, 1, 'import'],
        [code, 'resolvedLate', null, 1, 'import'],
      ].sort(),
    );
    // The index: C adds one to every "received in the period" denominator, including 2.1's, and to
    // 5.4's population; 5.4's numerator does not move (resolved and late: +1 −1); population data
    // was used (4.5b); a fee and a paper result are due (3.6 and 4.1's denominators).
    const index = items.filter((i) => i.figure.startsWith('index:'));
    expect(index.every((i) => i.dossierCode === code && i.cause.action === 'import')).toBe(true);
    expect(index.map((i) => [i.figure, i.part, i.delta]).sort()).toEqual(
      [
        ['index:dossiers_synced', 'denominator', 1],
        ['index:online_share', 'denominator', 1],
        ['index:digitised', 'denominator', 1],
        ['index:e_certified_copies', 'denominator', 1],
        ['index:reused_data', 'denominator', 1],
        ['index:personal_data_store', 'denominator', 1],
        ['index:population_data', 'denominator', 1],
        ['index:population_data', 'numerator', 1],
        ['index:on_time', 'denominator', 1],
        ['index:paid_online', 'denominator', 1],
        ['index:electronic_result', 'denominator', 1],
        ['index:dossier_satisfaction', 'denominator', 1],
      ].sort(),
    );
    frozenIndex = await get('/reports/index?period=2026-02');
    expect(frozenIndex).toMatchObject({ frozen: true, version: 1, hash: closedHash });
  });

  it('a March resolution leaves the 06a figures alone; the fact it declares moves the index (4.3), recorded', async () => {
    const before = (await get('/reports/periods/2026-02/adjustments')).items.length;
    const list = await get('/dossiers?receivedFrom=2026-02-24T00:00:00%2B07:00&receivedTo=2026-02-25T00:00:00%2B07:00');
    const b = list.items[0];
    setNow('2026-03-09T10:00:00');
    await act(api, b.id, 'resolve', p.tokens.head, {
      expectedVersion: b.version,
      resultSummary: 'Đã cấp phép',
      electronicResult: false,
      reusedDigitisedData: true,
    });
    const items = (await get('/reports/periods/2026-02/adjustments')).items as Adjustment[];
    expect(items.slice(before).map((i) => [i.dossierCode, i.figure, i.part, i.delta, i.cause.action])).toEqual([
      [b.code, 'index:reused_data', 'numerator', 1, 'resolve'],
    ]);
    // The frozen index does not move.
    const index = await get('/reports/index?period=2026-02');
    expect(index.hash).toBe(closedHash);
    expect(indexSums(index)).toEqual(indexSums(frozenIndex));
  });

  it('records what time, feedback answers and the catalogue do to the feedback and catalogue indicators', async () => {
    type Item = Adjustment & { feedbackId: string | null; procedureCode: string | null; dossierId: string | null };
    const before = (await get('/reports/periods/2026-02/adjustments')).items.length;
    const since = async () => ((await get('/reports/periods/2026-02/adjustments')).items as Item[]).slice(before);
    // Within its deadline (18/03): nothing yet, however often it is read.
    setNow('2026-03-18T09:00:00');
    expect(await since()).toEqual([]);
    // The deadline passes unanswered: 5.3 loses it.
    setNow('2026-03-19T09:00:00');
    const overdue = await since();
    expect(overdue.map((i) => [i.dossierCode, i.feedbackId, i.figure, i.part, i.delta, i.cause.action])).toEqual([
      [expect.any(String), feedbackId, 'index:feedback_satisfaction', 'numerator', -1, 'feedback_overdue'],
    ]);
    expect(overdue[0].dossierCode).toMatch(/^H15\.50-260224-/);
    // Answered late: 5.3 already counts it out, and 5.2 judged it at the end of February.
    setNow('2026-03-20T09:00:00');
    const answered = await api.request('POST', `/feedback/${feedbackId}/answer`, {
      token: p.tokens.head,
      body: { content: 'Hồ sơ đã được giải quyết', upheld: false },
    });
    expect(answered.status).toBe(200);
    expect((await since()).length).toBe(1);

    // The catalogue: the statutory parts completed and the online service withdrawn.
    const procs = await get(`/procedures?unitCode=H15.50`, p.admin);
    const proc = procs.items.find((i: { code: string }) => i.code === p.procedureCode);
    const patched = await api.request('PATCH', `/procedures/${proc.id}`, {
      token: p.admin,
      body: {
        expectedVersion: proc.currentVersion,
        onlineLevel: 'none',
        statutoryParts: {
          sequence: 'Nộp hồ sơ, thẩm định, ký duyệt, trả kết quả',
          method: 'Trực tiếp tại Bộ phận một cửa',
          components: 'Đơn đề nghị, bản vẽ thiết kế',
          applicants: 'Chủ đầu tư',
        },
      },
    });
    expect(patched.status).toBe(200);
    const catalogue = (await since()).slice(1);
    expect(catalogue.every((i) => i.procedureCode === p.procedureCode && i.dossierId === null)).toBe(true);
    expect(catalogue.every((i) => i.cause.action === 'catalogue')).toBe(true);
    expect(catalogue.map((i) => [i.figure, i.part, i.delta]).sort()).toEqual(
      [
        ['index:procedures_complete', 'numerator', 1],
        ['index:online_offered', 'numerator', -1],
        ['index:online_used', 'denominator', -1],
      ].sort(),
    );
    // Read again: nothing is recorded twice.
    expect((await since()).length).toBe(1 + catalogue.length);
  });

  it("carries the adjustments into March's report as a note, and stamps the closed period's exports", async () => {
    const march = await get('/reports/processing?period=2026-03');
    expect(march.frozen).toBeUndefined();
    expect(march.carriedAdjustments).toEqual(
      expect.arrayContaining([
        { period: '2026-02', version: 1, figure: 'resolvedLate', delta: 1, dossiers: 1 },
        { period: '2026-02', version: 1, figure: 'receivedDirect', delta: 1, dossiers: 1 },
      ]),
    );
    // The index's adjustments go in the note of March's index, not in the 06a's.
    expect(march.carriedAdjustments.some((a: { figure: string }) => a.figure.startsWith('index:'))).toBe(false);
    // Only a report of the units concerned carries them: another department's has no such note.
    expect((await get('/reports/processing?period=2026-03&unitCode=H15.50')).carriedAdjustments).toEqual(
      march.carriedAdjustments,
    );
    const other = await get('/reports/processing?period=2026-03&unitCode=H15.60');
    expect(other.unitCode).toBe('H15.60');
    expect(other.carriedAdjustments).toBeUndefined();
    const otherIndex = await get('/reports/index?period=2026-03&unitCode=H15.60');
    expect(otherIndex.unitCode).toBe('H15.60');
    expect(otherIndex.carriedAdjustments).toBeUndefined();
    const marchIndex = await get('/reports/index?period=2026-03');
    expect(marchIndex.frozen).toBeUndefined();
    expect(marchIndex.carriedAdjustments).toEqual(
      expect.arrayContaining([
        { period: '2026-02', version: 1, figure: 'index:on_time', part: 'denominator', delta: 1, dossiers: 1 },
        { period: '2026-02', version: 1, figure: 'index:reused_data', part: 'numerator', delta: 1, dossiers: 1 },
        {
          period: '2026-02',
          version: 1,
          figure: 'index:online_offered',
          part: 'numerator',
          delta: -1,
          dossiers: 0,
          procedures: 1,
        },
        {
          period: '2026-02',
          version: 1,
          figure: 'index:feedback_satisfaction',
          part: 'numerator',
          delta: -1,
          dossiers: 1,
        },
      ]),
    );
    expect(marchIndex.carriedAdjustments.every((a: { figure: string }) => a.figure.startsWith('index:'))).toBe(true);
    const marchIndexCsv = await api.request('GET', '/reports/index?period=2026-03&format=csv', {
      token: p.tokens.board,
    });
    expect(String(marchIndexCsv.body).split('\r\n')[0]).toContain('(mẫu số) +1 (1 hồ sơ)');
    expect(String(marchIndexCsv.body).split('\r\n')[0]).toContain('(tử số) -1 (1 thủ tục)');
    const csv = await api.request('GET', '/reports/processing?period=2026-02&format=csv', { token: p.tokens.board });
    expect(csv.status).toBe(200);
    const firstLine = String(csv.body)
      .replace(/^\uFEFF/, '')
      .split('\r\n')[0];
    expect(firstLine).toContain('Số liệu đã chốt ngày 05/03/2026');
    const marchCsv = await api.request('GET', '/reports/processing?period=2026-03&format=csv', {
      token: p.tokens.board,
    });
    expect(String(marchCsv.body).split('\r\n')[0]).toContain('Ghi chú: điều chỉnh số liệu kỳ 2026-02 đã chốt');
    const pdf = await api.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'GET',
        url: '/api/v1/reports/index?period=2026-02&format=pdf',
        headers: { authorization: `Bearer ${p.tokens.board}` },
      });
    expect(pdf.statusCode).toBe(200);
    expect(pdfText(pdf.rawPayload, dir, 'index-frozen').replace(/\s+/g, ' ')).toContain(
      'Số liệu đã chốt ngày 05/03/2026',
    );
  });

  it('reopens (admin only, with a reason, audited), answers live again, and keeps both versions readable', async () => {
    const byBoard = await api.request('POST', '/reports/periods/2026-02/reopen', {
      token: p.tokens.board,
      body: { reason: 'Bổ sung hồ sơ nhập muộn' },
    });
    expect(byBoard.status).toBe(403);
    const noReason = await api.request('POST', '/reports/periods/2026-02/reopen', { token: p.admin, body: {} });
    expect(noReason.status).toBe(400);
    const res = await api.request('POST', '/reports/periods/2026-02/reopen', {
      token: p.admin,
      body: { reason: 'Bổ sung hồ sơ nhập muộn' },
    });
    expect([res.status, res.body.code]).toEqual([200, undefined]);
    expect(res.body).toMatchObject({
      period: '2026-02',
      version: 1,
      status: 'reopened',
      reopenReason: 'Bổ sung hồ sơ nhập muộn',
    });
    const again = await api.request('POST', '/reports/periods/2026-02/reopen', {
      token: p.admin,
      body: { reason: 'x' },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('NOT_CLOSED');

    const live = await get('/reports/processing?period=2026-02');
    expect(live.frozen).toBeUndefined();
    expect(live.total).toMatchObject({ receivedTotal: 3, resolvedLate: 1 });
    // The live index less the frozen one is what the adjustments say, indicator by indicator (all
    // those measured from dossiers, feedback or the catalogue; 3.3's numerator is scaled by the sync
    // rate, its count adjusted).
    const liveIndex = await get('/reports/index?period=2026-02');
    expect(liveIndex.frozen).toBeUndefined();
    const adjusted = new Map<string, number>();
    for (const a of (await get('/reports/periods/2026-02/adjustments')).items as Adjustment[])
      if (a.part) adjusted.set(`${a.figure}/${a.part}`, (adjusted.get(`${a.figure}/${a.part}`) ?? 0) + a.delta);
    const [now, then] = [indexSums(liveIndex), indexSums(frozenIndex)];
    const measured = new Set(
      [
        'procedures_complete',
        'dossiers_synced',
        'on_time',
        'online_offered',
        'online_used',
        'online_share',
        'paid_online',
        'fee_procedures_paid_online',
        'electronic_result',
        'digitised',
        'e_certified_copies',
        'reused_data',
        'personal_data_store',
        'population_data',
        'feedback_on_time',
        'feedback_satisfaction',
        'dossier_satisfaction',
      ].flatMap((k) => [`index:${k}/numerator`, `index:${k}/denominator`]),
    );
    measured.delete('index:online_share/numerator');
    const moved = [...measured].map((k) => [k, (now.get(k) ?? 0) - (then.get(k) ?? 0)]).filter(([, d]) => d !== 0);
    expect(moved.sort()).toEqual([...adjusted].filter(([k]) => measured.has(k)).sort());
    expect(moved.length).toBeGreaterThan(8);
    expect(moved.map(([k]) => k)).toEqual(
      expect.arrayContaining([
        'index:feedback_satisfaction/numerator',
        'index:procedures_complete/numerator',
        'index:online_offered/numerator',
      ]),
    );

    const v2 = await api.request('POST', '/reports/periods/2026-02/close', { token: p.admin });
    expect(v2.body).toMatchObject({ version: 2, status: 'closed' });
    expect(v2.body.hash).not.toBe(closedHash);
    const old = await get('/reports/processing?period=2026-02&version=1');
    expect(old).toMatchObject({ frozen: true, version: 1, hash: closedHash });
    expect(old.total.receivedTotal).toBe(2);
    const current = await get('/reports/processing?period=2026-02');
    expect(current).toMatchObject({ frozen: true, version: 2 });
    expect(current.total.receivedTotal).toBe(3);
    const missing = await api.request('GET', '/reports/processing?period=2026-02&version=9', { token: p.tokens.board });
    expect(missing.status).toBe(404);

    const list = await get('/reports/periods');
    expect(
      list.items.map((i: { period: string; version: number; status: string }) => [i.period, i.version, i.status]),
    ).toEqual([
      ['2026-02', 1, 'reopened'],
      ['2026-02', 2, 'closed'],
    ]);
    const audit = await api.request('GET', '/reports/periods', { token: p.tokens.head });
    expect(audit.status).toBe(403);
  });
});

/**
 * Closing a period holds a SHARE lock on dossiers while it computes the snapshot, so every writer
 * of dossiers waits with its pooled connection. If a read of the snapshot took a second connection
 * from the pool, a pool filled by those writers would never give one back and the close (and the
 * writers behind it) would wait forever. On a pool of ONE connection any second connection hangs,
 * so the close answering at all proves every read goes through the closing transaction; the
 * frozen figures are then compared with the live ones of the same period.
 */
describe('closing a period uses its own connection only (a pool of one)', () => {
  let api: Api;
  let p: Province;
  let setNow: (local: string) => void;
  afterAll(async () => api?.close());

  it('closes February on DATABASE_POOL_SIZE=1 and freezes the figures the live report gives', async () => {
    api = await startApi({ DATABASE_POOL_SIZE: '1' });
    setNow = clockOf(api);
    setNow('2026-02-02T08:00:00');
    p = await buildProvince(api);
    const a = await intake(api, p);
    await intake(api, p);
    setNow('2026-02-03T10:00:00');
    await act(api, a.id, 'resolve', p.tokens.head, {
      expectedVersion: a.version,
      resultSummary: 'Đã cấp phép',
      electronicResult: false,
    });
    setNow('2026-03-05T09:00:00');
    const live = await api.request('GET', '/reports/processing?period=2026-02', { token: p.tokens.board });
    expect(live.status).toBe(200);
    expect(live.body.frozen).toBeFalsy();
    expect(live.body.total.receivedTotal).toBe(2);

    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the close waited 30 s for a second pooled connection')), 30_000);
    });
    const closed = await Promise.race([
      api.request('POST', '/reports/periods/2026-02/close', { token: p.tokens.board }),
      hung,
    ]).finally(() => clearTimeout(timer));
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ period: '2026-02', version: 1, status: 'closed' });

    const frozen = await api.request('GET', '/reports/processing?period=2026-02', { token: p.tokens.board });
    expect(frozen.body).toMatchObject({ frozen: true, version: 1, hash: closed.body.hash });
    expect(frozen.body.total).toEqual(live.body.total);
    expect(frozen.body.rows).toEqual(live.body.rows);
    expect(frozen.body.total).toMatchObject({ receivedTotal: 2, resolvedTotal: 1 });
  }, 120_000);
});
