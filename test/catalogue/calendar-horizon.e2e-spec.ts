import { DataSource } from 'typeorm';
import { CalendarMaintainHandler } from '../../src/calendar/calendar-maintain.handler';
import { CalendarService } from '../../src/calendar/calendar.service';
import { RecomputeHandler } from '../../src/dossiers/recompute.handler';
import { Api, startApi } from '../support/http';
import { buildProvince, Province } from '../support/province';
import { act, clockOf, intake } from '../public/support';

const due = (q: Record<string, string | number>) =>
  `/calendar/due?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;

describe('A calendar that never runs out', () => {
  let api: Api;
  let p: Province;
  let db: DataSource;
  let setNow: (local: string) => void;

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    db = api.app.get(DataSource);
    setNow = clockOf(api);
    setNow('2026-12-06T09:00:00');
    await api.app.get(CalendarService).sync();
  });
  afterAll(() => api.close());

  const get = (url: string, token = p.tokens.clerk) => api.request('GET', url, { token });

  it('answers every year it knows: 2025 and 2026 official with their documents, the next years generated as provisional', async () => {
    const res = await get('/calendar/years');
    expect(res.status).toBe(200);
    const byYear = new Map(res.body.map((y: { year: number }) => [y.year, y]));
    expect(byYear.get(2025)).toMatchObject({ status: 'official', confirmedBy: null });
    expect(byYear.get(2026)).toMatchObject({ status: 'official', confirmedBy: null });
    expect((byYear.get(2026) as { source: string }).source).toContain('9441/TB-BNV');
    expect(byYear.get(2027)).toMatchObject({ status: 'provisional', source: null, confirmedAt: null });
    expect(byYear.get(2028)).toMatchObject({ status: 'provisional' });
    // The generated years are stored: an administrator can list and edit their days.
    const days = await get('/calendar/days?from=2027-01-01&to=2027-12-31');
    expect(days.body).toContainEqual({ date: '2027-01-01', kind: 'holiday', name: 'Tết Dương lịch' });
    expect(days.body.filter((d: { name: string }) => d.name.includes('Tết Nguyên đán Đinh Mùi'))).not.toHaveLength(0);
    expect(days.body).toContainEqual(expect.objectContaining({ date: '2027-04-16', kind: 'holiday' }));
    expect(days.body).toContainEqual(expect.objectContaining({ date: '2027-05-03', kind: 'holiday' }));
  });

  it('counts a January 2027 deadline across Tết Đinh Mùi, and says the year is provisional', async () => {
    const res = await get(due({ start: '2027-02-01T09:00:00+07:00', amount: 10, unit: 'working_days' }));
    expect(res.status).toBe(200);
    // Mon 01/02 6.5 h, Tue 8, Wed 8; Tết (Thu 04 – Wed 10/02 with the weekend) skipped; Thu 11 … Fri 19
    // seven days (56 h) = 78.5 h; Mon 22/02 07:30 + 1.5 h.
    expect(res.body).toEqual({
      clockStart: '2027-02-01T09:00:00+07:00',
      dueAt: '2027-02-22T09:00:00+07:00',
      provisional: true,
    });
    const jan = await get(due({ start: '2027-01-28T10:00:00+07:00', amount: 5, unit: 'working_days' }));
    expect(jan.body.provisional).toBe(true);
    expect(jan.body.dueAt).toBe('2027-02-11T10:00:00+07:00');
  });

  it("counts a 2030 deadline across that year's Tết (generated on the fly, provisional)", async () => {
    // Tết Canh Tuất: mùng 1 = Saturday 02/02/2030 in Vietnam (03/02 in China).
    const days = await get('/calendar/days?from=2030-01-01&to=2030-12-31');
    expect(days.status).toBe(200);
    // Not stored yet, but listed as the clock counts them.
    expect(days.body.filter((d: { date: string }) => d.date.startsWith('2030-0'))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ date: '2030-01-01', kind: 'holiday' }),
        expect.objectContaining({ date: '2030-01-31', kind: 'holiday' }),
        expect.objectContaining({ date: '2030-02-06', kind: 'holiday' }),
      ]),
    );
    const res = await get(due({ start: '2030-01-30T08:00:00+07:00', amount: 3, unit: 'working_days' }));
    // Wed 30/01 7.5 h; Thu 31/01 – Wed 06/02 off (Tết Thu 31 – Mon 04 with Sat/Sun given back Tue 05 and
    // Wed 06); Thu 07 and Fri 08 16 h; Mon 11/02 07:30 + 0.5 h.
    expect(res.body).toEqual({
      clockStart: '2030-01-30T08:00:00+07:00',
      dueAt: '2030-02-11T08:00:00+07:00',
      provisional: true,
    });
    // 2026 is official: a deadline inside it is not provisional.
    const official = await get(due({ start: '2026-02-13T10:00:00+07:00', amount: 3, unit: 'working_days' }));
    expect(official.body).toEqual({
      clockStart: '2026-02-13T10:00:00+07:00',
      dueAt: '2026-02-25T10:00:00+07:00',
      provisional: false,
    });
  });

  it('refuses bad calendar input with the error shape: a year out of range or not generated, a statutory holiday as a make-up day', async () => {
    const admin = p.admin;
    for (const year of ['2101', '1999', 'abcd', '20270']) {
      const res = await api.request('POST', `/calendar/years/${year}/confirm`, { token: admin, body: { source: 'x' } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    }
    const gap = await api.request('POST', '/calendar/years/2095/confirm', { token: admin, body: { source: 'x' } });
    expect(gap.status).toBe(400);
    expect(gap.body.details[0].field).toBe('year');
    const noSource = await api.request('POST', '/calendar/years/2027/confirm', { token: admin, body: {} });
    expect(noSource.status).toBe(400);
    // 01/05/2027 is a Saturday and Labour Day: it cannot also be a make-up working day.
    const both = await api.request('PUT', '/calendar/days/2027-05-01', {
      token: admin,
      body: { kind: 'working', name: 'Làm bù' },
    });
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ field: 'kind' })],
    });
    const tet = await api.request('PUT', '/calendar/days/2027-02-07', {
      token: admin,
      body: { kind: 'working', name: 'Làm bù' },
    });
    expect(tet.status).toBe(400);
    expect((await get('/calendar/years')).body.find((y: { year: number }) => y.year === 2027).status).toBe(
      'provisional',
    );
  });

  it('warns before the calendar runs out: readiness, metric, and one alert per admin and board member, not one per tick', async () => {
    const ready = await api.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.warnings.map((w: { code: string }) => w.code)).toContain('CALENDAR_HORIZON');
    const metrics = await api.request('GET', '/metrics', { token: p.admin });
    expect(String(metrics.body)).toMatch(/calendar_confirmed_horizon_days 25\b/);

    const handler = api.app.get(CalendarMaintainHandler);
    const first = await handler.handle({});
    const recipients: { n: number }[] = await db.query(
      `SELECT count(*)::int AS n FROM users WHERE active AND role IN ('admin', 'reform_board')`,
    );
    expect(first.raised).toBe(recipients[0].n);
    expect((await handler.handle({})).raised).toBe(0);
    const boardAlerts = await get('/alerts?kind=calendar_horizon&open=true', p.tokens.board);
    expect(boardAlerts.status).toBe(200);
    // The board reads every alert; one of them is addressed to this member.
    expect(boardAlerts.body.items).toHaveLength(recipients[0].n);
    const mine = boardAlerts.body.items.filter(
      (a: { recipientUserId: string }) => a.recipientUserId === p.userIds.board,
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      kind: 'calendar_horizon',
      dossierId: null,
      unitCode: null,
      deadlineAt: '2027-01-01T00:00:00+07:00',
    });
    // A clerk does not see it.
    expect((await get('/alerts?kind=calendar_horizon')).body.items).toHaveLength(0);

    // The board confirms 2027 with the Government's document: the horizon moves, the alert closes.
    const confirm = await api.request('POST', '/calendar/years/2027/confirm', {
      token: p.tokens.board,
      body: { source: 'Công văn 9999/VPCP-KGVX (thử)' },
    });
    expect(confirm.status).toBe(200);
    expect(confirm.body).toMatchObject({
      year: 2027,
      status: 'official',
      source: 'Công văn 9999/VPCP-KGVX (thử)',
      confirmedBy: p.userIds.board,
    });
    const again = await api.request('POST', '/calendar/years/2027/confirm', {
      token: p.admin,
      body: { source: 'Công văn 10000/VPCP-KGVX' },
    });
    expect(again.status).toBe(200);
    expect(again.body.source).toBe('Công văn 10000/VPCP-KGVX');
    const after = await handler.handle({});
    expect(after).toEqual({ raised: 0, closed: recipients[0].n });
    expect((await get('/alerts?kind=calendar_horizon&open=true', p.tokens.board)).body.items).toHaveLength(0);
    expect((await api.request('GET', '/health/ready')).body.warnings).toEqual([]);
    expect(String((await api.request('GET', '/metrics', { token: p.admin })).body)).toMatch(
      /calendar_confirmed_horizon_days 390\b/,
    );
    const in2027 = await get(due({ start: '2027-02-01T09:00:00+07:00', amount: 10, unit: 'working_days' }));
    expect(in2027.body.provisional).toBe(false);
  });

  it("receives an official correction as a versioned edit by the system, never over an administrator's edit, and recomputes open dossiers", async () => {
    // An installation seeded before 9441/TB-BNV: no swap of 31/08 for 22/08, and 01/09 entered by an admin.
    await db.query(`DELETE FROM calendar_days WHERE date IN ('2026-08-22', '2026-08-31')`);
    await db.query(`UPDATE calendar_settings SET version = version + 1`);
    const del = await api.request('DELETE', '/calendar/days/2026-09-01', { token: p.admin });
    expect(del.status).toBe(204);
    setNow('2026-08-27T09:00:00'); // Thursday
    const d = (await intake(api, p)) as Awaited<ReturnType<typeof intake>> & { dueAt: string };
    // 3 working days from Thu 27/08 09:00 with 31/08 and 01/09 working (as this installation has it).
    expect(d.dueAt).toBe('2026-09-01T09:00:00+07:00');
    const versionBefore: number = (await db.query(`SELECT version FROM calendar_settings`))[0].version;

    const result = await api.app.get(CalendarService).sync();
    expect(result.applied).toEqual(['2026-08-22', '2026-08-31']);
    const changes = await db.query(
      `SELECT version, actor_user_id, kind, after FROM calendar_changes WHERE version > $1 ORDER BY version`,
      [versionBefore],
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ actor_user_id: null, kind: 'official_applied' });
    expect(changes[0].after.reason).toContain('9441/TB-BNV');
    // Syncing again changes nothing; 01/09 stays as the administrator left it.
    expect(await api.app.get(CalendarService).sync()).toEqual({ applied: [], generated: [] });
    const sept = await get('/calendar/days?from=2026-08-20&to=2026-09-02');
    expect(sept.body.map((x: { date: string; kind: string }) => `${x.date}:${x.kind}`)).toEqual([
      '2026-08-22:working',
      '2026-08-31:holiday',
      '2026-09-02:holiday',
    ]);

    // The open dossier is recomputed: Sat 22/08 is before it; Mon 31/08 is now off.
    await api.app.get(RecomputeHandler).handle({});
    const recomputed = await get(`/dossiers/${d.id}`);
    // Thu 27 6.5 h, Fri 28 8 h, Mon 31 off (the correction), Tue 01/09 8 h, Wed 02/09 off, Thu 03/09 + 1.5 h.
    expect(recomputed.body.dueAt).toBe('2026-09-03T09:00:00+07:00');
  });

  it('keeps office hours as a schedule with effective dates: summer hours count from their first day', async () => {
    const summer = {
      effectiveFrom: '2027-04-15',
      weekdays: [1, 2, 3, 4, 5],
      periods: [
        ['07:00', '11:30'],
        ['13:30', '17:00'],
      ],
    };
    const put = await api.request('PUT', '/calendar/working-hours', { token: p.admin, body: summer });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject(summer);
    const schedule = await get('/calendar/working-hours/schedule');
    expect(schedule.body.map((h: { effectiveFrom: string }) => h.effectiveFrom)).toEqual(['2000-01-01', '2027-04-15']);
    // Wed 14/04 16:00 (winter hours): 1 h that day; Thu 15/04 (summer) from 07:00, +3 h → 10:00.
    // (Fri 16/04 is Giỗ Tổ: not reached.)
    const res = await get(due({ start: '2027-04-14T16:00:00+07:00', amount: 4, unit: 'working_hours' }));
    expect(res.body.dueAt).toBe('2027-04-15T10:00:00+07:00');
    // Hours in force today are still the winter ones; a bad effectiveFrom is refused.
    expect((await get('/calendar/working-hours')).body).toMatchObject({ effectiveFrom: '2000-01-01' });
    const bad = await api.request('PUT', '/calendar/working-hours', {
      token: p.admin,
      body: { ...summer, effectiveFrom: '2027-02-30' },
    });
    expect(bad.status).toBe(400);
    const winter = {
      effectiveFrom: '2027-04-15',
      weekdays: [1, 2, 3, 4, 5],
      periods: [
        ['07:30', '11:30'],
        ['13:00', '17:00'],
      ],
    };
    expect((await api.request('PUT', '/calendar/working-hours', { token: p.admin, body: winter })).status).toBe(200);
    expect((await get(due({ start: '2027-04-14T16:00:00+07:00', amount: 4, unit: 'working_hours' }))).body.dueAt).toBe(
      '2027-04-15T10:30:00+07:00',
    );
  });

  it('explains a deadline: clock start, working runs, skipped days with their names, pauses, extension, rules', async () => {
    setNow('2026-02-13T10:00:00'); // Friday before Tết Bính Ngọ
    const d = (await intake(api, p)) as Awaited<ReturnType<typeof intake>> & { dueAt: string };
    expect(d.dueAt).toBe('2026-02-25T10:00:00+07:00');
    const res = await get(`/dossiers/${d.id}/deadline`);
    expect(res.status).toBe(200);
    const x = res.body;
    expect(x).toMatchObject({
      dueAt: '2026-02-25T10:00:00+07:00',
      clockStart: '2026-02-13T10:00:00+07:00',
      receivedAt: '2026-02-13T10:00:00+07:00',
      clockStartReason: 'in_hours',
      timeLimit: { amount: 3, unit: 'working_days' },
      provisional: false,
      pauses: [],
      extensions: [],
    });
    expect(x.segments[0]).toEqual({
      from: '2026-02-13T10:00:00+07:00',
      to: '2026-02-13T11:30:00+07:00',
      workingMinutes: 90,
    });
    expect(x.segments.at(-1)).toEqual({
      from: '2026-02-25T07:30:00+07:00',
      to: '2026-02-25T10:00:00+07:00',
      workingMinutes: 150,
    });
    expect(x.segments.reduce((s: number, g: { workingMinutes: number }) => s + g.workingMinutes, 0)).toBe(3 * 480);
    expect(x.skippedDays).toEqual([
      { date: '2026-02-14', kind: 'weekend', name: 'Thứ Bảy' },
      { date: '2026-02-15', kind: 'weekend', name: 'Chủ nhật' },
      ...['16', '17', '18', '19', '20'].map((day) => ({
        date: `2026-02-${day}`,
        kind: 'holiday',
        name: 'Tết Nguyên đán Bính Ngọ',
      })),
      { date: '2026-02-21', kind: 'weekend', name: 'Thứ Bảy' },
      { date: '2026-02-22', kind: 'weekend', name: 'Chủ nhật' },
    ]);

    // A payment pause (Decree 118/2025 restarts the clock after a supplement, but payment waits
    // still pause it) and an extension appear, and the working time still adds up to the limit.
    setNow('2026-02-23T08:00:00');
    const v1 = await act(api, d.id, 'request_payment', p.tokens.head, { expectedVersion: 1, amount: 500000 });
    setNow('2026-02-24T08:00:00');
    const v2 = await act(api, d.id, 'confirm_payment', p.tokens.clerk, { expectedVersion: v1.version, paidOnline: false });
    const after = (await get(`/dossiers/${d.id}/deadline`)).body;
    expect(after.pauses).toEqual([
      {
        from: '2026-02-23T08:00:00+07:00',
        to: '2026-02-24T08:00:00+07:00',
        reason: 'awaiting_payment',
        workingMinutes: 480,
      },
    ]);
    expect(after.dueAt).toBe('2026-02-26T10:00:00+07:00');
    expect(after.segments.reduce((s: number, g: { workingMinutes: number }) => s + g.workingMinutes, 0)).toBe(3 * 480);
    expect(after.segments.some((g: { from: string }) => g.from.startsWith('2026-02-23T'))).toBe(true);
    expect(v2.status).toBe('received');
    await act(api, d.id, 'extend', p.tokens.head, {
      expectedVersion: v2.version,
      newPromisedAt: '2026-03-04T16:00:00+07:00',
      reason: 'Cần xác minh thực địa',
      responsibleUnitCode: 'H15.50',
    });
    const extended = (await get(`/dossiers/${d.id}/deadline`)).body;
    expect(extended).toMatchObject({
      dueAt: '2026-02-26T10:00:00+07:00',
      promisedAt: '2026-03-04T16:00:00+07:00',
      extensions: [
        {
          at: '2026-02-24T08:00:00+07:00',
          newPromisedAt: '2026-03-04T16:00:00+07:00',
          reason: 'Cần xác minh thực địa',
        },
      ],
    });

    // Received on a Saturday: the clock starts on Monday, and the reason says why.
    setNow('2026-03-07T10:00:00');
    const sat = await intake(api, p);
    const why = (await get(`/dossiers/${sat.id}/deadline`)).body;
    expect(why).toMatchObject({ clockStart: '2026-03-09T07:30:00+07:00', clockStartReason: 'non_working_day' });
    // Another unit's clerk cannot read it (404, as for a dossier that does not exist).
    expect((await get(`/dossiers/${sat.id}/deadline`, p.tokens.otherClerk)).status).toBe(404);
  });
});
