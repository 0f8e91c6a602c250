import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { CRITERIA } from '../../src/public/citizen-rules';
import { Api, startApi } from '../support/http';
import { buildProvince, Province } from '../support/province';
import { act, citizen, clockOf, intake, Intaken } from '../public/support';

/**
 * The 766 index as the national portal computes it (docs/index-766.md): one hand-computed fixture
 * per indicator whose portal figure differs from what the product computed before, each in a month
 * of its own, asserting numerator AND denominator. Every expected figure is worked out below from
 * the portal's rules, not by the code under test; "before:" notes the figure the old rule gave.
 *
 * Procedures, both handled by H15.50: the building permit (fixture: 3 working days, fee-bearing,
 * paper result required, no statutory parts) and NP (3 working days, fee-bearing, no paper
 * result, every statutory part).
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

describe('766 index: the portal method, indicator by indicator', () => {
  let api: Api;
  let p: Province;
  let setNow: (local: string) => void;
  let pub: ReturnType<typeof citizen>;
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
  let files = 0;
  const result = (file: boolean, extra: Record<string, unknown> = {}) => ({
    resultSummary: 'Đã có kết quả',
    electronicResult: true,
    ...(file ? { resultFileUrl: `https://ketqua.example.gov.vn/ket-qua-${++files}.pdf` } : {}),
    ...extra,
  });
  const supplement = { reason: 'Thiếu bản vẽ', items: ['Bản vẽ mặt bằng'] };
  const index = async (period: string) => {
    const res = await api.request('GET', `/reports/index?period=${period}&unitCode=H15`, { token: p.tokens.board });
    expect(res.status).toBe(200);
    return res.body.units.find((u: { unitCode: string }) => u.unitCode === 'H15.50');
  };
  const ind = (u: any, key: string) => u.groups.flatMap((g: any) => g.indicators).find((i: any) => i.key === key);
  const feedback: Record<string, string> = {};
  const lodge = async (name: string, key: string, at: string, kind: string) => {
    setNow(at);
    const res = await pub('POST', `${d[key].code}/feedback`, {
      lookupKey: d[key].lookupKey,
      kind,
      content: 'Phản ánh',
    });
    expect(res.status).toBe(201);
    feedback[name] = res.body.id;
  };
  const answer = async (name: string, at: string) => {
    setNow(at);
    const res = await api.request('POST', `/feedback/${feedback[name]}/answer`, {
      token: p.tokens.head,
      body: { answer: 'Đơn vị đã xử lý.' },
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    setNow = clockOf(api);
    pub = citizen(api);
    setNow('2026-05-04T08:00:00');
    const np = await api.request('POST', '/procedures', {
      token: p.admin,
      body: {
        code: '1.000766',
        name: 'Thủ tục không trả kết quả bản giấy',
        field: 'Xây dựng',
        unitCode: 'H15.50',
        timeLimit: { amount: 3, unit: 'working_days' },
        steps: [{ name: 'Tiếp nhận và giải quyết', unitCode: 'H15.50', workingHours: 8 }],
        onlineLevel: 'full',
        feeBearing: true,
        paperResultRequired: false,
        statutoryParts: {
          sequence: 'Nộp hồ sơ; tiếp nhận; giải quyết; trả kết quả',
          method: 'Trực tiếp, bưu chính hoặc trực tuyến',
          components: 'Đơn đề nghị (01 bản)',
          applicants: 'Công dân Việt Nam, tổ chức',
        },
      },
    });
    expect(np.status).toBe(201);
    expect(np.body.statutoryParts).toMatchObject({ method: 'Trực tiếp, bưu chính hoặc trực tuyến' });
    const NP = { procedureCode: '1.000766' };

    // ---- May 2026: 2.1 and 5.4. Received Mon 11/05 08:00: appointment Thu 14/05 08:00.
    // P1: supplement requested Mon 09:00, received Fri 15/05 09:00 (96 h elapsed; 4 working days),
    //     resolved Mon 18/05 09:00: 18/05 09:00 − 96 h = 14/05 09:00 > 14/05 08:00 → late.
    //     (before: the clock moved by 4 working days → due Wed 20/05 → on time)
    await receive('P1', '2026-05-11T08:00:00');
    await run('P1', [
      ['2026-05-11T09:00:00', 'request_supplement', 'head', supplement],
      ['2026-05-15T09:00:00', 'receive_supplement', 'clerk'],
      ['2026-05-18T09:00:00', 'resolve', 'head', result(true)],
    ]);
    // P2: waits for payment Mon 09:00 → Mon 18/05 09:00, resolved 10:00: no pause for payment → late.
    //     (before: paused → on time)
    await receive('P2', '2026-05-11T08:00:00');
    await run('P2', [
      ['2026-05-11T09:00:00', 'request_payment', 'head', { amount: 50000 }],
      ['2026-05-18T09:00:00', 'confirm_payment', 'clerk', { paidOnline: true }],
      ['2026-05-18T10:00:00', 'resolve', 'head', result(true)],
    ]);
    // P3: two supplement requests, resolved the same day → on time (it was resolved).
    //     (before: late, more than one request)
    await receive('P3', '2026-05-11T08:00:00');
    await run('P3', [
      ['2026-05-11T09:00:00', 'request_supplement', 'head', supplement],
      ['2026-05-11T10:00:00', 'receive_supplement', 'clerk'],
      ['2026-05-11T11:00:00', 'request_supplement', 'head', supplement],
      ['2026-05-11T13:00:00', 'receive_supplement', 'clerk'],
      ['2026-05-11T14:00:00', 'resolve', 'head', result(true)],
    ]);
    // P4: the same, then refused → late (no resolved status, more than one request). (before: late)
    await receive('P4', '2026-05-11T08:00:00');
    await run('P4', [
      ['2026-05-11T09:00:00', 'request_supplement', 'head', supplement],
      ['2026-05-11T10:00:00', 'receive_supplement', 'clerk'],
      ['2026-05-11T11:00:00', 'request_supplement', 'head', supplement],
      ['2026-05-11T13:00:00', 'receive_supplement', 'clerk'],
      ['2026-05-11T14:00:00', 'reject', 'head', { reason: 'Không đủ điều kiện' }],
    ]);
    // P5: received Mon 25/05, one supplement requested 09:00, pending at the end of May → judged at
    //     the request instant, before its appointment → within. (before: within)
    await receive('P5', '2026-05-25T08:00:00');
    await run('P5', [['2026-05-25T09:00:00', 'request_supplement', 'head', supplement]]);
    // P6: received Mon 25/05, a second request pending at the end of May → late. (before: late)
    await receive('P6', '2026-05-25T08:00:00');
    await run('P6', [
      ['2026-05-25T09:00:00', 'request_supplement', 'head', supplement],
      ['2026-05-25T10:00:00', 'receive_supplement', 'clerk'],
      ['2026-05-26T09:00:00', 'request_supplement', 'head', supplement],
    ]);

    // ---- June 2026: 1.3, 1.4, 3.3, 3.6, 4.1, 4.2, 4.3, 4.4. P5 and P6 withdrawn on Mon 01/06.
    await run('P5', [['2026-06-01T08:00:00', 'withdraw', 'clerk', { reason: 'Rút' }]]);
    await run('P6', [['2026-06-01T08:00:00', 'withdraw', 'clerk', { reason: 'Rút' }]]);
    const synced = { digitised: true, usedPopulationData: true, syncedToNationalPortal: true };
    // Q1: permit (paper result), online, synchronised; the forward records the personal data store;
    //     electronic result with its file.
    await receive('Q1', '2026-06-08T08:00:00', { channel: 'online', flags: synced });
    await run('Q1', [
      ['2026-06-08T09:00:00', 'forward', 'clerk', { linkedToPersonalDataStore: true }],
      ['2026-06-09T09:00:00', 'forward', 'officer'],
      ['2026-06-09T10:00:00', 'resolve', 'signer', result(true)],
    ]);
    // Q2: permit, online; the electronic-result box ticked but no file link.
    await receive('Q2', '2026-06-08T08:00:00', { channel: 'online' });
    await run('Q2', [['2026-06-08T10:00:00', 'resolve', 'head', result(false)]]);
    // Q3: NP (no paper result), online, paper result only.
    await receive('Q3', '2026-06-08T08:00:00', { ...NP, channel: 'online' });
    await run('Q3', [
      ['2026-06-08T10:00:00', 'resolve', 'head', { resultSummary: 'Đã có kết quả', electronicResult: false }],
    ]);
    // Q4: permit, direct, fee waived (the only payment request is 0); the result is linked to the
    //     personal data store when it is issued (with its file).
    await receive('Q4', '2026-06-08T08:00:00');
    await run('Q4', [
      ['2026-06-08T09:00:00', 'request_payment', 'head', { amount: 0 }],
      ['2026-06-08T10:00:00', 'confirm_payment', 'clerk', { paidOnline: false }],
      ['2026-06-08T11:00:00', 'resolve', 'head', result(true, { linkedToPersonalDataStore: true })],
    ]);
    // Q5: NP, direct, synchronised, paid online; the payment step records reused digitised data.
    await receive('Q5', '2026-06-08T08:00:00', { ...NP, flags: synced });
    await run('Q5', [
      ['2026-06-08T09:00:00', 'request_payment', 'head', { amount: 100000 }],
      ['2026-06-08T10:00:00', 'confirm_payment', 'clerk', { paidOnline: true, reusedDigitisedData: true }],
      ['2026-06-08T11:00:00', 'resolve', 'head', result(false)],
    ]);

    // ---- July 2026: 5.2, 5.3, 5.4. R1–R4 received and resolved Mon 06/07.
    for (const k of ['R1', 'R2', 'R3', 'R4']) {
      await receive(k, '2026-07-06T08:00:00');
      await run(k, [['2026-07-06T09:00:00', 'resolve', 'head', result(true)]]);
    }
    // F1 (regulation, R1) lodged 06/07 10:00, answered 08/07; F5 (other, R1) lodged 10/07 after it
    // was answered → F1 is repeated; F5 answered 13/07.
    await lodge('F1', 'R1', '2026-07-06T10:00:00', 'regulation');
    await answer('F1', '2026-07-08T10:00:00');
    await lodge('F5', 'R1', '2026-07-10T10:00:00', 'other');
    await answer('F5', '2026-07-13T10:00:00');
    // F2 (other, R2) lodged 06/07 10:00, never answered: due 27/07 10:00 (15 working days) → overdue.
    await lodge('F2', 'R2', '2026-07-06T10:00:00', 'other');
    // F3 (conduct, R3) lodged Mon 27/07 09:00, open at the end of July, due 17/08 → within.
    await lodge('F3', 'R3', '2026-07-27T09:00:00', 'conduct');
    // F4 (other, R4) lodged 06/07 10:00, answered 07/07; R4's rating (08/07) scores the handling of
    // feedback 0 → dissatisfied.
    await lodge('F4', 'R4', '2026-07-06T10:00:00', 'other');
    await answer('F4', '2026-07-07T10:00:00');
    setNow('2026-07-08T10:00:00');
    const criteria = CRITERIA.map((c) => (c === 'feedback_handling' ? 0 : 2));
    const rated = await pub('POST', `${d.R4.code}/rating`, {
      lookupKey: d.R4.lookupKey,
      criteria,
      verdict: 'satisfied',
    });
    expect(rated.status).toBe(201);
    setNow('2026-08-03T10:00:00');
    // The dossiers the fixture calls synchronised reached the portal: the portal sync records its
    // acceptance in portal_synced_at (test/integrations/exchange.e2e-spec.ts); the index reads that.
    await markSynced(api);
  });
  afterAll(() => api.close());

  it('2.1: supplement time removed as elapsed time, no pause for payment, >1 request late only without a result', async () => {
    const u = await index('2026-05');
    // Ended on time: P3. Open at the end of May: P5 (within), P6 (late). Received 6, carried over 0.
    // (1 + 2 − 1) / 6; 20 × 1/3 = 6.6667. Before: P1 P2 P5 good → 3 / 6.
    expect(ind(u, 'on_time')).toMatchObject({ portalRef: '2.1', numerator: 2, denominator: 6, points: 6.6667 });
    // 5.4: ended by a decision P1 P2 P3 P4, late P1 P2 P4 → (4 − 3) / 4; full at 90%: 6 × 0.25 / 0.9.
    // Before: late P3 (two requests) and P4 → 2 / 4.
    expect(ind(u, 'dossier_satisfaction')).toMatchObject({
      portalRef: '5.4',
      numerator: 1,
      denominator: 4,
      points: 1.6667,
    });
    // The lifecycle still judges P1 and P2 on time (the decree's clock is not the portal's method).
    const form = await api.request('GET', '/reports/processing?period=2026-05&unitCode=H15', { token: p.tokens.board });
    const row = form.body.rows.find((r: { unitCode: string }) => r.unitCode === 'H15.50');
    expect(row).toMatchObject({ resolvedLate: 0, resolvedTotal: 4 });
  });

  it('1.3, 1.4, 3.3, 3.6, 4.1, 4.2, 4.3, 4.4: the portal conditions on paper results, files, fees and facts', async () => {
    const u = await index('2026-06');
    // 1.3: NP has every statutory part, the permit does not: 1 / 2. Before: 2 / 2.
    expect(ind(u, 'procedures_complete')).toMatchObject({ portalRef: '1.3', numerator: 1, denominator: 2, points: 1 });
    // 1.4: Q1 and Q5 synchronised of 5 received: 6 × 0.4.
    expect(ind(u, 'dossiers_synced')).toMatchObject({ numerator: 2, denominator: 5, points: 2.4 });
    // 3.3: online Q1 (paper result, file) and Q3 (no paper result) count, Q2 (no file) does not:
    // 2 × sync rate 0.4 = 0.8 over 5 → 0.16; full at 50%: 6 × 0.16 / 0.5 = 1.92. Before: 3 / 5 → 6.
    expect(ind(u, 'online_share')).toMatchObject({ portalRef: '3.3', numerator: 0.8, denominator: 5, points: 1.92 });
    // 3.6: fee-bearing Q1–Q5 less Q4 (every fee 0) = 4; paid online Q5 → 1 / 4. Before: 1 / 5.
    expect(ind(u, 'paid_online')).toMatchObject({ portalRef: '3.6', numerator: 1, denominator: 4, points: 1.5 });
    // 4.1: resolved in June of the paper-result procedure Q1 Q2 Q4; with a file Q1 Q4 → 2 / 3.
    // Before: the electronic-result box over every resolved dossier → 3 / 5.
    expect(ind(u, 'electronic_result')).toMatchObject({ portalRef: '4.1', numerator: 2, denominator: 3, points: 4 });
    // 4.2: all 5 digitised at intake; Q2 (paper result without file) does not count → 4 / 5 = 80%
    // → full 4. Before: 5 / 5.
    expect(ind(u, 'digitised')).toMatchObject({ portalRef: '4.2', numerator: 4, denominator: 5, points: 4 });
    // 4.3 recorded at payment (Q5): 1 / 5; full at 80%: 2 × 0.2 / 0.8. Before (intake only): 0 / 5.
    expect(ind(u, 'reused_data')).toMatchObject({ portalRef: '4.3', numerator: 1, denominator: 5, points: 0.5 });
    // 4.4 recorded at a step (Q1) and with the result (Q4): 2 / 5 → 4 × 0.4. Before: 0 / 5.
    expect(ind(u, 'personal_data_store')).toMatchObject({
      portalRef: '4.4',
      numerator: 2,
      denominator: 5,
      points: 1.6,
    });
    // The facts are on the dossiers, with the result's file link.
    const q4 = await api.request('GET', `/dossiers/${d.Q4.id}`, { token: p.tokens.board });
    expect(q4.body.flags).toMatchObject({ linkedToPersonalDataStore: true, electronicResult: true });
    expect(q4.body.flags.resultFileUrl).toMatch(/^https:\/\/ketqua\.example\.gov\.vn\//);
    // 4.5's two ratios under the portal's own numbers (they were both "4.5").
    expect(ind(u, 'population_data').portalRef).toBe('4.5b');
    expect(ind(u, 'population_db_procedures').portalRef).toBe('4.5a');
  });

  it('5.2, 5.3, 5.4: open feedback within time is good, overdue/dissatisfied/repeated are deducted, any feedback counts', async () => {
    const u = await index('2026-07');
    // 5.2: answered in July F1 F4 F5 (on time), open at the end F2 (past due) F3 (within) → 4 / 5.
    // Before: settled F1 F4 F5 on time + F2 past due → 3 / 4; F3 left out.
    expect(ind(u, 'feedback_on_time')).toMatchObject({ portalRef: '5.2', numerator: 4, denominator: 5, points: 4.8 });
    // 5.3: received in July F1–F5, less F1 (repeated), F2 (overdue), F4 (dissatisfied) → 2 / 5.
    // Before: the feedback-handling score of R4's rating: 0 / 2.
    expect(ind(u, 'feedback_satisfaction')).toMatchObject({
      portalRef: '5.3',
      numerator: 2,
      denominator: 5,
      points: 2.4,
    });
    // 5.4: R1–R4 ended on time, each with a feedback (any kind) → (4 − 0 − 4) / 4.
    // Before: only conduct feedback (F3 on R3) → 3 / 4.
    expect(ind(u, 'dossier_satisfaction')).toMatchObject({ numerator: 0, denominator: 4, points: 0 });
  });

  it('a unit without feedback scores 5.2 and 5.3 as its 5.4 (the portal splits those points)', async () => {
    const u = await index('2026-06');
    // June: ended by a decision Q1–Q5, none late, no feedback → 5.4 = 100% → 6; 5.2 and 5.3 follow.
    expect(ind(u, 'dossier_satisfaction')).toMatchObject({ numerator: 5, denominator: 5, points: 6 });
    expect(ind(u, 'feedback_on_time')).toMatchObject({ numerator: 0, denominator: 0, ratio: null, points: 6 });
    expect(ind(u, 'feedback_satisfaction')).toMatchObject({ numerator: 0, denominator: 0, ratio: null, points: 6 });
  });

  it('1.4 counts the dossiers that reached the portal (portal_synced_at), not the flag declared at intake', async () => {
    const db = api.app.get(DataSource);
    try {
      // Nothing has reached the portal: 0 / 5, whatever was declared.
      await db.query(`UPDATE dossiers SET portal_synced_at = NULL`);
      await db.query(`SELECT report_rebuild()`);
      let u = await index('2026-06');
      expect(ind(u, 'dossiers_synced')).toMatchObject({ numerator: 0, denominator: 5 });
      // Q2 reaches the portal (declared or not): 1 / 5; 3.3: (Q1 + Q3) × 1/5 = 0.4 over 5.
      await db.query(`UPDATE dossiers SET portal_synced_at = now() WHERE id = $1`, [d.Q2.id]);
      await db.query(`SELECT report_rebuild()`);
      u = await index('2026-06');
      expect(ind(u, 'dossiers_synced')).toMatchObject({ numerator: 1, denominator: 5, points: 1.2 });
      expect(ind(u, 'online_share')).toMatchObject({ numerator: 0.4, denominator: 5 });
    } finally {
      await db.query(`UPDATE dossiers SET portal_synced_at = NULL`);
      await markSynced(api);
    }
    expect(ind(await index('2026-06'), 'dossiers_synced')).toMatchObject({ numerator: 2, denominator: 5 });
  });

  it('folds the portal facts of a dossier written before them from its whole history at its next action', async () => {
    const db = api.app.get(DataSource);
    await receive('Y', '2026-08-03T08:00:00');
    await run('Y', [['2026-08-03T09:00:00', 'request_supplement', 'head', supplement]]);
    await db.query(`UPDATE dossiers SET portal_facts = NULL WHERE id = $1`, [d.Y.id]);
    await run('Y', [['2026-08-03T10:00:00', 'receive_supplement', 'clerk']]);
    const [{ f }] = await db.query(`SELECT portal_facts AS f FROM dossiers WHERE id = $1`, [d.Y.id]);
    // One request (not two: the action is not folded twice), one hour of supplement time.
    expect(f).toMatchObject({ requests: 1, pendingSince: null, supplementMs: 3_600_000, endedAt: null });
  });

  it('refuses a result file link that is not an http(s) URL, and facts that are not booleans', async () => {
    await receive('Z', '2026-08-03T08:00:00');
    const bad = await api.request('POST', `/dossiers/${d.Z.id}/actions/resolve`, {
      token: p.tokens.head,
      body: { expectedVersion: 1, resultSummary: 'x', electronicResult: true, resultFileUrl: 'javascript:alert(1)' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'resultFileUrl' }] });
    const fact = await api.request('POST', `/dossiers/${d.Z.id}/actions/forward`, {
      token: p.tokens.clerk,
      body: { expectedVersion: 1, digitised: 'yes' },
    });
    expect(fact.status).toBe(400);
    expect(fact.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'digitised' }] });
  });
});
