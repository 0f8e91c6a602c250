import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { SlaScanService } from '../../src/sla/sla-scan.service';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';

const t = (local: string) => new Date(`${local}+07:00`);

/**
 * The SLA scan when something fails halfway (a statement refused by PostgreSQL, as a restart or a
 * terminated connection would), and alerts of a paused dossier whose deadline is corrected. The
 * failures are real: PostgreSQL refuses the statement (a table renamed away for the length of one
 * scan, a trigger that fails an UPDATE once), not a stand-in of our code.
 */
describe('SLA scan: failures halfway, and corrections while paused', () => {
  let api: Api;
  let p: Province;
  let ds: DataSource;
  let scanner: SlaScanService;

  beforeAll(async () => {
    // E-mail on (nothing is sent: no worker runs here), so that alerts get their outbox rows.
    api = await startApi({ SMTP_URL: 'smtp://127.0.0.1:9' });
    p = await buildProvince(api);
    ds = api.app.get(DataSource);
    scanner = api.app.get(SlaScanService);
    const units = (await api.request('GET', '/units?limit=500', { token: p.admin })).body.items as {
      id: string;
      code: string;
    }[];
    const h1550 = units.find((u) => u.code === 'H15.50')!.id;
    await api.request('PATCH', `/units/${h1550}`, { token: p.admin, body: { headUserId: p.userIds.head } });
    await api.request('PATCH', `/users/${p.userIds.head}`, { token: p.admin, body: { email: 'head@example.vn' } });
  }, 60_000);
  afterAll(() => api?.close());

  const setNow = (at: Date) => (api.app.get(Clock).now = () => at);
  const act = async (id: string, action: string, token: string, body: Record<string, unknown> = {}) => {
    const d = (await api.request('GET', `/dossiers/${id}`, { token: p.admin })).body;
    const res = await api.request('POST', `/dossiers/${id}/actions/${action}`, {
      token,
      body: { expectedVersion: d.version, ...body },
    });
    expect(res.status).toBe(200);
  };
  const open = async (id: string, kinds = ['due_soon', 'overdue', 'escalated', 'stalled', 'supplement_expired']) =>
    (
      await ds.query(
        `SELECT kind, deadline_at FROM alerts
         WHERE dossier_id = $1 AND closed_at IS NULL AND kind = ANY($2) ORDER BY kind, deadline_at`,
        [id, kinds],
      )
    ).map((a: { kind: string; deadline_at: Date }) => `${a.kind}@${a.deadline_at.toISOString()}`);

  it('closes the alerts of a dossier resolved before a scan that failed halfway, when the scan is retried', async () => {
    // Real time here: the close pass reads updated_at, which PostgreSQL stamps.
    const start = new Date((await ds.query(`SELECT now() AS n`))[0].n);
    setNow(start);
    const received = new Date(start.getTime() - 14 * 86_400_000).toISOString();
    const imported = await api.request('POST', '/imports/dossiers', {
      token: p.admin,
      body: { dossiers: [{ ...intakeBody(), receivedAt: received, code: 'H15.50-261120-0991', events: [] }] },
    });
    expect(imported.body.failed).toEqual([]);
    const id = (await api.request('GET', '/dossiers?code=H15.50-261120-0991', { token: p.admin })).body.items[0].id;
    await scanner.scan(start);
    expect((await open(id)).some((a: string) => a.startsWith('overdue@'))).toBe(true);
    await act(id, 'resolve', p.admin, { resultSummary: 'Đã cấp phép', electronicResult: false });
    // No scan for 20 minutes (the worker restarting); the first one fails after the kinds' passes,
    // in the feedback pass (its table is away).
    const failing = new Date(start.getTime() + 20 * 60_000);
    await ds.query(`ALTER TABLE dossier_feedback RENAME TO dossier_feedback_away`);
    try {
      await expect(scanner.scan(failing)).rejects.toThrow(/dossier_feedback/);
    } finally {
      await ds.query(`ALTER TABLE dossier_feedback_away RENAME TO dossier_feedback`);
    }
    // The retry. Before: the failed scan had moved the watermarks past the resolution, and the
    // alerts of the resolved dossier stayed open for good.
    await scanner.scan(new Date(failing.getTime() + 10_000));
    expect(await open(id)).toEqual([]);
  });

  it('gives an overdue-feedback alert its e-mail even when the scan fails right after raising it', async () => {
    const now = new Date((await ds.query(`SELECT now() AS n`))[0].n);
    const d = (await ds.query(`SELECT id, handling_unit_id FROM dossiers LIMIT 1`))[0];
    await ds.query(
      `INSERT INTO dossier_feedback (dossier_id, unit_id, kind, content, lodged_at, due_at)
       VALUES ($1, $2, 'other', 'Phản ánh', $3::timestamptz - interval '30 days', $3::timestamptz - interval '1 day')`,
      [d.id, d.handling_unit_id, now],
    );
    // Every UPDATE of alerts fails for one scan: the first one comes right after the raise (closing
    // the alerts of answered feedback).
    await ds.query(`
      CREATE FUNCTION refuse_alert_updates() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected: alerts update refused'; END $$;
      CREATE TRIGGER refuse_alert_updates BEFORE UPDATE ON alerts
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_alert_updates();`);
    try {
      await expect(scanner.scan(new Date(now.getTime() + 3_600_000))).rejects.toThrow(/injected/);
    } finally {
      await ds.query(`DROP TRIGGER refuse_alert_updates ON alerts; DROP FUNCTION refuse_alert_updates();`);
    }
    await scanner.scan(new Date(now.getTime() + 3_600_000 + 10_000));
    const rows = await ds.query(
      `SELECT a.recipient_user_id, array_agg(ad.channel || ':' || ad.target) AS deliveries
       FROM alerts a LEFT JOIN alert_deliveries ad ON ad.alert_id = a.id
       WHERE a.kind = 'feedback_overdue' AND a.dossier_id = $1 GROUP BY a.id, a.recipient_user_id`,
      [d.id],
    );
    // Before: the alert was committed alone and the retry created nothing, so no e-mail was ever written.
    expect(rows).toEqual([{ recipient_user_id: p.userIds.head, deliveries: ['email:head@example.vn'] }]);
  });

  it('closes the overdue alert of a paused dossier whose deadline is corrected, and raises the corrected one', async () => {
    // The dossier's deadline alerts (its counter step has its own, stalled, not concerned here).
    const DEADLINE = ['due_soon', 'overdue', 'escalated'];
    setNow(t('2026-06-01T08:00:00')); // Monday; due Thursday 04/06 08:00
    const d = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
    setNow(t('2026-06-04T10:00:00'));
    await act(d.id, 'request_payment', p.admin, { amount: 100000 }); // paused, already late
    await scanner.scan(t('2026-06-04T10:01:00'));
    expect(await open(d.id, DEADLINE)).toEqual(['overdue@2026-06-04T01:00:00.000Z']);
    const correct = async (at: string, dueAt: string, documentRef: string) => {
      setNow(t(at));
      await act(d.id, 'correct_deadline', p.tokens.board, { dueAt, reason: 'Đính chính ngày hẹn', documentRef });
      await scanner.scan(new Date(t(at).getTime() + 60_000));
    };
    // The board corrects the due instant to another past one: the alert about the old one closes.
    await correct('2026-06-04T11:00:00', '2026-06-03T17:00:00+07:00', 'CV 2/2026');
    expect(await open(d.id, DEADLINE)).toEqual(['overdue@2026-06-03T10:00:00.000Z']);
    // Then to a future one: nothing is overdue any more (both stayed open until the resumption).
    await correct('2026-06-04T12:00:00', '2026-06-10T17:00:00+07:00', 'CV 3/2026');
    expect(await open(d.id, DEADLINE)).toEqual([]);
  });
});
