import { ACTIONS, ALLOWED_FROM, STATUSES } from '../../src/dossiers/lifecycle';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';

/** Payloads that are valid for each action, so only the status decides. */
const PAYLOADS: Record<string, Record<string, unknown>> = {
  forward: {},
  request_supplement: { reason: 'Thiếu bản vẽ', items: ['Bản vẽ'] },
  receive_supplement: {},
  request_payment: { amount: 200000 },
  confirm_payment: { paidOnline: false },
  extend: {
    newPromisedAt: new Date(Date.now() + 90 * 86_400_000).toISOString(),
    reason: 'Phối hợp',
    responsibleUnitCode: 'H15.50.01',
  },
  resolve: { resultSummary: 'Cấp phép', electronicResult: true },
  return: {},
  reject: { reason: 'Không đủ điều kiện' },
  stop: { reason: 'Theo đề nghị' },
  withdraw: { reason: 'Rút' },
  close: { reason: 'Quá hạn bổ sung' },
  // Leaders' tools (the assignee of a reassignment is chosen in the test: an officer of the step's unit).
  comment: { text: 'Đề nghị khẩn trương xử lý' },
  reassign: { reason: 'Cán bộ nghỉ phép' },
  recall: { reason: 'Thẩm định chưa đạt' },
  correct_deadline: {
    dueAt: new Date(Date.now() + 120 * 86_400_000).toISOString(),
    reason: 'Sự cố hệ thống',
    documentRef: 'Công văn 45/STTTT',
  },
};

describe('the full transition table over HTTP', () => {
  let api: Api;
  let p: Province;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    // One fresh dossier per (status, action), brought to the status by an imported history.
    const receivedAt = Date.now() - 60 * 60_000;
    const at = (min: number) => new Date(receivedAt + min * 60_000).toISOString();
    const paths: Record<string, Record<string, unknown>[]> = {
      received: [],
      in_progress: [{ action: 'forward', at: at(1) }],
      awaiting_supplement: [{ action: 'request_supplement', at: at(1), ...PAYLOADS.request_supplement }],
      awaiting_payment: [{ action: 'request_payment', at: at(1), ...PAYLOADS.request_payment }],
      resolved: [{ action: 'resolve', at: at(1), ...PAYLOADS.resolve }],
      returned: [
        { action: 'resolve', at: at(1), ...PAYLOADS.resolve },
        { action: 'return', at: at(2) },
      ],
      rejected: [{ action: 'reject', at: at(1), ...PAYLOADS.reject }],
      stopped: [{ action: 'stop', at: at(1), ...PAYLOADS.stop }],
      withdrawn: [{ action: 'withdraw', at: at(1), ...PAYLOADS.withdraw }],
    };
    // Closing needs 15 days since the request (Decree 118/2025 Art. 19.5): the dossiers that are or
    // will be closed were received 20 days ago, their request a minute after.
    const DAYS_20 = 20 * 24 * 60;
    const early: Record<string, Record<string, unknown>[]> = {
      closed: [
        { action: 'request_supplement', at: at(1 - DAYS_20), ...PAYLOADS.request_supplement },
        { action: 'close', at: at(2 - 4 * 24 * 60), ...PAYLOADS.close },
      ],
      awaiting_supplement: [{ action: 'request_supplement', at: at(1 - DAYS_20), ...PAYLOADS.request_supplement }],
    };
    const dossiers: Record<string, unknown>[] = [];
    const keys: string[] = [];
    let n = 1;
    for (const status of STATUSES) {
      for (const action of ACTIONS.filter((a) => a !== 'intake')) {
        const old = status === 'closed' || (status === 'awaiting_supplement' && action === 'close');
        const received = old ? receivedAt - DAYS_20 * 60_000 : receivedAt;
        const day = new Date(received + 7 * 3_600_000).toISOString().slice(2, 10).replace(/-/g, '');
        const code = `H15.50-${day}-${String(8000 + n++)}`;
        dossiers.push({
          ...intakeBody(),
          code,
          receivedAt: new Date(received).toISOString(),
          events: old ? early[status] : paths[status],
        });
        keys.push(`${status}/${action}|${code}`);
      }
    }
    const res = await api.request('POST', '/imports/dossiers', { token: p.admin, body: { dossiers } });
    expect(res.body.failed).toEqual([]);
    for (const k of keys) {
      const [pair, code] = k.split('|');
      const found = await api.request('GET', `/dossiers?code=${code}`, { token: p.admin });
      ids.set(pair, found.body.items[0].id);
    }
  });
  afterAll(() => api.close());

  for (const status of STATUSES) {
    for (const action of ACTIONS.filter((a) => a !== 'intake')) {
      // Decree 118 (the policy of these 2026 dossiers): no extension while a supplement is awaited,
      // a rule (422) on top of the table, tested in lifecycle.nd118.spec.
      if (action === 'extend' && status === 'awaiting_supplement') continue;
      const allowed = ALLOWED_FROM[action].includes(status);
      it(`${allowed ? 'allows' : 'refuses'} ${action} from ${status}`, async () => {
        const id = ids.get(`${status}/${action}`)!;
        const before = (await api.request('GET', `/dossiers/${id}`, { token: p.admin })).body;
        expect(before.status).toBe(status);
        const events = (await api.request('GET', `/dossiers/${id}/events`, { token: p.admin })).body.length;
        const res = await api.request('POST', `/dossiers/${id}/actions/${action}`, {
          token: p.admin,
          body: {
            expectedVersion: before.version,
            ...PAYLOADS[action],
            // Only in_progress dossiers were forwarded (to the appraisal's unit); the others are at
            // the counter's step, whose unit is the clerk's.
            ...(action === 'reassign'
              ? { assigneeUserId: status === 'in_progress' ? p.userIds.officer : p.userIds.clerk }
              : {}),
          },
        });
        const after = (await api.request('GET', `/dossiers/${id}`, { token: p.admin })).body;
        const afterEvents = (await api.request('GET', `/dossiers/${id}/events`, { token: p.admin })).body.length;
        if (allowed) {
          expect(res.status).toBe(200);
          expect(after.version).toBe(before.version + 1);
          expect(afterEvents).toBe(events + 1);
        } else {
          expect(res.status).toBe(409);
          expect(res.body.code).toBe('TRANSITION_NOT_ALLOWED');
          // No trace: neither the projection nor the log moved.
          expect(after).toEqual({ ...before, ...pickLive(after) });
          expect(afterEvents).toBe(events);
        }
      });
    }
  }
});

/** Figures computed "as of now" may tick between two reads; everything else must be identical. */
function pickLive(d: Record<string, unknown>) {
  return {
    usedWorkingMinutes: d.usedWorkingMinutes,
    remainingWorkingMinutes: d.remainingWorkingMinutes,
    pausedWorkingMinutes: d.pausedWorkingMinutes,
    timeliness: d.timeliness,
  };
}
