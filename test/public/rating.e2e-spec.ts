import { DataSource } from 'typeorm';
import { Api, startApi } from '../support/http';
import { buildProvince, Province } from '../support/province';
import { act, citizen, clockOf, intake, Intaken, resolveNow } from './support';

const ALL_TWO = [2, 2, 2, 2, 2, 2, 2, 2, 2];

describe('citizen rating', () => {
  let api: Api;
  let p: Province;
  let setNow: (local: string) => void;
  let pub: ReturnType<typeof citizen>;

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    setNow = clockOf(api);
    pub = citizen(api);
  });
  afterAll(() => api.close());

  const rate = (d: Intaken, criteria = ALL_TWO, verdict = 'very_satisfied', comment?: string) =>
    pub('POST', `${d.code}/rating`, { lookupKey: d.lookupKey, criteria, verdict, comment });

  const ended = async (receivedLocal: string) => {
    setNow(receivedLocal);
    const d = await intake(api, p);
    await resolveNow(api, p, d);
    return d;
  };

  it('refuses a rating before the dossier has ended with 409 NOT_ENDED', async () => {
    setNow('2026-03-02T08:00:00');
    const d = await intake(api, p);
    const res = await rate(d);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ statusCode: 409, code: 'NOT_ENDED' });
    // Paused is not ended either.
    await act(api, d.id, 'request_supplement', p.tokens.head, {
      expectedVersion: 1,
      reason: 'Thiếu',
      items: ['Bản vẽ'],
    });
    expect((await rate(d)).body.code).toBe('NOT_ENDED');
  });

  it('takes one rating with the lookup key once the dossier has ended, and refuses a second one', async () => {
    const d = await ended('2026-03-02T08:00:00');
    setNow('2026-03-03T09:00:00');
    const first = await rate(d, [2, 1, 2, 2, 2, 1, 2, 2, 0], 'satisfied', 'Nhanh gọn');
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ code: d.code, ratedAt: '2026-03-03T09:00:00+07:00', total: 14, verdict: 'satisfied' });
    const second = await rate(d, ALL_TWO, 'very_satisfied');
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ statusCode: 409, code: 'ALREADY_RATED' });
    const stored = await api.app
      .get(DataSource)
      .query(
        `SELECT criteria, verdict, comment FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id WHERE d.code = $1`,
        [d.code],
      );
    expect(stored).toEqual([{ criteria: [2, 1, 2, 2, 2, 1, 2, 2, 0], verdict: 'satisfied', comment: 'Nhanh gọn' }]);
    expect((await pub('GET', d.code)).body.rated).toBe(true);
  });

  it('gives exactly one success to concurrent ratings of the same dossier', async () => {
    const d = await ended('2026-03-02T08:00:00');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        rate(
          d,
          ALL_TWO.map((x) => x - (i % 3 === 0 ? 1 : 0)),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.code === 'ALREADY_RATED')).toHaveLength(7);
    const rows = await api.app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS n FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id WHERE d.code = $1`,
        [d.code],
      );
    expect(rows[0].n).toBe(1);
  });

  it('refuses anything but nine scores 0..2 and one of the three verdicts', async () => {
    const d = await ended('2026-03-02T08:00:00');
    for (const body of [
      { criteria: [2, 2, 2, 2, 2, 2, 2, 2], verdict: 'satisfied' },
      { criteria: [...ALL_TWO, 2], verdict: 'satisfied' },
      { criteria: [2, 2, 2, 2, 2, 2, 2, 2, 3], verdict: 'satisfied' },
      { criteria: [2, 2, 2, 2, 2, 2, 2, 2, 1.5], verdict: 'satisfied' },
      { criteria: ALL_TWO, verdict: 'happy' },
      { criteria: ALL_TWO, verdict: 'satisfied', stars: 5 },
    ]) {
      const res = await pub('POST', `${d.code}/rating`, { lookupKey: d.lookupKey, ...body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await rate(d)).status).toBe(201);
  });

  describe('ratings list for staff', () => {
    let scoped: Intaken[];
    beforeAll(async () => {
      // Three April ratings of dossiers of the construction department...
      scoped = [
        await ended('2026-04-01T08:00:00'),
        await ended('2026-04-01T08:10:00'),
        await ended('2026-04-01T08:20:00'),
      ];
      setNow('2026-04-02T09:00:00');
      expect((await rate(scoped[0], [2, 2, 2, 2, 2, 2, 2, 2, 2], 'very_satisfied')).status).toBe(201);
      expect((await rate(scoped[1], [1, 2, 1, 2, 0, 2, 1, 2, 1], 'satisfied')).status).toBe(201);
      expect((await rate(scoped[2], [0, 1, 0, 2, 0, 2, 0, 1, 1], 'dissatisfied')).status).toBe(201);
    });

    it('averages each criterion and counts verdicts, with English keys and Vietnamese labels', async () => {
      const res = await api.request('GET', '/ratings?from=2026-04-01&to=2026-04-30&limit=2', { token: p.tokens.head });
      expect(res.status).toBe(200);
      expect(res.body.count).toBe(3);
      expect(res.body.criteria.map((c: { key: string; average: number }) => [c.key, c.average])).toEqual([
        ['total_time', 1],
        ['unit_time', 1.67],
        ['contacts', 1],
        ['agencies', 2],
        ['one_stop_counter', 0.67],
        ['publication', 2],
        ['staff_attitude', 1],
        ['feedback_handling', 1.67],
        ['online_service', 1.33],
      ]);
      expect(res.body.criteria[4]).toMatchObject({ sum: 2, label: 'Việc tiếp nhận, trả kết quả tại Bộ phận Một cửa' });
      expect(res.body.averageTotal).toBe(12.33);
      expect(res.body.verdicts).toEqual({ very_satisfied: 1, satisfied: 1, dissatisfied: 1 });
      // The summary covers every page; the items are paged.
      expect(res.body.items).toHaveLength(2);
      const next = await api.request(
        'GET',
        `/ratings?from=2026-04-01&to=2026-04-30&limit=2&cursor=${res.body.nextCursor}`,
        {
          token: p.tokens.head,
        },
      );
      expect(next.body.items).toHaveLength(1);
      expect(next.body.nextCursor).toBeNull();
      const codes = [...res.body.items, ...next.body.items].map((i: { dossierCode: string }) => i.dossierCode).sort();
      expect(codes).toEqual(scoped.map((d) => d.code).sort());
      expect(next.body.items[0]).toMatchObject({ procedureCode: '1.004227', ratedAt: '2026-04-02T09:00:00+07:00' });
    });

    it('shows a unit only the ratings of dossiers it handles; the board all', async () => {
      const q = '/ratings?from=2026-04-01&to=2026-04-30';
      expect((await api.request('GET', q, { token: p.tokens.otherOfficer })).body.count).toBe(0);
      expect((await api.request('GET', q, { token: p.tokens.headOther })).body.count).toBe(0);
      expect((await api.request('GET', q, { token: p.tokens.officer })).body.count).toBe(3); // a step of theirs
      expect((await api.request('GET', q, { token: p.tokens.board })).body.count).toBe(3);
      expect((await api.request('GET', `${q}&unitCode=H15.60`, { token: p.tokens.board })).body.count).toBe(0);
      expect((await api.request('GET', `${q}&unitCode=H15.50`, { token: p.tokens.board })).body.count).toBe(3);
      const empty = await api.request('GET', '/ratings?from=2026-05-01&to=2026-05-31', { token: p.admin });
      expect(empty.body).toMatchObject({ count: 0, averageTotal: null, items: [], nextCursor: null });
      expect((await api.request('GET', '/ratings?from=2026-04-30&to=2026-04-01', { token: p.admin })).status).toBe(400);
      expect((await api.request('GET', '/ratings?from=2026-02-30', { token: p.admin })).status).toBe(400);
      expect((await api.request('GET', '/ratings')).status).toBe(401);
    });
  });

  it("changes the index's satisfaction indicators as ratings and feedback arrive", async () => {
    // The reform board's index for June: the row of Sở Xây dựng (H15.50, which handles these dossiers).
    const satisfaction = async () => {
      const res = await api.request('GET', '/reports/index?period=2026-06&unitCode=H15', { token: p.tokens.board });
      expect(res.status).toBe(200);
      const row = res.body.units.find((u: { unitCode: string }) => u.unitCode === 'H15.50');
      const group = row.groups.find((g: { key: string }) => g.key === 'satisfaction');
      return Object.fromEntries(
        group.indicators.map((i: { key: string; points: number }) => [i.key, Math.round(i.points * 100) / 100]),
      );
    };
    setNow('2026-06-01T08:00:00');
    // Nothing ended, no feedback: 5.4 scores 0, and 5.2 and 5.3 follow its share (the portal splits
    // their points when a unit had no feedback: docs/index-766.md).
    expect(await satisfaction()).toEqual({ feedback_on_time: 0, feedback_satisfaction: 0, dossier_satisfaction: 0 });
    const a = await ended('2026-06-01T08:00:00');
    const b = await ended('2026-06-01T08:30:00');
    expect((await satisfaction()).dossier_satisfaction).toBe(6);
    // A dissatisfied rating counts against the unit: 1 of 2 dossiers, 50% / 90% of 6 points.
    setNow('2026-06-02T08:00:00');
    await rate(a, [1, 1, 1, 1, 1, 1, 1, 0, 1], 'dissatisfied');
    expect((await satisfaction()).dossier_satisfaction).toBe(3.33);
    // A complaint (feedback on conduct) on the other: none left.
    const fb = await pub('POST', `${b.code}/feedback`, { lookupKey: b.lookupKey, kind: 'conduct', content: 'Thái độ' });
    expect(fb.status).toBe(201);
    expect((await satisfaction()).dossier_satisfaction).toBe(0);
    // Not answered yet and not due: nothing settled.
    expect((await satisfaction()).feedback_on_time).toBe(6);
    // Answered on time, then a second one left past its deadline (due 24/06 08:00).
    setNow('2026-06-03T08:00:00');
    await api.request('POST', `/feedback/${fb.body.id}/answer`, { token: p.tokens.head, body: { answer: 'Đã xử lý' } });
    const late = await pub('POST', `${b.code}/feedback`, { lookupKey: b.lookupKey, kind: 'other', content: 'Hỏi' });
    expect(late.body.dueAt).toBe('2026-06-24T08:00:00+07:00');
    setNow('2026-06-25T08:00:00');
    expect((await satisfaction()).feedback_on_time).toBe(3);
    // Rating of a dossier with feedback: its feedback-handling criterion (1 of 2).
    await rate(b, [2, 2, 2, 2, 2, 2, 2, 1, 2], 'satisfied');
    expect((await satisfaction()).feedback_satisfaction).toBe(3);
  });
});
