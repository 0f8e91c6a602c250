import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { DossiersService } from '../../src/dossiers/dossiers.service';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';

/** A deterministic history generator: valid shapes of every kind, and invalid ones of every kind. */
function histories(n: number) {
  const valid: Record<string, unknown>[] = [];
  const items: { body: Record<string, unknown>; valid: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    const day = 2 + (i % 20); // March 2026
    const d = `2026-03-${String(day).padStart(2, '0')}`;
    const base = { ...intakeBody({ summary: `Hồ sơ nhập ${i}` }), receivedAt: `${d}T08:00:00+07:00` };
    const at = (h: number) => new Date(Date.parse(`${d}T08:00:00+07:00`) + h * 3_600_000).toISOString();
    const kind = i % 10;
    let body: Record<string, unknown>;
    let ok = true;
    switch (kind) {
      case 0: // resolved and returned
        body = {
          ...base,
          events: [
            { action: 'forward', at: at(1) },
            { action: 'forward', at: at(5) },
            { action: 'resolve', at: at(20), resultSummary: 'Cấp phép', electronicResult: true },
            { action: 'return', at: at(30) },
          ],
        };
        break;
      case 1: // paused
        body = {
          ...base,
          events: [
            { action: 'forward', at: at(1) },
            { action: 'request_supplement', at: at(2), reason: 'Thiếu', items: ['Bản vẽ'] },
          ],
        };
        break;
      case 2: // open, just received
        body = { ...base, events: [] };
        break;
      case 3: // withdrawn
        body = { ...base, events: [{ action: 'withdraw', at: at(3), reason: 'Rút' }] };
        break;
      case 4: // late resolution after a payment round
        body = {
          ...base,
          events: [
            { action: 'request_payment', at: at(1), amount: 500000 },
            { action: 'confirm_payment', at: at(2), paidOnline: true },
            { action: 'resolve', at: at(200), resultSummary: 'x', electronicResult: false },
          ],
        };
        break;
      case 5: // invalid: return before resolve
        body = { ...base, events: [{ action: 'return', at: at(1) }] };
        ok = false;
        break;
      case 6: // invalid: events out of order
        body = {
          ...base,
          events: [
            { action: 'forward', at: at(5) },
            { action: 'forward', at: at(1) },
          ],
        };
        ok = false;
        break;
      case 7: // invalid: event before reception
        body = { ...base, events: [{ action: 'forward', at: at(-2) }] };
        ok = false;
        break;
      case 8: // invalid: unknown procedure, or unknown action, or a status smuggled in
        body =
          i % 3 === 0
            ? { ...base, procedureCode: '9.999999', events: [] }
            : i % 3 === 1
              ? { ...base, events: [{ action: 'teleport', at: at(1) }] }
              : { ...base, status: 'resolved', events: [] };
        ok = false;
        break;
      default: // extension then resolution
        body = {
          ...base,
          events: [
            {
              action: 'extend',
              at: at(2),
              newPromisedAt: `2026-04-30T17:00:00+07:00`,
              reason: 'Phối hợp',
              responsibleUnitCode: 'H15.50.01',
            },
            { action: 'resolve', at: at(40), resultSummary: 'x', electronicResult: true },
          ],
        };
    }
    items.push({ body, valid: ok });
    if (ok) valid.push(body);
  }
  return items;
}

