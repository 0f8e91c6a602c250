import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { SlaScanService } from '../../src/sla/sla-scan.service';
import { EscalationFromOverdue1767010000000 } from '../../migrations/1767010000000-escalation-from-overdue';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';

const t = (local: string) => new Date(`${local}+07:00`);

describe('SLA scan and alerts', () => {
  let api: Api;
  let p: Province;
  let head01: string;
  let head01Id: string;
  const ids: Record<string, string> = {};

  const setNow = (local: string) => {
    const at = t(local);
    api.app.get(Clock).now = () => at;
  };
  const scan = async (local: string) => {
    setNow(local);
    const res = await api.request('POST', '/sla/scan', { token: p.admin });
    expect(res.status).toBe(200);
    return res.body as { scanned: number; alertsCreated: number; alertsClosed: number };
  };
  const alerts = async (dossier: string, token = p.admin, query = '') =>
    (await api.request('GET', `/alerts?dossierId=${ids[dossier]}&limit=500${query}`, { token })).body.items as {
      id: string;
      kind: string;
      recipientUserId: string | null;
      deadlineAt: string;
      closedAt: string | null;
      unitCode: string;
      acknowledgedAt: string | null;
    }[];

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    // Heads: the construction department (handling unit, counter step) and its appraisal division.
    const units = (await api.request('GET', '/units?limit=500', { token: p.admin })).body.items as {
      id: string;
      code: string;
    }[];
    const unit = (code: string) => units.find((u) => u.code === code)!.id;
    await api.request('PATCH', `/units/${unit('H15.50')}`, { token: p.admin, body: { headUserId: p.userIds.head } });
    const created = await api.request('POST', '/users', {
      token: p.admin,
      body: {
        username: 'head01',
        password: 'head01-password',
        fullName: 'Trưởng phòng Quản lý xây dựng',
        role: 'unit_head',
        unitCode: 'H15.50.01',
      },
    });
    head01Id = created.body.id;
    head01 = await api.login('head01', 'head01-password');
    await api.request('PATCH', `/units/${unit('H15.50.01')}`, { token: p.admin, body: { headUserId: head01Id } });
    // Histories received Monday 2026-03-02 08:00: 3 working days, due Thursday 05/03 08:00.
    const base = { ...intakeBody(), receivedAt: '2026-03-02T08:00:00+07:00' };
    const histories = {
      open: { ...base, code: 'H15.50-260302-0901', events: [] },
      atAppraisal: {
        ...base,
        code: 'H15.50-260302-0902',
        events: [{ action: 'forward', at: '2026-03-02T09:00:00+07:00', assigneeUserId: p.userIds.officer }],
      },
      paused: {
        ...base,
        code: 'H15.50-260302-0903',
        events: [{ action: 'request_supplement', at: '2026-03-02T09:00:00+07:00', reason: 'Thiếu', items: ['Bản vẽ'] }],
      },
      resolved: {
        ...base,
        code: 'H15.50-260302-0904',
        events: [{ action: 'resolve', at: '2026-03-02T10:00:00+07:00', resultSummary: 'x', electronicResult: true }],
      },
    };
    const res = await api.request('POST', '/imports/dossiers', {
      token: p.admin,
      body: { dossiers: Object.values(histories) },
    });
    expect(res.body.failed).toEqual([]);
    for (const [name, h] of Object.entries(histories)) {
      ids[name] = (await api.request('GET', `/dossiers?code=${h.code}`, { token: p.admin })).body.items[0].id;
    }
  });
  afterAll(() => api.close());

  it('raises nothing before any deadline', async () => {
    const r = await scan('2026-03-02T12:00:00');
    expect(r.alertsCreated).toBe(0);
  });

  it('flags a step past its allotted hours as stalled, to the head of the step unit', async () => {
    // The counter step (4 h) was due 13:30; the appraisal step (12 h from 09:00) is due Tue 03/03 14:30.
    await scan('2026-03-02T14:00:00');
    expect((await alerts('open')).map((a) => [a.kind, a.recipientUserId, a.unitCode, a.deadlineAt])).toEqual([
      ['stalled', p.userIds.head, 'H15.50', '2026-03-02T13:30:00+07:00'],
    ]);
    expect(await alerts('atAppraisal')).toEqual([]);
    await scan('2026-03-03T15:00:00');
    expect((await alerts('atAppraisal')).map((a) => [a.kind, a.recipientUserId, a.unitCode])).toEqual([
      ['stalled', head01Id, 'H15.50.01'],
    ]);
  });

  it('warns the handling unit head and the assignee when 8 working hours are left', async () => {
    const r = await scan('2026-03-04T08:30:00');
    expect(r.alertsCreated).toBe(3);
    const dueSoon = (await alerts('atAppraisal')).filter((a) => a.kind === 'due_soon');
    expect(dueSoon.map((a) => a.recipientUserId).sort()).toEqual([p.userIds.head, p.userIds.officer].sort());
    expect(dueSoon[0].deadlineAt).toBe('2026-03-05T08:00:00+07:00');
  });

  it('never alerts about a dossier paused within its time or an ended one', async () => {
    expect(await alerts('paused')).toEqual([]);
    expect(await alerts('resolved')).toEqual([]);
  });

  it('creates nothing new on a rescan or on two concurrent scans', async () => {
    const ds = api.app.get(DataSource);
    const before = (await ds.query(`SELECT count(*)::int AS n FROM alerts`))[0].n;
    expect((await scan('2026-03-04T08:30:00')).alertsCreated).toBe(0);
    const service = api.app.get(SlaScanService);
    const both = await Promise.all([service.scan(t('2026-03-04T08:31:00')), service.scan(t('2026-03-04T08:31:00'))]);
    expect(both.map((b) => b.alertsCreated)).toEqual([0, 0]);
    expect((await ds.query(`SELECT count(*)::int AS n FROM alerts`))[0].n).toBe(before);
  });

  it('turns due-soon into overdue at the due instant, closing the due-soon alert', async () => {
    await scan('2026-03-05T08:01:00');
    const list = await alerts('open');
    const overdue = list.find((a) => a.kind === 'overdue')!;
    expect(overdue).toMatchObject({
      recipientUserId: p.userIds.head,
      deadlineAt: '2026-03-05T08:00:00+07:00',
      closedAt: null,
    });
    expect(list.find((a) => a.kind === 'due_soon')!.closedAt).toBe('2026-03-05T08:01:00+07:00');
  });

  it('escalates to the reform board 16 working hours after the overdue alert fired', async () => {
    // Overdue fired at the scan of Thu 05/03 08:01: escalation Mon 09/03 08:01.
    await scan('2026-03-09T08:00:00');
    expect((await alerts('open')).some((a) => a.kind === 'escalated')).toBe(false);
    await scan('2026-03-09T08:01:00');
    const escalated = (await alerts('open')).filter((a) => a.kind === 'escalated');
    expect(escalated.map((a) => a.recipientUserId)).toEqual([p.userIds.board]);
    const boardView = await alerts('open', p.tokens.board, '&kind=escalated');
    expect(boardView).toHaveLength(1);
  });

  it('shows each person their own inbox, and a head the subtree', async () => {
    expect(await alerts('open', p.tokens.clerk)).toEqual([]);
    expect((await alerts('atAppraisal', p.tokens.officer)).map((a) => a.kind)).toEqual(['due_soon']);
    expect((await alerts('atAppraisal', head01)).map((a) => a.kind).sort()).toEqual(['stalled']);
    expect(await alerts('open', p.tokens.headOther)).toEqual([]);
    const head = await alerts('atAppraisal', p.tokens.head);
    // The head of the handling unit also sees the escalation about their unit (addressed to the board).
    expect(head.map((a) => a.kind).sort()).toEqual(['due_soon', 'due_soon', 'escalated', 'overdue', 'stalled']);
  });

  it('acknowledges an alert once, for its recipient', async () => {
    const overdue = (await alerts('open', p.tokens.head)).find((a) => a.kind === 'overdue')!;
    setNow('2026-03-09T09:00:00');
    const ack = await api.request('POST', `/alerts/${overdue.id}/acknowledge`, { token: p.tokens.head });
    expect(ack.status).toBe(200);
    expect(ack.body.acknowledgedAt).toBe('2026-03-09T09:00:00+07:00');
    setNow('2026-03-09T10:00:00');
    const again = await api.request('POST', `/alerts/${overdue.id}/acknowledge`, { token: p.tokens.head });
    expect(again.body.acknowledgedAt).toBe('2026-03-09T09:00:00+07:00');
    expect((await api.request('POST', `/alerts/${overdue.id}/acknowledge`, { token: p.tokens.headOther })).status).toBe(
      404,
    );
  });

  it('closes the alerts of a dossier once it is resolved', async () => {
    setNow('2026-03-09T11:00:00');
    const d = (await api.request('GET', `/dossiers/${ids.open}`, { token: p.admin })).body;
    const r = await api.request('POST', `/dossiers/${ids.open}/actions/resolve`, {
      token: p.admin,
      body: { expectedVersion: d.version, resultSummary: 'Đã cấp', electronicResult: false },
    });
    expect(r.status).toBe(200);
    const res = await scan('2026-03-09T11:01:00');
    expect(res.alertsClosed).toBeGreaterThanOrEqual(3);
    const list = await alerts('open');
    expect(list.every((a) => a.closedAt !== null)).toBe(true);
    expect(await alerts('open', p.admin, '&open=true')).toEqual([]);
  });

  it('moves the alerts to the new deadline after an extension', async () => {
    // A fresh dossier received Mon 16/03 08:00 (due Thu 19/03 08:00), extended on Wed to Mon 23/03 17:00.
    setNow('2026-03-16T08:00:00');
    const d = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
    ids.extended = d.id;
    await scan('2026-03-18T09:00:00');
    expect((await alerts('extended')).find((a) => a.kind === 'due_soon')?.deadlineAt).toBe('2026-03-19T08:00:00+07:00');
    setNow('2026-03-18T10:00:00');
    const ext = await api.request('POST', `/dossiers/${d.id}/actions/extend`, {
      token: p.tokens.head,
      body: {
        expectedVersion: 1,
        newPromisedAt: '2026-03-23T17:00:00+07:00',
        reason: 'Phối hợp liên ngành',
        responsibleUnitCode: 'H15.50',
      },
    });
    expect(ext.status).toBe(200);
    await scan('2026-03-19T09:00:00');
    const list = await alerts('extended');
    expect(list.filter((a) => a.kind === 'overdue')).toEqual([]);
    expect(
      list.find((a) => a.kind === 'due_soon' && a.deadlineAt === '2026-03-19T08:00:00+07:00')!.closedAt,
    ).not.toBeNull();
    await scan('2026-03-23T17:01:00');
    expect((await alerts('extended')).find((a) => a.kind === 'overdue')!.deadlineAt).toBe('2026-03-23T17:00:00+07:00');
  });

  it('alerts a dossier paused after its due instant: overdue, stalled, then escalated, once per deadline', async () => {
    // Received Mon 11/05 08:00 (due Thu 14/05 08:00; counter step due Mon 13:30), paused Thu 10:00.
    setNow('2026-05-14T10:10:00');
    const res = await api.request('POST', '/imports/dossiers', {
      token: p.admin,
      body: {
        dossiers: [
          {
            ...intakeBody(),
            receivedAt: '2026-05-11T08:00:00+07:00',
            code: 'H15.50-260511-0901',
            events: [
              // A payment wait pauses the clock (a supplement restarts it under Decree 118/2025).
              { action: 'request_payment', at: '2026-05-14T10:00:00+07:00', amount: 500000 },
            ],
          },
        ],
      },
    });
    expect(res.body.failed).toEqual([]);
    ids.pausedLate = (
      await api.request('GET', `/dossiers?code=H15.50-260511-0901`, { token: p.admin })
    ).body.items[0].id;
    await scan('2026-05-14T10:30:00');
    expect((await alerts('pausedLate')).map((a) => [a.kind, a.recipientUserId, a.deadlineAt]).sort()).toEqual([
      ['overdue', p.userIds.head, '2026-05-14T08:00:00+07:00'],
      ['stalled', p.userIds.head, '2026-05-11T13:30:00+07:00'],
    ]);
    // Overdue fired at Thu 10:30: 16 working hours later is Mon 18/05 10:30 (not 08:00, 16 working
    // hours after the deadline).
    await scan('2026-05-18T10:29:00');
    expect((await alerts('pausedLate')).some((a) => a.kind === 'escalated')).toBe(false);
    await scan('2026-05-18T10:30:00');
    expect((await alerts('pausedLate')).filter((a) => a.kind === 'escalated').map((a) => a.recipientUserId)).toEqual([
      p.userIds.board,
    ]);
    // Resumed: the due instant was already past, so the deadline is the same and nothing fires again.
    setNow('2026-05-18T11:00:00');
    const resumed = await api.request('POST', `/dossiers/${ids.pausedLate}/actions/confirm_payment`, {
      token: p.tokens.clerk,
      body: { expectedVersion: 2, paidOnline: false },
    });
    expect(resumed.status).toBe(200);
    expect(resumed.body.dueAt).toBe('2026-05-14T08:00:00+07:00');
    expect((await scan('2026-05-18T11:01:00')).alertsCreated).toBe(0);
    const after = await alerts('pausedLate');
    expect(after.map((a) => a.kind).sort()).toEqual(['escalated', 'overdue', 'stalled']);
    expect(after.filter((a) => a.kind !== 'stalled').every((a) => a.closedAt === null)).toBe(true);
  });

  it('gives the head 16 working hours between overdue and escalation for a dossier found late by its first scan', async () => {
    // A history received Mon 01/06 08:00 (due Thu 04/06 08:00), imported on Mon 15/06: already late by
    // much more than 16 working hours. Its first scan raises overdue only.
    setNow('2026-06-15T08:50:00');
    const res = await api.request('POST', '/imports/dossiers', {
      token: p.admin,
      body: {
        dossiers: [
          { ...intakeBody(), receivedAt: '2026-06-01T08:00:00+07:00', code: 'H15.50-260601-0901', events: [] },
        ],
      },
    });
    expect(res.body.failed).toEqual([]);
    ids.lateImport = (
      await api.request('GET', `/dossiers?code=H15.50-260601-0901`, { token: p.admin })
    ).body.items[0].id;
    await scan('2026-06-15T09:00:00');
    const first = await alerts('lateImport');
    expect(first.filter((a) => a.kind !== 'stalled').map((a) => [a.kind, a.deadlineAt])).toEqual([
      ['overdue', '2026-06-04T08:00:00+07:00'],
    ]);
    // Mon 09:00 + 16 working hours: 6.5 h on Monday, 8 h on Tuesday, 1.5 h on Wednesday.
    const ds = api.app.get(DataSource);
    const escalatesAt = async () =>
      (
        await ds.query(`SELECT escalate_at FROM alerts WHERE dossier_id = $1 AND kind = 'overdue'`, [ids.lateImport])
      ).map((r: { escalate_at: Date | null }) => r.escalate_at?.toISOString() ?? null);
    expect(await escalatesAt()).toEqual([t('2026-06-17T09:00:00').toISOString()]);
    await scan('2026-06-16T17:00:00');
    // An overdue alert raised by an earlier release has no escalation instant: the scan computes it
    // from the alert's own instant.
    await ds.query(`UPDATE alerts SET escalate_at = NULL WHERE dossier_id = $1 AND kind = 'overdue'`, [ids.lateImport]);
    await scan('2026-06-17T08:59:00');
    expect(await escalatesAt()).toEqual([t('2026-06-17T09:00:00').toISOString()]);
    expect((await alerts('lateImport')).some((a) => a.kind === 'escalated')).toBe(false);
    await scan('2026-06-17T09:00:00');
    expect((await alerts('lateImport')).filter((a) => a.kind === 'escalated').map((a) => a.recipientUserId)).toEqual([
      p.userIds.board,
    ]);
    // Once, whatever the rescans.
    expect((await scan('2026-06-17T09:05:00')).alertsCreated).toBe(0);
    const again = await Promise.all([
      api.app.get(SlaScanService).scan(t('2026-06-17T09:06:00')),
      api.app.get(SlaScanService).scan(t('2026-06-17T09:06:00')),
    ]);
    expect(again.map((r) => r.byKind.escalated)).toEqual([0, 0]);
    expect((await alerts('lateImport')).filter((a) => a.kind === 'escalated')).toHaveLength(1);
  });

  it('migrates: open overdue alerts the earlier release escalated are marked so, and nothing escalates twice', async () => {
    const ds = api.app.get(DataSource);
    const runner = ds.createQueryRunner();
    try {
      await new EscalationFromOverdue1767010000000().down(runner);
      const columns = async (table: string) =>
        (await ds.query(`SELECT column_name FROM information_schema.columns WHERE table_name = $1`, [table])).map(
          (r: { column_name: string }) => r.column_name,
        );
      expect(await columns('dossiers')).toContain('escalate_at');
      expect(await columns('alerts')).not.toContain('escalated_at');
      await new EscalationFromOverdue1767010000000().up(runner);
      expect(await columns('dossiers')).not.toContain('escalate_at');
    } finally {
      await runner.release();
    }
    // The paused dossier's overdue alert (open, escalated above) is marked; its instant is computed
    // again from its created_at, and a scan raises nothing new.
    const marked = await ds.query(
      `SELECT escalated_at IS NOT NULL AS escalated FROM alerts WHERE dossier_id = $1 AND kind = 'overdue'`,
      [ids.pausedLate],
    );
    expect(marked).toEqual([{ escalated: true }]);
    expect((await scan('2026-06-17T09:10:00')).alertsCreated).toBe(0);
  });

  it('refuses the scan to anyone but the admin', async () => {
    expect((await api.request('POST', '/sla/scan', { token: p.tokens.head })).status).toBe(403);
  });
});
