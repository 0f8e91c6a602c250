import { DataSource } from 'typeorm';
import { FeedbackOverdueScan } from '../../src/public/feedback-overdue.scan';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';
import { citizen, clockOf, intake, Intaken, resolveNow, withoutRequestId } from './support';

const t = (local: string) => new Date(`${local}+07:00`);

describe('feedback on a dossier (phản ánh, kiến nghị)', () => {
  let api: Api;
  let p: Province;
  let setNow: (local: string) => void;
  let pub: ReturnType<typeof citizen>;
  let scan: FeedbackOverdueScan;
  let unitIds: Record<string, string>;

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    setNow = clockOf(api);
    pub = citizen(api);
    scan = api.app.get(FeedbackOverdueScan);
    const units = (await api.request('GET', '/units?limit=500', { token: p.admin })).body.items as {
      id: string;
      code: string;
    }[];
    unitIds = Object.fromEntries(units.map((u) => [u.code, u.id]));
    // The construction department (the procedure's handling unit) has a head.
    await api.request('PATCH', `/units/${unitIds['H15.50']}`, { token: p.admin, body: { headUserId: p.userIds.head } });
  });
  afterAll(() => api.close());

  const lodge = (d: Intaken, kind = 'conduct', content = 'Cán bộ hẹn nhiều lần mà chưa trả kết quả') =>
    pub('POST', `${d.code}/feedback`, { lookupKey: d.lookupKey, kind, content });
  const answer = (id: string, token: string, text = 'Đơn vị đã kiểm tra và chấn chỉnh.') =>
    api.request('POST', `/feedback/${id}/answer`, { token, body: { answer: text } });
  const alerts = async (dossierId: string) =>
    (await api.request('GET', `/alerts?kind=feedback_overdue&dossierId=${dossierId}`, { token: p.admin })).body
      .items as {
      id: string;
      recipientUserId: string | null;
      deadlineAt: string;
      closedAt: string | null;
      unitCode: string;
    }[];

  it('gives feedback its own deadline of 15 working days on the calendar, counted over Tết', async () => {
    setNow('2026-02-13T10:00:00');
    const d = await intake(api, p);
    const res = await lodge(d);
    expect(res.status).toBe(201);
    // Fri 13/02: 5.5 h; Tết 14-22/02; 14 working days from Mon 23/02; 2.5 h on Fri 13/03.
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: 'conduct',
      lodgedAt: '2026-02-13T10:00:00+07:00',
      dueAt: '2026-03-13T10:00:00+07:00',
    });
    // Lodged on a Sunday evening: the clock starts on Monday 07:30.
    setNow('2026-03-08T20:00:00');
    expect((await lodge(d, 'other')).body.dueAt).toBe('2026-03-27T17:00:00+07:00');
  });

  it('takes feedback on open and ended dossiers alike, only with the key, and validates it', async () => {
    setNow('2026-03-02T08:00:00');
    const d = await intake(api, p);
    await resolveNow(api, p, d);
    expect((await lodge(d, 'regulation')).status).toBe(201);
    const unknown = await pub('GET', 'H15.50-260302-9999');
    const wrong = await pub('POST', `${d.code}/feedback`, { lookupKey: 'ZZZZZZZZZZZZ', kind: 'other', content: 'x' });
    expect(wrong.status).toBe(404);
    expect(withoutRequestId(wrong.body)).toEqual(withoutRequestId(unknown.body));
    for (const body of [
      { lookupKey: d.lookupKey, kind: 'praise', content: 'x' },
      { lookupKey: d.lookupKey, kind: 'other', content: '   ' },
      { lookupKey: d.lookupKey, kind: 'other', content: 'x'.repeat(4001) },
      { lookupKey: d.lookupKey, kind: 'other' },
      { lookupKey: d.lookupKey, kind: 'other', content: 'x', name: 'Nguyễn Văn Bình' },
    ]) {
      const res = await pub('POST', `${d.code}/feedback`, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
  });

  it('assigns feedback to the handling unit, lists it scoped like dossiers, and lets that unit answer', async () => {
    setNow('2026-03-02T08:00:00');
    const d = await intake(api, p);
    const lodged = (await lodge(d)).body;

    const list = async (token: string, q = '') =>
      (await api.request('GET', `/feedback?dossierId=${d.id}${q}`, { token })).body.items as Record<string, unknown>[];
    const [item] = await list(p.tokens.head, '&open=true');
    expect(item).toEqual({
      id: lodged.id,
      dossierId: d.id,
      dossierCode: d.code,
      unitCode: 'H15.50',
      kind: 'conduct',
      kindLabel: 'Phản ánh về hành vi, thái độ xử lý của cán bộ, công chức, viên chức',
      complaint: true,
      content: 'Cán bộ hẹn nhiều lần mà chưa trả kết quả',
      lodgedAt: '2026-03-02T08:00:00+07:00',
      dueAt: '2026-03-23T08:00:00+07:00',
      overdue: false,
      answer: null,
      upheld: null,
      answeredAt: null,
      answeredByUserId: null,
      answeredOnTime: null,
    });
    expect(await list(p.tokens.board)).toHaveLength(1);
    expect(await list(p.tokens.clerk)).toHaveLength(1);
    expect(await list(p.tokens.otherOfficer)).toHaveLength(0);
    expect(await list(p.tokens.headOther)).toHaveLength(0);
    expect(await list(p.admin, '&unitCode=H15.60')).toHaveLength(0);
    expect(await list(p.admin, '&open=false')).toHaveLength(0);

    // Who may answer: not the counter (role), not another department (cannot see it), not an
    // officer of a division that only handles a step (not the assigned unit); the head may.
    expect((await answer(lodged.id, p.tokens.clerk)).status).toBe(403);
    expect((await answer(lodged.id, p.tokens.board)).status).toBe(403);
    expect((await answer(lodged.id, p.tokens.otherOfficer)).status).toBe(404);
    expect((await answer(lodged.id, p.tokens.headOther)).status).toBe(404);
    expect((await answer(lodged.id, p.tokens.officer)).status).toBe(403);
    expect((await answer('00000000-0000-4000-8000-000000000000', p.tokens.head)).status).toBe(404);
    expect((await answer('not-a-uuid', p.tokens.head)).status).toBe(404);
    const blank = await api.request('POST', `/feedback/${lodged.id}/answer`, {
      token: p.tokens.head,
      body: { answer: ' ' },
    });
    expect(blank.status).toBe(400);
    const empty = await api.request('POST', `/feedback/${lodged.id}/answer`, {
      token: p.tokens.head,
      body: { upheld: true },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.details.map((x: { field: string }) => x.field)).toContain('content');
    const badVerdict = await api.request('POST', `/feedback/${lodged.id}/answer`, {
      token: p.tokens.head,
      body: { content: 'Đã xử lý', upheld: 'yes' },
    });
    expect(badVerdict.status).toBe(400);

    setNow('2026-03-05T14:00:00');
    // The contract's names: the answer's content and the verdict (upheld), kept for the annual record.
    const ok = await api.request('POST', `/feedback/${lodged.id}/answer`, {
      token: p.tokens.head,
      body: { content: 'Đơn vị đã kiểm tra và chấn chỉnh.', upheld: true },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      answer: 'Đơn vị đã kiểm tra và chấn chỉnh.',
      upheld: true,
      answeredAt: '2026-03-05T14:00:00+07:00',
      answeredByUserId: p.userIds.head,
      answeredOnTime: true,
      overdue: false,
    });
    const again = await answer(lodged.id, p.admin, 'Trả lời lần hai');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONFLICT');
    expect(await list(p.tokens.head, '&open=true')).toHaveLength(0);

    // The citizen sees the answer through the public lookup.
    const seen = await pub('GET', d.code);
    expect(seen.body.feedback).toEqual([
      {
        kind: 'conduct',
        kindLabel: 'Phản ánh về hành vi, thái độ xử lý của cán bộ, công chức, viên chức',
        lodgedAt: '2026-03-02T08:00:00+07:00',
        dueAt: '2026-03-23T08:00:00+07:00',
        answeredAt: '2026-03-05T14:00:00+07:00',
        answer: 'Đơn vị đã kiểm tra và chấn chỉnh.',
      },
    ]);
  });

  it('lets an officer of the assigned unit answer', async () => {
    // A procedure handled by the justice department, where the other officer works.
    await api.request('POST', '/procedures', {
      token: p.admin,
      body: {
        code: '2.000001',
        name: 'Cấp phiếu lý lịch tư pháp',
        field: 'Tư pháp',
        unitCode: 'H15.60',
        timeLimit: { amount: 10, unit: 'working_days' },
        steps: [{ name: 'Tiếp nhận', unitCode: 'H15.60', workingHours: 80 }],
        onlineLevel: 'full',
        feeBearing: true,
        paperResultRequired: false,
      },
    });
    setNow('2026-03-02T08:00:00');
    const res = await api.request('POST', '/dossiers', {
      token: p.tokens.otherClerk,
      body: { ...intakeBody(), procedureCode: '2.000001', receivingUnitCode: 'H15.60' },
    });
    expect(res.status).toBe(201);
    const lodged = (await lodge(res.body, 'other')).body;
    expect((await answer(lodged.id, p.tokens.head)).status).toBe(404);
    expect((await answer(lodged.id, p.tokens.otherOfficer)).status).toBe(200);
  });

  it('raises a feedback_overdue alert to the unit head once past the deadline, once, and closes it when answered', async () => {
    setNow('2026-04-01T08:00:00');
    const d = await intake(api, p);
    const lodged = (await lodge(d)).body;
    expect(lodged.dueAt).toBe('2026-04-22T08:00:00+07:00');

    // The scan covers all feedback: a pass just before the deadline raises what earlier tests left open.
    await scan.scan(t('2026-04-22T07:59:00'));
    expect(await alerts(d.id)).toEqual([]);
    expect(await scan.scan(t('2026-04-22T08:00:00'))).toBe(1);
    expect(await scan.scan(t('2026-04-22T08:05:00'))).toBe(0); // a rescan adds nothing
    const [alert] = await alerts(d.id);
    expect(alert).toMatchObject({
      recipientUserId: p.userIds.head,
      unitCode: 'H15.50',
      deadlineAt: '2026-04-22T08:00:00+07:00',
      closedAt: null,
    });
    // In the head's inbox.
    const inbox = await api.request('GET', '/alerts?kind=feedback_overdue&open=true', { token: p.tokens.head });
    expect(inbox.body.items.map((a: { id: string }) => a.id)).toContain(alert.id);
    // Staff see it as overdue.
    setNow('2026-04-23T09:00:00');
    const listed = await api.request('GET', `/feedback?dossierId=${d.id}`, { token: p.tokens.head });
    expect(listed.body.items[0]).toMatchObject({ overdue: true, answeredOnTime: null });

    const ok = await answer(lodged.id, p.tokens.head);
    expect(ok.body).toMatchObject({ answeredOnTime: false, overdue: false });
    expect((await alerts(d.id))[0].closedAt).toBe('2026-04-23T09:00:00+07:00');
    // Answered: never raised again.
    expect(await scan.scan(t('2026-05-01T08:00:00'))).toBe(0);
  });

  it('keeps a shared alert open until every feedback behind it is answered, and closes what answers missed', async () => {
    // Two lodged at the same instant share a deadline, so an alert (the ledger's key).
    setNow('2026-05-04T08:00:00');
    const d = await intake(api, p);
    const first = (await lodge(d)).body;
    const second = (await lodge(d, 'other')).body;
    expect(first.dueAt).toBe(second.dueAt);
    const due = new Date(first.dueAt);
    await scan.scan(new Date(due.getTime() - 60_000));
    expect(await scan.scan(new Date(due.getTime() + 60_000))).toBe(1);
    setNow('2026-06-01T08:00:00');
    await answer(first.id, p.tokens.head);
    expect((await alerts(d.id))[0].closedAt).toBeNull();
    // Answered behind the API's back (e.g. a restored backup): the scan closes the alert.
    await api.app
      .get(DataSource)
      .query(`UPDATE dossier_feedback SET answer = 'x', answered_at = $2 WHERE id = $1`, [
        second.id,
        t('2026-06-01T09:00:00'),
      ]);
    const result = await scan.run(t('2026-06-01T10:00:00'), false);
    expect(result).toEqual({ created: [], deliveries: [], closed: 1 });
    expect((await alerts(d.id))[0].closedAt).toBe('2026-06-01T10:00:00+07:00');
  });

  it('alerts the unit inbox when the assigned unit has no head', async () => {
    await api.request('PATCH', `/units/${unitIds['H15.50']}`, { token: p.admin, body: { headUserId: null } });
    try {
      setNow('2026-05-05T08:00:00');
      const d = await intake(api, p);
      const lodged = (await lodge(d)).body;
      const due = new Date(lodged.dueAt).getTime();
      await scan.scan(new Date(due - 1));
      expect(await scan.scan(new Date(due))).toBe(1);
      expect((await alerts(d.id))[0]).toMatchObject({ recipientUserId: null, unitCode: 'H15.50' });
    } finally {
      await api.request('PATCH', `/units/${unitIds['H15.50']}`, {
        token: p.admin,
        body: { headUserId: p.userIds.head },
      });
    }
  });
});
