import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, startApi } from '../support/http';
import { buildProvince, Province } from '../support/province';
import { act, clockOf, citizen, intake, pdfText } from '../public/support';

/**
 * Leaders' tools through the same action pipeline as every action (expectedVersion,
 * Idempotency-Key, events), and the officials' annual record they feed.
 * Monday 2026-03-02 08:00 a building permit (3 working days: due Thursday 05/03 08:00) is
 * forwarded by the clerk to appraisal (officer) and by the officer to signing (signer).
 */
describe("leaders' tools and the officials' annual record", () => {
  let api: Api;
  let p: Province;
  let setNow: (local: string) => void;
  let officer2 = '';
  let id = '';
  let lookupKey = '';
  let version = 0;
  const dir = mkdtempSync(join(tmpdir(), 'leaders-'));
  const post = (action: string, token: string, body: Record<string, unknown>, key?: string) =>
    api.request('POST', `/dossiers/${id}/actions/${action}`, {
      token,
      body: { expectedVersion: version, ...body },
      headers: key ? { 'idempotency-key': key } : undefined,
    });

  beforeAll(async () => {
    api = await startApi();
    setNow = clockOf(api);
    setNow('2026-03-02T08:00:00');
    p = await buildProvince(api);
    const units = (await api.request('GET', '/units?limit=500', { token: p.admin })).body.items as {
      id: string;
      code: string;
    }[];
    // The head of H15.50 is the head of its divisions too (heads of ancestors).
    await api.request('PATCH', `/units/${units.find((u) => u.code === 'H15.50')!.id}`, {
      token: p.admin,
      body: { headUserId: p.userIds.head },
    });
    officer2 = (
      await api.request('POST', '/users', {
        token: p.admin,
        body: {
          username: 'officer2',
          password: 'officer2-password',
          fullName: 'Đinh Văn Tú',
          role: 'officer',
          unitCode: 'H15.50.01',
        },
      })
    ).body.id;
    const d = await intake(api, p);
    id = d.id;
    lookupKey = d.lookupKey;
    setNow('2026-03-02T09:00:00');
    version = (await act(api, id, 'forward', p.tokens.clerk, { expectedVersion: 1, assigneeUserId: p.userIds.officer }))
      .version;
    setNow('2026-03-04T10:00:00');
    version = (
      await act(api, id, 'forward', p.tokens.officer, { expectedVersion: version, assigneeUserId: p.userIds.signer })
    ).version;
  }, 180_000);
  afterAll(async () => api?.close());

  it('comment: heads and the board write on the timeline; the assignee and the unit head are alerted', async () => {
    setNow('2026-03-04T10:30:00');
    expect((await post('comment', p.tokens.officer, { text: 'Tôi góp ý' })).status).toBe(403);
    expect((await post('comment', p.tokens.headOther, { text: 'Góp ý' })).status).toBe(404);
    expect((await post('comment', p.tokens.head, { text: ' ' })).status).toBe(400);
    const res = await post('comment', p.tokens.board, { text: 'Đề nghị ký trong ngày.' }, 'comment-1');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('in_progress');
    // A repeat with the same key replays the first answer and records nothing more.
    const again = await post('comment', p.tokens.board, { text: 'Đề nghị ký trong ngày.' }, 'comment-1');
    expect(again.body).toEqual(res.body);
    version = res.body.version;
    const stale = await api.request('POST', `/dossiers/${id}/actions/comment`, {
      token: p.tokens.head,
      body: { expectedVersion: version - 1, text: 'x' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('VERSION_CONFLICT');
    const events = (await api.request('GET', `/dossiers/${id}/events`, { token: p.tokens.head })).body;
    const comments = events.filter((e: { action: string }) => e.action === 'comment');
    expect(comments).toEqual([
      expect.objectContaining({
        actorUserId: p.userIds.board,
        fromStatus: 'in_progress',
        toStatus: 'in_progress',
        payload: { text: 'Đề nghị ký trong ngày.' },
      }),
    ]);
    const alerts = (await api.request('GET', `/alerts?kind=directive_comment&dossierId=${id}`, { token: p.admin })).body
      .items;
    expect(alerts.map((a: { recipientUserId: string }) => a.recipientUserId).sort()).toEqual(
      [p.userIds.head, p.userIds.signer].sort(),
    );
  });

  it('reassign: the head gives the current step to another officer of its unit, with a reason', async () => {
    setNow('2026-03-04T11:00:00');
    // Signing is H15.50.02's step: an officer of H15.50.01 is outside it.
    const outside = await post('reassign', p.tokens.head, { assigneeUserId: officer2, reason: 'Nghỉ phép' });
    expect(outside.status).toBe(400);
    expect(outside.body.details[0].field).toBe('assigneeUserId');
    expect((await post('reassign', p.tokens.signer, { assigneeUserId: p.userIds.signer, reason: 'x' })).status).toBe(
      403,
    );
    const res = await post('reassign', p.tokens.head, {
      assigneeUserId: p.userIds.signer,
      reason: 'Giao lại cho chuyên viên ký',
    });
    expect(res.status).toBe(200);
    expect(res.body.currentStep).toMatchObject({ index: 2, assigneeUserId: p.userIds.signer });
    version = res.body.version;
  });

  it('recall: back to the step it came from, with a fresh step clock; then reassign to another officer there', async () => {
    setNow('2026-03-04T13:00:00');
    expect((await post('recall', p.tokens.officer, { reason: 'x' })).status).toBe(403);
    const res = await post('recall', p.tokens.head, { reason: 'Hồ sơ thẩm định chưa đạt' });
    expect(res.status).toBe(200);
    // Appraisal again (12 working hours from Wednesday 13:00: Wed 4 h, Thu 8 h -> Thursday 17:00).
    expect(res.body.currentStep).toMatchObject({
      index: 1,
      unitCode: 'H15.50.01',
      assigneeUserId: p.userIds.officer,
      startedAt: '2026-03-04T13:00:00+07:00',
      dueAt: '2026-03-05T17:00:00+07:00',
    });
    expect(res.body.dueAt).toBe('2026-03-05T08:00:00+07:00');
    version = res.body.version;
    const slip = (await api.request('GET', `/dossiers/${id}/control-slip`, { token: p.tokens.head })).body;
    expect(slip.map((r: { stepIndex: number; result: string | null }) => [r.stepIndex, r.result])).toEqual([
      [0, 'on_time'],
      [1, 'late'],
      [2, null],
      [1, null],
    ]);
    const re = await post('reassign', p.tokens.head, {
      assigneeUserId: officer2,
      reason: 'Chuyên viên khác thẩm định lại',
    });
    expect(re.status).toBe(200);
    version = re.body.version;
  });

  it('recall: refused as not allowed in this state (409) at the first step, where there is no step to go back to', async () => {
    const d = await intake(api, p);
    const on = (action: string, token: string, body: Record<string, unknown>) =>
      api.request('POST', `/dossiers/${d.id}/actions/${action}`, { token, body });
    expect(
      (await on('forward', p.tokens.clerk, { expectedVersion: 1, assigneeUserId: p.userIds.officer })).status,
    ).toBe(200);
    const back = await on('recall', p.tokens.head, { expectedVersion: 2, reason: 'Bổ sung tiếp nhận' });
    expect(back.status).toBe(200);
    // Back at the counter's step: received again, with no step before it.
    expect(back.body).toMatchObject({ status: 'received', currentStep: { index: 0 } });
    const again = await on('recall', p.tokens.head, { expectedVersion: 3, reason: 'x' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TRANSITION_NOT_ALLOWED');
  });

  it('correct_deadline: the board sets the due instant as given; the explanation and the corrections report show it', async () => {
    setNow('2026-03-05T09:00:00');
    const body = {
      dueAt: '2026-03-06T12:15:00+07:00',
      reason: 'Hệ thống ngừng hoạt động ngày 04/03',
      documentRef: 'Công văn 45/STTTT ngày 05/03/2026',
    };
    expect((await post('correct_deadline', p.tokens.head, body)).status).toBe(403);
    expect((await post('correct_deadline', p.tokens.board, { ...body, dueAt: 'tomorrow' })).status).toBe(400);
    const res = await post('correct_deadline', p.tokens.board, body);
    expect(res.status).toBe(200);
    expect(res.body.dueAt).toBe('2026-03-06T12:15:00+07:00');
    expect(res.body.timeliness).toBe('within');
    expect(res.body.promisedAt).toBeNull();
    version = res.body.version;
    const deadline = (await api.request('GET', `/dossiers/${id}/deadline`, { token: p.tokens.head })).body;
    expect(deadline.corrections).toEqual([
      {
        at: '2026-03-05T09:00:00+07:00',
        dueAt: '2026-03-06T12:15:00+07:00',
        previousDueAt: '2026-03-05T08:00:00+07:00',
        reason: body.reason,
        documentRef: body.documentRef,
        actorUserId: p.userIds.board,
      },
    ]);
    const report = await api.request('GET', '/reports/corrections?period=2026-03', { token: p.tokens.head });
    expect(report.status).toBe(200);
    expect(report.body.items).toEqual([
      expect.objectContaining({
        dossierId: id,
        at: '2026-03-05T09:00:00+07:00',
        dueAt: body.dueAt,
        documentRef: body.documentRef,
        actorUsername: 'board',
      }),
    ]);
    expect(
      (await api.request('GET', '/reports/corrections?period=2026-04', { token: p.tokens.board })).body.items,
    ).toEqual([]);
    expect(
      (await api.request('GET', '/reports/corrections?period=2026-03', { token: p.tokens.headOther })).body.items,
    ).toEqual([]);
    // Resolved Friday 10:00: on time against the corrected due instant (late against the original).
    setNow('2026-03-06T10:00:00');
    const fwd = await post('forward', p.admin, {});
    version = fwd.body.version;
    const done = await post('resolve', p.tokens.head, { resultSummary: 'Đã cấp phép', electronicResult: true });
    expect(done.body.outcome).toBe('on_time');
    version = done.body.version;
    const r = (await api.request('GET', '/reports/processing?period=2026-03', { token: p.tokens.board })).body;
    expect(r.total).toMatchObject({ resolvedOnTime: 1, resolvedLate: 0 });
  });

  it("records the officials' annual figures, prints an official's sheet, and shows it only to those entitled", async () => {
    // A conduct complaint on the dossier, answered and upheld; a dissatisfied rating.
    const pub = citizen(api);
    setNow('2026-03-09T09:00:00');
    const code = (await api.request('GET', `/dossiers/${id}`, { token: p.admin })).body.code;
    const fb = await pub('POST', `${code}/feedback`, { lookupKey, kind: 'conduct', content: 'Cán bộ thẩm định chậm' });
    expect(fb.status).toBe(201);
    const answered = await api.request('POST', `/feedback/${fb.body.id}/answer`, {
      token: p.tokens.head,
      body: { content: 'Đã kiểm điểm cán bộ', upheld: true },
    });
    expect(answered.body.upheld).toBe(true);
    const rated = await pub('POST', `${code}/rating`, {
      lookupKey,
      criteria: [0, 1, 1, 1, 1, 1, 0, 1, 1],
      verdict: 'dissatisfied',
    });
    expect(rated.status).toBe(201);
    const year = (await api.request('GET', `/reports/officials?year=2026&unitCode=H15.50`, { token: p.tokens.board }))
      .body;
    const officer = year.rows.find((r: { userId: string }) => r.userId === p.userIds.officer);
    expect(officer).toMatchObject({
      stepsHandled: 1,
      stepsLate: 1,
      supplementRequests: 0,
      supplementBreaches: 0,
      ratedVerySatisfied: 0,
      ratedSatisfied: 0,
      ratedDissatisfied: 1,
      conductFeedback: 1,
      conductFeedbackUpheld: 1,
      extensionsCaused: 0,
    });
    const both = await api.request('GET', '/reports/officials?year=2026&period=2026', { token: p.tokens.board });
    expect(both.status).toBe(400);

    const own = await api.request('GET', `/reports/officials/${p.userIds.officer}/sheet?year=2026`, {
      token: p.tokens.officer,
    });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      year: 2026,
      userId: p.userIds.officer,
      fullName: 'Trần Văn Minh',
      unitCode: 'H15.50.01',
      stepsHandled: 1,
    });
    expect(
      (await api.request('GET', `/reports/officials/${p.userIds.officer}/sheet?year=2026`, { token: p.tokens.head }))
        .status,
    ).toBe(200);
    expect(
      (await api.request('GET', `/reports/officials/${p.userIds.officer}/sheet?year=2026`, { token: p.tokens.board }))
        .status,
    ).toBe(200);
    expect(
      (await api.request('GET', `/reports/officials/${p.userIds.officer}/sheet?year=2026`, { token: p.tokens.signer }))
        .status,
    ).toBe(404);
    expect(
      (
        await api.request('GET', `/reports/officials/${p.userIds.officer}/sheet?year=2026`, {
          token: p.tokens.headOther,
        })
      ).status,
    ).toBe(404);
    expect(
      (await api.request('GET', `/reports/officials/${p.userIds.officer}/sheet`, { token: p.tokens.officer })).status,
    ).toBe(400);
    const pdf = await api.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'GET',
        url: `/api/v1/reports/officials/${p.userIds.officer}/sheet?year=2026&format=pdf`,
        headers: { authorization: `Bearer ${p.tokens.head}` },
      });
    expect(pdf.statusCode).toBe(200);
    const text = pdfText(pdf.rawPayload, dir, 'sheet').replace(/\s+/g, ' ');
    expect(text).toContain('PHIẾU TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH NĂM 2026');
    expect(text).toContain('Trần Văn Minh');
    expect(text).toContain('THỦ TRƯỞNG ĐƠN VỊ');
  });
});
