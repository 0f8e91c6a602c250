import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { DossiersService } from '../../src/dossiers/dossiers.service';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';

describe('dossier lifecycle over HTTP', () => {
  let api: Api;
  let p: Province;
  let clock: Clock;
  const setNow = (local: string) => {
    const at = new Date(`${local}+07:00`);
    clock.now = () => at;
  };

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    clock = api.app.get(Clock);
  });
  afterAll(() => api.close());

  const intake = async (token = p.tokens.clerk, body = intakeBody(), headers?: Record<string, string>) =>
    api.request('POST', '/dossiers', { token, body, headers });
  const act = (
    id: string,
    action: string,
    token: string,
    body: Record<string, unknown>,
    headers?: Record<string, string>,
  ) => api.request('POST', `/dossiers/${id}/actions/${action}`, { token, body, headers });
  const events = async (id: string) => (await api.request('GET', `/dossiers/${id}/events`, { token: p.admin })).body;

  it('receives a dossier: code from the unit daily sequence, appointment from the calendar, lookup key once', async () => {
    setNow('2026-02-13T10:00:00');
    const res = await intake();
    expect(res.status).toBe(201);
    const d = res.body;
    expect(d.code).toMatch(/^H15\.50-260213-\d{4}$/);
    expect(d).toMatchObject({
      status: 'received',
      version: 1,
      receivedAt: '2026-02-13T10:00:00+07:00',
      clockStart: '2026-02-13T10:00:00+07:00',
      dueAt: '2026-02-25T10:00:00+07:00',
      timeliness: 'within',
      remainingWorkingMinutes: 24 * 60,
      currentStep: { index: 0, name: 'Tiếp nhận', unitCode: 'H15.50', dueAt: '2026-02-13T15:30:00+07:00' },
    });
    expect(d.lookupKey).toMatch(/^[A-Z2-9]{12}$/);
    const again = await api.request('GET', `/dossiers/${d.id}`, { token: p.tokens.clerk });
    expect(again.status).toBe(200);
    expect(again.body.lookupKey).toBeUndefined();
    // Stored hashed: the key itself is nowhere in the database row.
    const rows = await api.app
      .get(DataSource)
      .query(`SELECT row_to_json(d)::text AS j FROM dossiers d WHERE id = $1`, [d.id]);
    expect(rows[0].j).not.toContain(d.lookupKey);
  });

  it('walks a dossier from intake to the return of its result, with a gap-free event log', async () => {
    setNow('2026-03-02T08:00:00');
    const d = (await intake()).body;
    setNow('2026-03-02T09:00:00');
    let r = await act(d.id, 'forward', p.tokens.clerk, { expectedVersion: 1, assigneeUserId: p.userIds.officer });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'in_progress',
      version: 2,
      currentStep: { index: 1, unitCode: 'H15.50.01', assigneeUserId: p.userIds.officer },
    });
    setNow('2026-03-03T09:00:00');
    r = await act(d.id, 'forward', p.tokens.officer, { expectedVersion: 2 });
    expect(r.body.currentStep).toMatchObject({ index: 2, unitCode: 'H15.50.02' });
    setNow('2026-03-03T10:00:00');
    r = await act(d.id, 'resolve', p.tokens.signer, {
      expectedVersion: 3,
      resultSummary: 'Đã cấp giấy phép',
      electronicResult: true,
    });
    expect(r.body).toMatchObject({
      status: 'resolved',
      outcome: 'early',
      endedAt: '2026-03-03T10:00:00+07:00',
      currentStep: null,
      timeliness: null,
    });
    expect(r.body.flags.electronicResult).toBe(true);
    setNow('2026-03-05T14:00:00');
    r = await act(d.id, 'return', p.tokens.clerk, { expectedVersion: 4 });
    expect(r.body).toMatchObject({ status: 'returned', version: 5, endedAt: '2026-03-03T10:00:00+07:00' });
    const log = await events(d.id);
    expect(log.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(log.map((e: { action: string }) => e.action)).toEqual(['intake', 'forward', 'forward', 'resolve', 'return']);
    expect(log[3]).toMatchObject({
      fromStatus: 'in_progress',
      toStatus: 'resolved',
      payload: { resultSummary: 'Đã cấp giấy phép', electronicResult: true },
    });
    const slip = await api.request('GET', `/dossiers/${d.id}/control-slip`, { token: p.tokens.clerk });
    expect(slip.body.map((s: { stepIndex: number; result: string }) => [s.stepIndex, s.result])).toEqual([
      [0, 'on_time'],
      [1, 'on_time'],
      [2, 'on_time'],
    ]);
  });

  it('refuses a move not allowed in the status with TRANSITION_NOT_ALLOWED and leaves no trace', async () => {
    setNow('2026-03-02T08:00:00');
    const d = (await intake()).body;
    const r = await act(d.id, 'return', p.tokens.clerk, { expectedVersion: 1 });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('TRANSITION_NOT_ALLOWED');
    const after = await api.request('GET', `/dossiers/${d.id}`, { token: p.tokens.clerk });
    expect(after.body.version).toBe(1);
    expect(await events(d.id)).toHaveLength(1);
    const ended = await act(d.id, 'withdraw', p.tokens.clerk, { expectedVersion: 1, reason: 'Công dân rút' });
    expect(ended.body.status).toBe('withdrawn');
    for (const action of ['forward', 'resolve', 'extend', 'request_supplement', 'withdraw']) {
      const body: Record<string, unknown> = { expectedVersion: 2 };
      if (action === 'resolve') Object.assign(body, { resultSummary: 'x', electronicResult: false });
      if (action === 'extend')
        Object.assign(body, { newPromisedAt: '2026-04-01T10:00:00+07:00', reason: 'x', responsibleUnitCode: 'H15.50' });
      if (action === 'request_supplement') Object.assign(body, { reason: 'x', items: ['a'] });
      const res = await act(d.id, action, p.admin, body);
      expect([action, res.status, res.body.code]).toEqual([action, 409, 'TRANSITION_NOT_ALLOWED']);
    }
    expect(await events(d.id)).toHaveLength(2);
  });

  it('answers a stale expectedVersion with VERSION_CONFLICT', async () => {
    const d = (await intake()).body;
    await act(d.id, 'forward', p.tokens.clerk, { expectedVersion: 1 });
    const r = await act(d.id, 'forward', p.tokens.officer, { expectedVersion: 1 });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('VERSION_CONFLICT');
  });

  it('validates action payloads and names', async () => {
    const d = (await intake()).body;
    const extra = await act(d.id, 'forward', p.tokens.clerk, { expectedVersion: 1, sneaky: true });
    expect(extra.status).toBe(400);
    expect(extra.body.details.map((x: { field: string }) => x.field)).toContain('sneaky');
    const unknown = await act(d.id, 'teleport', p.tokens.clerk, { expectedVersion: 1 });
    expect(unknown.status).toBe(400);
    const missing = await act(d.id, 'request_supplement', p.tokens.officer, { expectedVersion: 1 });
    expect(missing.status).toBe(400);
    expect(new Set(missing.body.details.map((x: { field: string }) => x.field))).toEqual(new Set(['items', 'reason']));
  });

  it('hides dossiers of other units (404) and refuses actions the role may not take (403)', async () => {
    const d = (await intake()).body;
    expect((await api.request('GET', `/dossiers/${d.id}`, { token: p.tokens.otherClerk })).status).toBe(404);
    expect((await act(d.id, 'forward', p.tokens.otherClerk, { expectedVersion: 1 })).status).toBe(404);
    expect((await act(d.id, 'withdraw', p.tokens.headOther, { expectedVersion: 1 })).status).toBe(404);
    const list = await api.request('GET', '/dossiers', { token: p.tokens.otherClerk });
    expect(list.body.items).toEqual([]);
    // The officer of the appraisal division sees it (a step of theirs) but may not act at the counter step.
    expect((await api.request('GET', `/dossiers/${d.id}`, { token: p.tokens.officer })).status).toBe(200);
    expect((await act(d.id, 'forward', p.tokens.officer, { expectedVersion: 1 })).status).toBe(403);
    expect((await act(d.id, 'forward', p.tokens.board, { expectedVersion: 1 })).status).toBe(403);
    expect((await api.request('GET', `/dossiers/${d.id}`, { token: p.tokens.board })).status).toBe(200);
    // Counter staff may not receive for another unit.
    const foreign = await intake(p.tokens.otherClerk);
    expect(foreign.status).toBe(403);
    // A malformed id is answered like an unknown one.
    expect((await api.request('GET', '/dossiers/not-a-uuid', { token: p.tokens.clerk })).status).toBe(404);
  });

  it('gives exactly one success to 20 concurrent actions with the same expectedVersion', async () => {
    const d = (await intake()).body;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => act(d.id, 'forward', p.tokens.clerk, { expectedVersion: 1 })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'VERSION_CONFLICT')).toBe(true);
    expect((await events(d.id)).map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
  });

  it('gives 20 concurrent intakes 20 distinct consecutive codes', async () => {
    setNow('2026-05-04T09:00:00');
    const results = await Promise.all(Array.from({ length: 20 }, () => intake()));
    expect(results.every((r) => r.status === 201)).toBe(true);
    const numbers = results.map((r) => Number(r.body.code.split('-').pop())).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => numbers[0] + i));
    expect(results.every((r) => r.body.code.startsWith('H15.50-260504-'))).toBe(true);
  });

  it('returns the first dossier for a repeated Idempotency-Key, even when the repeats race', async () => {
    const key = { 'idempotency-key': 'intake-abc-1' };
    const first = await intake(p.tokens.clerk, intakeBody(), key);
    const repeats = await Promise.all(Array.from({ length: 5 }, () => intake(p.tokens.clerk, intakeBody(), key)));
    for (const r of repeats) {
      expect(r.status).toBe(201);
      expect(r.body.id).toBe(first.body.id);
      expect(r.body.code).toBe(first.body.code);
    }
    const count = await api.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM dossiers WHERE code = $1`, [first.body.code]);
    expect(count[0].n).toBe(1);
    const racing = await Promise.all(
      Array.from({ length: 5 }, () => intake(p.tokens.clerk, intakeBody(), { 'idempotency-key': 'race-1' })),
    );
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    const reused = await intake(p.tokens.clerk, intakeBody({ summary: 'khác' }), key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Actions too: the repeat answers like the first and appends nothing.
    const a1 = await act(
      first.body.id,
      'forward',
      p.tokens.clerk,
      { expectedVersion: 1 },
      { 'idempotency-key': 'fwd-1' },
    );
    const a2 = await act(
      first.body.id,
      'forward',
      p.tokens.clerk,
      { expectedVersion: 1 },
      { 'idempotency-key': 'fwd-1' },
    );
    expect(a1.status).toBe(200);
    expect(a2.status).toBe(200);
    expect(a2.body.version).toBe(2);
    expect(await events(first.body.id)).toHaveLength(2);
  });

  it('replays a forward with an assignee (next step by default) for a repeated Idempotency-Key', async () => {
    const d = (await intake()).body;
    // To the appraisal step (H15.50.01) with its officer; on the retry the dossier is already there.
    const body = { expectedVersion: 1, assigneeUserId: p.userIds.officer };
    const key = { 'idempotency-key': 'fwd-assignee-1' };
    const first = await act(d.id, 'forward', p.tokens.clerk, body, key);
    expect(first.status).toBe(200);
    const retry = await act(d.id, 'forward', p.tokens.clerk, body, key);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(await events(d.id)).toHaveLength(2);
    // Without a key, the assignee is still checked against the step the dossier would move to.
    const wrongUnit = await act(d.id, 'forward', p.tokens.officer, {
      expectedVersion: 2,
      assigneeUserId: p.userIds.officer,
    });
    expect(wrongUnit.status).toBe(400);
    expect(wrongUnit.body.details).toEqual([expect.objectContaining({ field: 'assigneeUserId' })]);
  });

  it('pauses the clock while waiting for a supplement, across Tết, and restarts the whole limit on the supplement (Decree 118/2025 Art. 19.5)', async () => {
    setNow('2026-02-09T08:00:00');
    const d = (await intake()).body;
    expect(d.dueAt).toBe('2026-02-12T08:00:00+07:00');
    setNow('2026-02-10T08:00:00');
    const paused = await act(d.id, 'request_supplement', p.tokens.head, {
      expectedVersion: 1,
      reason: 'Thiếu bản vẽ',
      items: ['Bản vẽ mặt bằng'],
    });
    expect(paused.body).toMatchObject({
      status: 'awaiting_supplement',
      dueAt: null,
      remainingWorkingMinutes: 16 * 60,
      usedWorkingMinutes: 8 * 60,
    });
    setNow('2026-02-23T08:00:00');
    const resumed = await act(d.id, 'receive_supplement', p.tokens.clerk, { expectedVersion: 2 });
    // The full 24 h again from Mon 23/02 08:00: Mon 7.5 h, Tue 8 h, Wed 8 h, Thu 07:30 + 0.5 h.
    // (Before Decree 118 the 16 h left would have given Wed 25/02 08:00.)
    expect(resumed.body).toMatchObject({
      status: 'received',
      dueAt: '2026-02-26T08:00:00+07:00',
      supplementCount: 1,
      policyVersion: 'nd118-2025',
    });
    expect(resumed.body.pausedWorkingMinutes).toBe((7.5 + 8 + 8 + 8 + 0.5) * 60);
  });

  it('lets a unit head extend once before the due instant, keeping the statutory due instant', async () => {
    setNow('2026-03-02T08:00:00');
    const d = (await intake()).body;
    setNow('2026-03-04T09:00:00');
    const body = {
      expectedVersion: 1,
      // Sent in UTC: answers give every instant in +07:00.
      newPromisedAt: '2026-03-10T10:00:00Z',
      reason: 'Cần lấy ý kiến phối hợp',
      responsibleUnitCode: 'H15.50.01',
    };
    expect((await act(d.id, 'extend', p.tokens.clerk, body)).status).toBe(403);
    const ext = await act(d.id, 'extend', p.tokens.head, body);
    expect(ext.status).toBe(200);
    expect(ext.body).toMatchObject({
      dueAt: '2026-03-05T08:00:00+07:00',
      promisedAt: '2026-03-10T17:00:00+07:00',
      extensionCount: 1,
    });
    const why = (await api.request('GET', `/dossiers/${d.id}/deadline`, { token: p.tokens.head })).body;
    expect(why.extensions).toEqual([
      {
        at: '2026-03-04T09:00:00+07:00',
        newPromisedAt: '2026-03-10T17:00:00+07:00',
        reason: 'Cần lấy ý kiến phối hợp',
      },
    ]);
    const second = await act(d.id, 'extend', p.tokens.head, {
      ...body,
      expectedVersion: 2,
      newPromisedAt: '2026-03-12T17:00:00+07:00',
    });
    expect(second.status).toBe(422);
    expect(second.body.code).toBe('RULE_VIOLATION');
  });

  it('lets only a head of the responsible unit, one of the units of the dossier, issue the extension', async () => {
    const created = await api.request('POST', '/users', {
      token: p.admin,
      body: {
        username: 'head0501',
        password: 'head0501-password',
        fullName: 'Trưởng phòng Quản lý xây dựng',
        role: 'unit_head',
        unitCode: 'H15.50.01',
      },
    });
    expect(created.status).toBe(201);
    const head01 = await api.login('head0501', 'head0501-password');
    setNow('2026-03-16T08:00:00');
    const d = (await intake()).body;
    setNow('2026-03-16T09:00:00');
    expect((await act(d.id, 'forward', p.tokens.clerk, { expectedVersion: 1 })).status).toBe(200);
    const body = { expectedVersion: 2, newPromisedAt: '2026-03-25T17:00:00+07:00', reason: 'Cần xác minh' };
    setNow('2026-03-17T09:00:00');
    // The appraisal division's head holds the current step, but the signing office is not theirs.
    const notTheirs = await act(d.id, 'extend', head01, { ...body, responsibleUnitCode: 'H15.50.02' });
    expect(notTheirs.status).toBe(403);
    expect(notTheirs.body.code).toBe('FORBIDDEN');
    // A unit that takes no part in the dossier cannot be the responsible unit, whoever signs.
    const unrelated = await act(d.id, 'extend', p.tokens.head, { ...body, responsibleUnitCode: 'H15.60' });
    expect(unrelated.status).toBe(400);
    expect(unrelated.body.details).toEqual([expect.objectContaining({ field: 'responsibleUnitCode' })]);
    const own = await act(d.id, 'extend', head01, { ...body, responsibleUnitCode: 'H15.50.01' });
    expect(own.status).toBe(200);
    expect(own.body.extensionCount).toBe(1);
  });

  it('filters by status and timeliness and pages with a cursor', async () => {
    setNow('2026-06-15T09:00:00');
    const all = await api.request('GET', '/dossiers?timeliness=overdue&limit=500', { token: p.admin });
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThan(0);
    expect(all.body.items.every((d: { timeliness: string }) => d.timeliness === 'overdue')).toBe(true);
    const received = await api.request('GET', '/dossiers?status=received,in_progress&limit=3', {
      token: p.tokens.clerk,
    });
    expect(received.body.items).toHaveLength(3);
    const seen = new Set<string>(received.body.items.map((d: { id: string }) => d.id));
    let cursor = received.body.nextCursor;
    while (cursor) {
      const page = await api.request('GET', `/dossiers?status=received,in_progress&limit=3&cursor=${cursor}`, {
        token: p.tokens.clerk,
      });
      for (const d of page.body.items) {
        expect(seen.has(d.id)).toBe(false);
        seen.add(d.id);
        expect(['received', 'in_progress']).toContain(d.status);
      }
      cursor = page.body.nextCursor;
    }
    const direct = await api.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM dossiers WHERE status IN ('received','in_progress')`);
    expect(seen.size).toBe(direct[0].n);
    const bad = await api.request('GET', '/dossiers?cursor=%%%', { token: p.tokens.clerk });
    expect(bad.status).toBe(400);
  });

  it('refuses to delete a unit that dossiers name', async () => {
    const units = await api.request('GET', '/units?limit=500', { token: p.admin });
    const appraisal = units.body.items.find((u: { code: string }) => u.code === 'H15.50.02');
    const res = await api.request('DELETE', `/units/${appraisal.id}`, { token: p.admin });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('IN_USE');
    expect(res.body.details.map((d: { reason: string }) => d.reason)).toContain('dossiers');
  });

  it('rebuilds every projection row exactly from the events', async () => {
    const ds = api.app.get(DataSource);
    const snapshot = async () => ds.query(`SELECT * FROM dossiers ORDER BY id`);
    const before = await snapshot();
    const service = api.app.get(DossiersService);
    for (const row of before) await service.rebuild(row.id);
    const after = await snapshot();
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ updated_at: _u, ...rest }) => rest);
    expect(strip(after)).toEqual(strip(before));
    expect(before.length).toBeGreaterThan(30);
  });
});