describe('import of dossier histories', () => {
  let api: Api;
  let p: Province;

  beforeAll(async () => {
    api = await startApi({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
    p = await buildProvince(api);
  });
  afterAll(() => api.close());

  const post = (dossiers: unknown[], token = p.admin) =>
    api.request('POST', '/imports/dossiers', { token, body: { dossiers } });

  it('imports 1,000 mixed histories, reporting each invalid one with its reason and loading the rest', async () => {
    const items = histories(1000);
    const res = await post(items.map((x) => x.body));
    expect(res.status).toBe(200);
    const expectedFailures = items.map((x, i) => (x.valid ? -1 : i)).filter((i) => i >= 0);
    expect(res.body.imported).toBe(1000 - expectedFailures.length);
    expect(res.body.failed.map((f: { index: number }) => f.index)).toEqual(expectedFailures);
    for (const f of res.body.failed) expect(f.message.length).toBeGreaterThan(3);
    const byIndex = new Map(res.body.failed.map((f: { index: number; message: string }) => [f.index, f.message]));
    expect(byIndex.get(5)).toMatch(/return/);
    expect(byIndex.get(6)).toMatch(/thứ tự thời gian/);
    expect(byIndex.get(7)).toMatch(/trước thời điểm tiếp nhận/);
    expect(byIndex.get(8)).toMatch(/status is not an allowed field/);
    expect(byIndex.get(18)).toMatch(/9\.999999/);
    expect(byIndex.get(28)).toMatch(/teleport/);

    // Statuses, due instants and outcomes are computed by the fold.
    const ds = api.app.get(DataSource);
    const counts: { status: string; outcome: string | null; n: number }[] = await ds.query(
      `SELECT status, outcome, count(*)::int AS n FROM dossiers GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const get = (status: string, outcome: string | null) =>
      counts.find((c) => c.status === status && c.outcome === outcome)?.n ?? 0;
    expect(get('returned', 'early') + get('returned', 'on_time')).toBe(100);
    expect(get('awaiting_supplement', null)).toBe(100);
    expect(get('received', null)).toBe(100);
    expect(get('withdrawn', 'early') + get('withdrawn', 'on_time')).toBe(100);
    expect(get('resolved', 'late')).toBe(100);
    const events = await ds.query(`SELECT count(*)::int AS n FROM dossier_events`);
    expect(events[0].n).toBe(100 * 5 + 100 * 3 + 100 + 100 * 2 + 100 * 4 + 100 * 3);
    // Generated codes are distinct and follow the unit's daily sequence.
    const codes = await ds.query(`SELECT count(DISTINCT code)::int AS n, count(*)::int AS total FROM dossiers`);
    expect(codes[0].n).toBe(codes[0].total);
  });

  it('produces the same projection as a rebuild from the stored events', async () => {
    const ds = api.app.get(DataSource);
    const before = await ds.query(`SELECT * FROM dossiers ORDER BY id LIMIT 60`);
    for (const row of before) await api.app.get(DossiersService).rebuild(row.id);
    const after = await ds.query(`SELECT * FROM dossiers ORDER BY id LIMIT 60`);
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ updated_at: _u, ...rest }) => rest);
    expect(strip(after)).toEqual(strip(before));
  });

  it('treats a repeated feed as a no-op and appends only the events it has not seen', async () => {
    const code = 'H15.50-260310-7001';
    const history = {
      ...intakeBody(),
      code,
      receivedAt: '2026-03-10T08:00:00+07:00',
      events: [{ action: 'forward', at: '2026-03-10T09:00:00+07:00', externalId: 'src-1' }],
    };
    expect((await post([history])).body).toMatchObject({ imported: 1, failed: [] });
    expect((await post([history])).body).toMatchObject({ imported: 0, unchanged: 1, failed: [] });
    const more = {
      ...history,
      events: [
        ...history.events,
        {
          action: 'resolve',
          at: '2026-03-11T09:00:00+07:00',
          externalId: 'src-2',
          resultSummary: 'x',
          electronicResult: true,
        },
      ],
    };
    expect((await post([more])).body).toMatchObject({ imported: 0, appended: 1, failed: [] });
    const list = await api.request('GET', `/dossiers?code=${code}`, { token: p.admin });
    expect(list.body.items[0]).toMatchObject({ status: 'resolved', version: 3, outcome: 'early' });
    // A later live intake of that unit and day does not reuse the imported number.
    const ds = api.app.get(DataSource);
    const seq = await ds.query(
      `SELECT last FROM dossier_code_sequences s JOIN units u ON u.id = s.unit_id WHERE u.code = 'H15.50' AND day = '2026-03-10'`,
    );
    expect(seq[0].last).toBeGreaterThanOrEqual(7001);
  });

  it('checks each event payload with the live action rules: unknown keys and instants without an offset refused', async () => {
    const base = { ...intakeBody(), receivedAt: '2026-03-16T08:00:00+07:00' };
    const extend = {
      action: 'extend',
      at: '2026-03-17T09:00:00+07:00',
      newPromisedAt: '2026-03-25T17:00:00+07:00',
      reason: 'Phối hợp',
      responsibleUnitCode: 'H15.50.01',
    };
    const res = await post([
      { ...base, events: [{ ...extend, newPromisedAt: '2026-03-25T17:00:00' }] },
      { ...base, events: [{ action: 'forward', at: '2026-03-16T09:00:00+07:00', status: 'resolved' }] },
      { ...base, events: [{ action: 'request_payment', at: '2026-03-16T09:00:00+07:00', amount: 1.5 }] },
      { ...base, events: [{ action: 'forward', at: '2026-03-16T09:00:00+07:00', expectedVersion: 1 }] },
      { ...base, events: [extend] },
    ]);
    expect(res.body.imported).toBe(1);
    expect(res.body.failed.map((f: { index: number }) => f.index)).toEqual([0, 1, 2, 3]);
    const [offset, unknown, amount, version] = res.body.failed.map((f: { message: string }) => f.message);
    expect(offset).toMatch(/sự kiện #1 \(extend\): newPromisedAt must be an ISO-8601 instant with an offset/);
    expect(unknown).toMatch(/sự kiện #1 \(forward\): status is not an allowed field/);
    expect(amount).toMatch(/sự kiện #1 \(request_payment\): amount/);
    expect(version).toMatch(/expectedVersion is not an allowed field/);
  });

  it('moves the sequence of the day a given code names, which may not be the reception day', async () => {
    // A source's code dated 10/04 (its own submission date) on a dossier received 08/04.
    const given = { ...intakeBody(), code: 'H15.50-260410-0007', receivedAt: '2026-04-08T08:00:00+07:00', events: [] };
    expect((await post([given])).body.failed).toEqual([]);
    // The first live code of 10/04 follows it (it was 0001, and the seventh intake that day collided).
    const at = new Date('2026-04-10T09:00:00+07:00');
    api.app.get(Clock).now = () => at;
    const live = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    expect(live.status).toBe(201);
    expect(live.body.code).toBe('H15.50-260410-0008');
    // A code naming no date is refused with its reason.
    const bad = await post([{ ...given, code: 'H15.50-261340-0001' }]);
    expect(bad.body.failed).toEqual([
      expect.objectContaining({ index: 0, message: expect.stringContaining('yyMMdd') }),
    ]);
  });

  it('refuses more than 10,000 dossiers per call and non-admins', async () => {
    expect((await post(new Array(10_001).fill({}))).status).toBe(400);
    expect((await post([], p.tokens.head)).status).toBe(403);
  });
});
