import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { projectState } from '../../src/dossiers/dossier-projection';
import { DossiersRepository } from '../../src/dossiers/dossiers.repository';
import { DossiersService, toFoldEvent } from '../../src/dossiers/dossiers.service';
import { replay } from '../../src/dossiers/lifecycle';
import { ProcedureRulesService } from '../../src/dossiers/procedure-rules.service';
import { RecomputeHandler } from '../../src/dossiers/recompute.handler';
import { CalendarService } from '../../src/calendar/calendar.service';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';

/**
 * Decree 118/2025/NĐ-CP over HTTP (docs/domain.md, "Decree 118/2025"): the building permit (3
 * working days; steps 4 h, 12 h, 4 h) received by H15.50 in 2026, so judged by nd118-2025.
 */
describe('Decree 118/2025 over HTTP', () => {
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

  const intake = async (over: Record<string, unknown> = {}) =>
    (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody(over) })).body;
  const act = (id: string, action: string, token: string, body: Record<string, unknown>) =>
    api.request('POST', `/dossiers/${id}/actions/${action}`, { token, body });
  const SUPPLEMENT = { reason: 'Thiếu bản vẽ', items: ['Bản vẽ mặt bằng'] };
  const scan = () => api.request('POST', '/sla/scan', { token: p.admin });

  it('restarts the whole limit on the complete supplement and refuses a second request', async () => {
    setNow('2026-03-02T08:00:00');
    const d = await intake();
    expect(d).toMatchObject({ policyVersion: 'nd118-2025', breaches: [], dueAt: '2026-03-05T08:00:00+07:00' });
    setNow('2026-03-03T08:00:00');
    expect((await act(d.id, 'request_supplement', p.tokens.head, { expectedVersion: 1, ...SUPPLEMENT })).status).toBe(
      200,
    );
    setNow('2026-03-06T08:00:00');
    const back = await act(d.id, 'receive_supplement', p.tokens.clerk, { expectedVersion: 2 });
    // 24 h from Fri 06/03 08:00: Fri 7.5 h, Mon 8 h, Tue 8 h, Wed 07:30 + 0.5 h (pause and resume: Tue 10/03 08:00).
    expect(back.body).toMatchObject({ status: 'received', dueAt: '2026-03-11T08:00:00+07:00', supplementCount: 1 });
    const second = await act(d.id, 'request_supplement', p.tokens.head, { expectedVersion: 3, ...SUPPLEMENT });
    expect(second.status).toBe(422);
    expect(second.body.code).toBe('RULE_VIOLATION');
    expect((await api.request('GET', `/dossiers/${d.id}/events`, { token: p.admin })).body).toHaveLength(3);
    // The explanation: the segments count from the restart.
    const why = (await api.request('GET', `/dossiers/${d.id}/deadline`, { token: p.admin })).body;
    expect(why.restarts).toEqual([
      { at: '2026-03-06T08:00:00+07:00', clockStart: '2026-03-06T08:00:00+07:00', discardedWorkingMinutes: 480 },
    ]);
    expect(why.segments[0].from).toBe('2026-03-06T08:00:00+07:00');
    expect(why.segments.reduce((n: number, s: { workingMinutes: number }) => n + s.workingMinutes, 0)).toBe(1440);
  });

  it('records a request made after the 3-working-day window as a breach, with who made it', async () => {
    setNow('2026-03-02T08:00:00');
    const d = await intake();
    await act(d.id, 'forward', p.tokens.clerk, { expectedVersion: 1 });
    setNow('2026-03-05T08:01:00');
    const late = await act(d.id, 'request_supplement', p.tokens.officer, { expectedVersion: 2, ...SUPPLEMENT });
    expect(late.status).toBe(200);
    expect(late.body.breaches).toEqual([
      {
        rule: 'late_supplement_request',
        at: '2026-03-05T08:01:00+07:00',
        actorUserId: p.userIds.officer,
        unitCode: 'H15.50.01',
      },
    ]);
  });

  it('refuses an extension on the due date itself (Art. 19.6)', async () => {
    setNow('2026-03-02T08:00:00');
    const d = await intake();
    setNow('2026-03-05T07:00:00'); // due Thu 05/03 08:00: the same day
    const body = {
      expectedVersion: 1,
      newPromisedAt: '2026-03-10T17:00:00+07:00',
      reason: 'Cần phối hợp',
      responsibleUnitCode: 'H15.50',
    };
    const res = await act(d.id, 'extend', p.tokens.head, body);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('RULE_VIOLATION');
    setNow('2026-03-04T16:00:00');
    expect((await act(d.id, 'extend', p.tokens.head, body)).status).toBe(200);
  });

  it('hands a paper dossier received after 15:00 to the next working day: the counter step is due then', async () => {
    setNow('2026-03-04T15:10:00');
    const paper = await intake();
    expect(paper.currentStep.dueAt).toBe('2026-03-05T07:30:00+07:00');
    const online = await intake({ channel: 'online' });
    expect(online.currentStep.dueAt).toBe('2026-03-05T09:40:00+07:00');
  });

  it('alerts the counter 15 days after an unanswered request, lets it close the dossier, and shows it closed everywhere', async () => {
    setNow('2026-04-01T08:00:00');
    const d = await intake();
    setNow('2026-04-01T10:00:00');
    await act(d.id, 'request_supplement', p.tokens.head, { expectedVersion: 1, ...SUPPLEMENT });
    setNow('2026-04-16T09:59:00');
    const early = await act(d.id, 'close', p.tokens.clerk, { expectedVersion: 2 });
    expect(early.status).toBe(422);
    expect(early.body.code).toBe('RULE_VIOLATION');
    expect((await scan()).status).toBe(200);
    const none = await api.request('GET', `/alerts?kind=supplement_expired&dossierId=${d.id}`, { token: p.admin });
    expect(none.body.items).toEqual([]);
    setNow('2026-04-16T10:05:00');
    await scan();
    const alerts = await api.request('GET', `/alerts?kind=supplement_expired&dossierId=${d.id}`, {
      token: p.tokens.clerk,
    });
    expect(alerts.body.items).toHaveLength(1);
    expect(alerts.body.items[0]).toMatchObject({
      kind: 'supplement_expired',
      unitCode: 'H15.50',
      recipientUserId: p.userIds.clerk,
      deadlineAt: '2026-04-16T10:00:00+07:00',
      closedAt: null,
    });
    // Officers do not close; the counter of the receiving unit does.
    expect((await act(d.id, 'close', p.tokens.officer, { expectedVersion: 2 })).status).toBe(403);
    expect((await act(d.id, 'close', p.tokens.otherClerk, { expectedVersion: 2 })).status).toBe(404);
    const closed = await act(d.id, 'close', p.tokens.clerk, { expectedVersion: 2, reason: 'Quá hạn bổ sung' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed',
      statusLabel: 'Đóng hồ sơ',
      portalStatusCode: 8,
      outcome: null,
      timeliness: null,
      endedAt: '2026-04-16T10:05:00+07:00',
      currentStep: null,
    });
    await scan();
    const after = await api.request('GET', `/alerts?kind=supplement_expired&dossierId=${d.id}`, { token: p.admin });
    expect(after.body.items[0].closedAt).not.toBeNull();
    // The citizen's lookup.
    const pub = await api.request('GET', `/public/dossiers/${d.code}`, {});
    expect(pub.body).toMatchObject({ status: 'closed', endedAt: '2026-04-16T10:05:00+07:00' });
    // Form 06a: ended with the stopped ones (resolved total), never late.
    const report = await api.request('GET', '/reports/processing?from=2026-04-01&to=2026-04-30&unitCode=H15.50', {
      token: p.admin,
    });
    expect(report.status).toBe(200);
    // Only this dossier ended in April (the March ones are carried over, still open).
    expect(report.body.total).toMatchObject({ resolvedTotal: 1, resolvedLate: 0, withdrawn: 0 });
    expect(report.body.total.receivedTotal).toBe(report.body.total.resolvedTotal + report.body.total.inProgressTotal);
    expect(report.body.total.resolvedTotal).toBe(
      report.body.total.resolvedEarly + report.body.total.resolvedOnTime + report.body.total.resolvedLate,
    );
  });

  it('starts the dossier code with the unit portal identifier where the unit has one (Art. 28)', async () => {
    const units = (await api.request('GET', '/units', { token: p.admin })).body;
    const list = Array.isArray(units) ? units : units.items;
    const unit = list.find((u: { code: string }) => u.code === 'H15.50');
    expect(
      (await api.request('PATCH', `/units/${unit.id}`, { token: p.admin, body: { portalCode: '000.00.15.H15' } }))
        .status,
    ).toBe(200);
    try {
      setNow('2026-05-04T09:00:00');
      const d = await intake();
      expect(d.code).toMatch(/^000\.00\.15\.H15-260504-\d{4}$/);
    } finally {
      await api.request('PATCH', `/units/${unit.id}`, { token: p.admin, body: { portalCode: null } });
    }
  });

  it('re-judges the dossiers stored under the old rule, once, audited per unit (GET /reports/rejudgement)', async () => {
    // Dossiers stored before the migration were folded by pause and resume: one such history,
    // ended, and one still open, written as the earlier release would have.
    setNow('2026-06-01T08:00:00'); // Monday: due Thu 04/06 08:00
    const ended = await intake();
    setNow('2026-06-02T08:00:00');
    await act(ended.id, 'request_supplement', p.tokens.head, { expectedVersion: 1, ...SUPPLEMENT });
    setNow('2026-06-05T08:00:00');
    await act(ended.id, 'receive_supplement', p.tokens.clerk, { expectedVersion: 2 });
    setNow('2026-06-09T10:00:00'); // pause and resume: due Tue 09/06 08:00 (late); restart: Wed 10/06 08:00
    const resolved = await act(ended.id, 'resolve', p.tokens.head, {
      expectedVersion: 3,
      resultSummary: 'Cấp phép',
      electronicResult: true,
    });
    expect(resolved.body).toMatchObject({ outcome: 'early', dueAt: '2026-06-10T08:00:00+07:00' });
    const db = api.app.get(DataSource);
    const dossiers = api.app.get(DossiersService);
    const repo = api.app.get(DossiersRepository);
    const rules = api.app.get(ProcedureRulesService);
    const versioned = await api.app.get(CalendarService).currentVersioned();
    const oldPolicy = { id: 'nd61-2018', maxExtensions: 1, extensionMinLeadMs: 0 };
    const asBefore = async (id: string) => {
      const row = (await repo.findById(id))!;
      // Portal facts are the index's, not the lifecycle's: the pre-118 release wrote the same ones.
      const portalFacts = row.portal_facts;
      if (!portalFacts) throw new Error('the dossier has no portal facts');
      const procedure = await rules.version(row.procedure_id, row.procedure_version);
      const ctx = { ...dossiers.context(versioned.calendar, procedure, row.channel), policy: oldPolicy };
      const {
        policyVersion: _p,
        breaches: _b,
        restarts: _r,
        supplementExpiresAt: _s,
        ...state
      } = replay((await repo.events(row)).map(toFoldEvent), ctx);
      const cols = {
        ...projectState(state, versioned.calendar, dossiers.thresholds, {
          calendarVersion: versioned.version,
          flags: row.flags,
          stepUnitIds: procedure.steps.map((s) => s.unitId),
        }),
        portal_facts: portalFacts,
      };
      await repo.transaction((m) => repo.update(m, id, cols));
    };
    await asBefore(ended.id);
    const stored = (await api.request('GET', `/dossiers/${ended.id}`, { token: p.admin })).body;
    expect(stored).toMatchObject({ outcome: 'late', dueAt: '2026-06-09T08:00:00+07:00' });
    // The migration's request for a run, as on an upgrade.
    await db.query(
      `UPDATE rejudgements SET status = 'pending', cursor = NULL, ran_at = NULL, dossiers = 0, due_changed = 0,
         outcome_changed = 0, skipped = 0`,
    );
    await db.query(`DELETE FROM rejudgement_changes`);
    const pending = (await api.request('GET', '/reports/rejudgement', { token: p.tokens.board })).body;
    expect(pending).toMatchObject({ status: 'pending', ranAt: null, policyVersion: 'nd118-2025' });
    const result = await api.app.get(RecomputeHandler).handle({});
    expect(result.rejudged).toBe(1);
    const now = (await api.request('GET', `/dossiers/${ended.id}`, { token: p.admin })).body;
    expect(now).toMatchObject({ outcome: 'early', dueAt: '2026-06-10T08:00:00+07:00', policyVersion: 'nd118-2025' });
    const report = await api.request('GET', '/reports/rejudgement', { token: p.tokens.board });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      policyVersion: 'nd118-2025',
      receivedFrom: '2025-07-01T00:00:00+07:00',
      status: 'done',
      dossiers: 1,
      dueChanged: 1,
      outcomeChanged: 1,
      skipped: 0,
      byUnit: [{ unitCode: 'H15.50', unitName: 'Sở Xây dựng', dueChanged: 1, outcomeChanged: 1 }],
    });
    expect(report.body.ranAt).toMatch(/\+07:00$/);
    const audit = await db.query(`SELECT old_outcome, new_outcome, old_due_at, new_due_at FROM rejudgement_changes`);
    expect(audit).toEqual([
      {
        old_outcome: 'late',
        new_outcome: 'early',
        old_due_at: new Date('2026-06-09T08:00:00+07:00'),
        new_due_at: new Date('2026-06-10T08:00:00+07:00'),
      },
    ]);
    // Once: a second sweep re-judges nothing.
    expect((await api.app.get(RecomputeHandler).handle({})).rejudged).toBe(0);
    // Units see it not; the board and the admin do.
    expect((await api.request('GET', '/reports/rejudgement', { token: p.tokens.head })).status).toBe(403);
  });
});
