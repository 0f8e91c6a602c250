import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { CalendarChange, CalendarService } from '../../src/calendar/calendar.service';
import { Api, startApi } from '../support/http';
import { call, startSecondInstance, userWithRole } from './support';

const EXAMPLE_TET = { start: '2026-02-13T10:00:00+07:00', amount: 3, unit: 'working_days' };
const EXAMPLE_MAKE_UP = { start: '2026-01-09T16:00:00+07:00', amount: 1, unit: 'working_days' };

function dueUrl(q: Record<string, string | number>): string {
  return `/calendar/due?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

describe('Working-time calendar', () => {
  let api: Api;
  let second: NestFastifyApplication;
  let admin: string;
  let clerk: string;

  beforeAll(async () => {
    api = await startApi();
    second = await startSecondInstance(api);
    admin = await api.login();
    clerk = (await userWithRole(api, admin, 'clerk1', 'counter_staff', 'H15.50')).token;
  });
  afterAll(async () => {
    await second.close();
    await api.close();
  });

  const due = async (q: Record<string, string | number>, token = clerk) => api.request('GET', dueUrl(q), { token });

  it('seeds the calendar exactly once from the holiday file, even when two instances seed at the same moment', async () => {
    const db = api.app.get(DataSource);
    await db.query(`TRUNCATE calendar_changes, calendar_days, calendar_settings, calendar_years, calendar_hours`);
    const results = await Promise.all([
      api.app.get(CalendarService).ensureSeeded(),
      second.get(CalendarService).ensureSeeded(),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM calendar_days`);
    expect(n).toBe(28);
    const changes = await db.query(`SELECT version, kind, actor_user_id FROM calendar_changes`);
    expect(changes).toEqual([{ version: 1, kind: 'seed', actor_user_id: null }]);
    // A later start finds the seed and changes nothing.
    expect(await api.app.get(CalendarService).ensureSeeded()).toBe(false);
    expect((await db.query(`SELECT version FROM calendar_settings`))[0].version).toBe(1);
  });

  it('lists the 2026 exceptions by date: the Tết holidays and the 10 January make-up working day', async () => {
    const res = await api.request('GET', '/calendar/days?from=2026-01-01&to=2026-12-31', { token: clerk });
    expect(res.status).toBe(200);
    const dates = res.body.map((d: { date: string }) => d.date);
    expect(dates).toEqual([...dates].sort());
    expect(dates.every((d: string) => d.startsWith('2026-'))).toBe(true);
    for (const date of ['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20']) {
      expect(res.body).toContainEqual({ date, kind: 'holiday', name: 'Tết Nguyên đán Bính Ngọ' });
    }
    expect(res.body).toContainEqual({ date: '2026-01-10', kind: 'working', name: 'Làm bù cho ngày 02/01/2026' });
  });

  it('serves the seeded default working hours: Monday to Friday, 07:30-11:30 and 13:00-17:00', async () => {
    const res = await api.request('GET', '/calendar/working-hours', { token: clerk });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      weekdays: [1, 2, 3, 4, 5],
      periods: [
        ['07:30', '11:30'],
        ['13:00', '17:00'],
      ],
    });
  });

  it('reproduces the worked examples of docs/domain.md: across Tết, and across a make-up Saturday', async () => {
    const tet = await due(EXAMPLE_TET);
    expect(tet.status).toBe(200);
    expect(tet.body).toEqual({
      clockStart: '2026-02-13T10:00:00+07:00',
      dueAt: '2026-02-25T10:00:00+07:00',
      provisional: false,
    });
    const makeUp = await due(EXAMPLE_MAKE_UP);
    expect(makeUp.body).toEqual({
      clockStart: '2026-01-09T16:00:00+07:00',
      dueAt: '2026-01-10T16:00:00+07:00',
      provisional: false,
    });
  });

  it('starts the clock at the next working day when received at or after the intake cut-off', async () => {
    const late = await due({
      start: '2026-01-09T15:00:00+07:00',
      amount: 1,
      unit: 'working_hours',
      intakeCutoff: '15:00',
    });
    expect(late.status).toBe(200);
    // The next working day is the make-up Saturday.
    expect(late.body).toEqual({
      clockStart: '2026-01-10T07:30:00+07:00',
      dueAt: '2026-01-10T08:30:00+07:00',
      provisional: false,
    });
    const early = await due({
      start: '2026-01-08T14:59:00+07:00',
      amount: 2,
      unit: 'working_hours',
      intakeCutoff: '15:00',
    });
    expect(early.body).toEqual({
      clockStart: '2026-01-08T14:59:00+07:00',
      dueAt: '2026-01-08T16:59:00+07:00',
      provisional: false,
    });
    // The instant's own offset is honoured: 08:00Z is 15:00 in Hà Nội.
    const utc = await due({ start: '2026-01-09T08:00:00Z', amount: 1, unit: 'working_hours', intakeCutoff: '15:00' });
    expect(utc.body.clockStart).toBe('2026-01-10T07:30:00+07:00');
  });

  it('refuses a bad due query with 400 VALIDATION_FAILED naming the field', async () => {
    const cases: [Record<string, string | number>, string][] = [
      [{ ...EXAMPLE_TET, start: '2026-02-13T10:00:00' }, 'start'],
      [{ ...EXAMPLE_TET, start: 'yesterday' }, 'start'],
      [{ ...EXAMPLE_TET, start: '1990-02-13T10:00:00+07:00' }, 'start'],
      [{ ...EXAMPLE_TET, unit: 'weeks' }, 'unit'],
      [{ ...EXAMPLE_TET, amount: 0 }, 'amount'],
      [{ ...EXAMPLE_TET, amount: 3651 }, 'amount'],
      [{ ...EXAMPLE_TET, amount: 1.5 }, 'amount'],
      [{ ...EXAMPLE_TET, amount: 'three' }, 'amount'],
      [{ ...EXAMPLE_TET, intakeCutoff: '25:00' }, 'intakeCutoff'],
      [{ amount: 3, unit: 'working_days' }, 'start'],
    ];
    for (const [query, field] of cases) {
      const res = await due(query);
      expect({ query, status: res.status, code: res.body.code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    // A deadline past the end of the calendar's range is bad input too, not a server error.
    const far = await due({ start: '2100-12-30T10:00:00+07:00', amount: 30, unit: 'working_days' });
    expect(far.status).toBe(400);
  });

  it('applies an edited holiday at once, logs who made it and when, and restores the answer when it is deleted', async () => {
    const before = Date.now();
    const put = await api.request('PUT', '/calendar/days/2026-02-24', {
      token: admin,
      body: { kind: 'holiday', name: 'Nghỉ bù thử nghiệm' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ date: '2026-02-24', kind: 'holiday', name: 'Nghỉ bù thử nghiệm' });
    expect((await due(EXAMPLE_TET)).body.dueAt).toBe('2026-02-26T10:00:00+07:00');

    const log = await api.request('GET', '/calendar/changes?limit=1', { token: admin });
    expect(log.status).toBe(200);
    const [change] = log.body.items;
    expect(change).toMatchObject({
      kind: 'day_set',
      date: '2026-02-24',
      actorUsername: 'admin',
      before: null,
      after: { date: '2026-02-24', kind: 'holiday', name: 'Nghỉ bù thử nghiệm' },
    });
    expect(change.actorUserId).toMatch(/^[0-9a-f-]{36}$/);
    expect(change.at).toMatch(/\+07:00$/);
    expect(new Date(change.at).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(new Date(change.at).getTime()).toBeLessThanOrEqual(Date.now() + 1000);

    const del = await api.request('DELETE', '/calendar/days/2026-02-24', { token: admin });
    expect(del.status).toBe(204);
    expect((await due(EXAMPLE_TET)).body.dueAt).toBe('2026-02-25T10:00:00+07:00');
    const afterDelete = await api.request('GET', '/calendar/changes?limit=1', { token: admin });
    expect(afterDelete.body.items[0]).toMatchObject({
      version: change.version + 1,
      kind: 'day_deleted',
      date: '2026-02-24',
      after: null,
    });
    expect(afterDelete.body.items[0].before).toMatchObject({ kind: 'holiday' });

    const again = await api.request('DELETE', '/calendar/days/2026-02-24', { token: admin });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('NOT_FOUND');
  });

  it('lets a second API instance on the same database see an edit made by the first at its next call', async () => {
    expect((await call(second, 'GET', dueUrl(EXAMPLE_TET), { token: clerk })).body.dueAt).toBe(
      '2026-02-25T10:00:00+07:00',
    );
    const put = await api.request('PUT', '/calendar/days/2026-02-23', {
      token: admin,
      body: { kind: 'holiday', name: 'Nghỉ thêm' },
    });
    expect(put.status).toBe(200);
    expect((await call(second, 'GET', dueUrl(EXAMPLE_TET), { token: clerk })).body.dueAt).toBe(
      '2026-02-26T10:00:00+07:00',
    );
    // And back, edited through the second instance this time.
    expect((await call(second, 'DELETE', '/calendar/days/2026-02-23', { token: admin })).status).toBe(204);
    expect((await due(EXAMPLE_TET)).body.dueAt).toBe('2026-02-25T10:00:00+07:00');
  });

  it('rebuilds the cached calendar only when the stored version moved', async () => {
    const service = api.app.get(CalendarService);
    const a = await service.currentVersioned();
    const b = await service.currentVersioned();
    expect(b.calendar).toBe(a.calendar);
    await call(second, 'PUT', '/calendar/days/2026-03-03', {
      token: admin,
      body: { kind: 'holiday', name: 'Thử bộ nhớ đệm' },
    });
    const c = await service.currentVersioned();
    expect(c.version).toBe(a.version + 1);
    expect(c.calendar).not.toBe(a.calendar);
    expect(c.calendar.isWorkingDay('2026-03-03')).toBe(false);
    await api.request('DELETE', '/calendar/days/2026-03-03', { token: admin });
  });

  it('calls the change listeners after the edit committed, with the edited date (null when the working hours changed)', async () => {
    const service = api.app.get(CalendarService);
    const seen: (CalendarChange & { visibleElsewhere: boolean })[] = [];
    const stop = service.onChange(async (change) => {
      // Committed: another instance, with its own connections, already sees the new version.
      const other = await second.get(CalendarService).currentVersioned();
      seen.push({ ...change, visibleElsewhere: other.version === change.version });
    });
    const failing = service.onChange(() => {
      throw new Error('listener failure must not undo the edit');
    });
    const put = await api.request('PUT', '/calendar/days/2026-03-02', {
      token: admin,
      body: { kind: 'holiday', name: 'Thử sự kiện' },
    });
    expect(put.status).toBe(200);
    expect(seen).toEqual([{ version: expect.any(Number), dates: ['2026-03-02'], visibleElsewhere: true }]);
    await api.request('DELETE', '/calendar/days/2026-03-02', { token: admin });
    expect(seen[1]).toEqual({ version: seen[0].version + 1, dates: ['2026-03-02'], visibleElsewhere: true });
    const hours = {
      weekdays: [1, 2, 3, 4, 5],
      periods: [
        ['08:00', '12:00'],
        ['13:00', '17:00'],
      ],
    };
    await api.request('PUT', '/calendar/working-hours', { token: admin, body: hours });
    expect(seen[2]).toEqual({ version: seen[1].version + 1, dates: null, visibleElsewhere: true });
    // A consumer that missed calls catches up from the change log.
    expect(await service.changesSince(seen[0].version - 1)).toEqual(
      seen.map(({ version, dates }) => ({ version, dates })),
    );
    stop();
    failing();
    await api.request('PUT', '/calendar/working-hours', {
      token: admin,
      body: {
        ...hours,
        periods: [
          ['07:30', '11:30'],
          ['13:00', '17:00'],
        ],
      },
    });
    expect(seen).toHaveLength(3);
  });

  it('does not make a new version when a day is restated as it already is', async () => {
    const service = api.app.get(CalendarService);
    const { version } = await service.currentVersioned();
    const res = await api.request('PUT', '/calendar/days/2026-02-16', {
      token: admin,
      body: { kind: 'holiday', name: 'Tết Nguyên đán Bính Ngọ' },
    });
    expect(res.status).toBe(200);
    expect((await service.currentVersioned()).version).toBe(version);
  });

  it('changes the working hours, which moves deadlines, and restores them', async () => {
    const friday = { start: '2026-01-16T16:00:00+07:00', amount: 1, unit: 'working_days' };
    expect((await due(friday)).body.dueAt).toBe('2026-01-19T16:00:00+07:00');
    // Hours apply from `effectiveFrom` (without it: from today); this change reaches back to January 2026.
    const sixDays = {
      effectiveFrom: '2026-01-01',
      weekdays: [6, 1, 2, 3, 4, 5],
      periods: [
        ['07:30', '11:30'],
        ['13:00', '17:00'],
      ],
    };
    const put = await api.request('PUT', '/calendar/working-hours', { token: admin, body: sixDays });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ weekdays: [1, 2, 3, 4, 5, 6], periods: sixDays.periods });
    const schedule = (await api.request('GET', '/calendar/working-hours/schedule', { token: clerk })).body;
    expect(schedule.find((h: { effectiveFrom: string }) => h.effectiveFrom === '2026-01-01').weekdays).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect((await due(friday)).body.dueAt).toBe('2026-01-17T16:00:00+07:00');
    const restored = await api.request('PUT', '/calendar/working-hours', {
      token: admin,
      body: { ...sixDays, weekdays: [1, 2, 3, 4, 5] },
    });
    expect(restored.status).toBe(200);
    expect((await due(friday)).body.dueAt).toBe('2026-01-19T16:00:00+07:00');
  });

  it('refuses invalid working hours with 400 VALIDATION_FAILED and keeps the stored ones', async () => {
    const ok = {
      weekdays: [1, 2, 3, 4, 5],
      periods: [
        ['07:30', '11:30'],
        ['13:00', '17:00'],
      ],
    };
    const cases: [unknown, string][] = [
      [
        {
          ...ok,
          periods: [
            ['07:30', '11:30'],
            ['11:00', '17:00'],
          ],
        },
        'periods',
      ], // overlapping
      [
        {
          ...ok,
          periods: [
            ['13:00', '17:00'],
            ['07:30', '11:30'],
          ],
        },
        'periods',
      ], // not sorted
      [{ ...ok, periods: [['11:30', '07:30']] }, 'periods'], // end before start
      [{ ...ok, periods: [['07:30', '07:30']] }, 'periods'], // empty period
      [{ ...ok, periods: [['7:30', '11:30']] }, 'periods'], // not HH:MM
      [{ ...ok, periods: [['07:30', '25:00']] }, 'periods'],
      [{ ...ok, periods: [['07:30']] }, 'periods'],
      [{ ...ok, periods: [] }, 'periods'],
      [{ ...ok, periods: '07:30-17:00' }, 'periods'],
      [{ ...ok, weekdays: [1, 1, 2] }, 'weekdays'],
      [{ ...ok, weekdays: [0, 1] }, 'weekdays'],
      [{ ...ok, weekdays: [8] }, 'weekdays'],
      [{ ...ok, weekdays: [] }, 'weekdays'],
      [{ ...ok, weekdays: ['1'] }, 'weekdays'],
      [{ periods: ok.periods }, 'weekdays'],
      [{ ...ok, timezone: 'UTC' }, 'timezone'],
    ];
    for (const [body, field] of cases) {
      const res = await api.request('PUT', '/calendar/working-hours', { token: admin, body });
      expect({ body, status: res.status, code: res.body.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const overlap = await api.request('PUT', '/calendar/working-hours', { token: admin, body: cases[0][0] });
    expect(overlap.body.details.find((d: { field: string }) => d.field === 'periods').message).toMatch(/chồng lấn/);
    expect((await api.request('GET', '/calendar/working-hours', { token: admin })).body).toMatchObject(ok);
  });

  it('validates the days query and the date in the path', async () => {
    const bad = [
      '/calendar/days?from=2026-01-01',
      '/calendar/days?to=2026-01-01',
      '/calendar/days?from=2026-02-30&to=2026-03-01',
      '/calendar/days?from=2026-03-01&to=2026-02-01',
      '/calendar/days?from=2020-01-01&to=2030-01-02',
      '/calendar/days?from=1999-01-01&to=2000-01-01',
    ];
    for (const url of bad) {
      const res = await api.request('GET', url, { token: clerk });
      expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await api.request('GET', '/calendar/days?from=2020-01-01&to=2030-01-01', { token: clerk })).status).toBe(
      200,
    );
    const writes: [string, unknown][] = [
      ['/calendar/days/2026-13-01', { kind: 'holiday', name: 'x' }],
      ['/calendar/days/26-01-01', { kind: 'holiday', name: 'x' }],
      ['/calendar/days/1999-01-01', { kind: 'holiday', name: 'x' }],
      ['/calendar/days/2026-03-02', { kind: 'vacation', name: 'x' }],
      ['/calendar/days/2026-03-02', { kind: 'holiday', name: '   ' }],
      ['/calendar/days/2026-03-02', { kind: 'holiday' }],
    ];
    for (const [url, body] of writes) {
      const res = await api.request('PUT', url, { token: admin, body });
      expect({ url, body, status: res.status, code: res.body.code }).toEqual({
        url,
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
  });

  it('refuses calendar edits and the change log to non-admins (403) and lets every signed-in role read', async () => {
    const writes = [
      api.request('PUT', '/calendar/days/2026-03-02', {
        token: clerk,
        body: { kind: 'holiday', name: 'Không được phép' },
      }),
      api.request('DELETE', '/calendar/days/2026-02-16', { token: clerk }),
      api.request('PUT', '/calendar/working-hours', {
        token: clerk,
        body: { weekdays: [1], periods: [['07:30', '11:30']] },
      }),
      api.request('GET', '/calendar/changes', { token: clerk }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    expect(
      (await api.request('GET', '/calendar/days?from=2026-02-16&to=2026-02-16', { token: clerk })).body,
    ).toHaveLength(1);
    const officer = (await userWithRole(api, admin, 'officer1', 'officer', 'H15.50')).token;
    for (const url of [
      '/calendar/days?from=2026-01-01&to=2026-01-31',
      '/calendar/working-hours',
      dueUrl(EXAMPLE_TET),
    ]) {
      expect((await api.request('GET', url, { token: officer })).status).toBe(200);
    }
    expect((await api.request('GET', '/calendar/working-hours')).status).toBe(401);
  });

  it('pages through the change log, newest first', async () => {
    const first = await api.request('GET', '/calendar/changes?limit=2', { token: admin });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await api.request('GET', `/calendar/changes?limit=500&cursor=${first.body.nextCursor}`, {
      token: admin,
    });
    const versions = [...first.body.items, ...next.body.items].map((c: { version: number }) => c.version);
    const newest = (await api.app.get(CalendarService).currentVersioned()).version;
    expect(versions).toEqual(Array.from({ length: newest }, (_, i) => newest - i));
    expect(next.body.nextCursor).toBeNull();
    expect(next.body.items.at(-1)).toMatchObject({ version: 1, kind: 'seed', actorUserId: null });
    expect((await api.request('GET', '/calendar/changes?cursor=garbage', { token: admin })).status).toBe(400);
  });

  it('records every calendar edit in the audit trail', async () => {
    const rows: { action: string; actor_user_id: string | null }[] = await api.app
      .get(DataSource)
      .query(`SELECT action, actor_user_id FROM audit_log WHERE action LIKE 'calendar.%'`);
    const actions = new Set(rows.map((r) => r.action));
    expect(actions).toEqual(new Set(['calendar.day_set', 'calendar.day_deleted', 'calendar.working_hours_set']));
    expect(rows.every((r) => r.actor_user_id !== null)).toBe(true);
  });

  it('describes the calendar endpoints in the OpenAPI document', async () => {
    const doc = await api.request('GET', '/docs-json');
    for (const path of [
      '/api/v1/calendar/days',
      '/api/v1/calendar/days/{date}',
      '/api/v1/calendar/working-hours',
      '/api/v1/calendar/due',
      '/api/v1/calendar/changes',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(Object.keys(doc.body.components.schemas)).toEqual(
      expect.arrayContaining(['DueResponseDto', 'WorkingHoursDto', 'CalendarDayDto', 'CalendarChangePageDto']),
    );
  });
});
