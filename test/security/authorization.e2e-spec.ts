import { createHmac, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { freshAddress, clockOf } from '../public/support';
import { Api, startApi } from '../support/http';
import { buildProvince, BUILDING_PERMIT, intakeBody, Province } from '../support/province';

/**
 * The authorization matrix: every operation of the OpenAPI document, called by nobody and by a
 * user of every role, from the unit that owns the dossiers (H15.50) and from an unrelated one
 * (H15.60), with real ids and bodies that would be valid, so the answer reflects authorization.
 *
 * Outcomes (docs/http-api.md "Conventions"):
 *   ok   the call succeeds: 2xx (for the operations in LENIENT, also a domain 409/422, i.e. the
 *        request went past authorization and was refused by a business rule);
 *   401  no token on a route that needs one;
 *   403  the role lacks the permission (or may see the object but not do this to it);
 *   404  the object is outside the caller's scope: answered like one that does not exist.
 * Every refusal must come in the error shape, and an answer to a user of the unrelated unit must
 * never contain an id, code or applicant of the owning unit's dossiers.
 *
 * An operation in the OpenAPI document without a row here fails the suite: a new endpoint must be
 * classified before it ships. Path parameters in braces are the OpenAPI names; the dossier
 * actions, one operation with an enumerated {action}, get a row per action (`{action=name}`).
 */
const WHO = ['anon', 'admin', 'board', 'head', 'headX', 'officer', 'officerX', 'clerk', 'clerkX'] as const;
type Who = (typeof WHO)[number];
type Outcome = 'ok' | '401' | '403' | '404';

// board: reform_board (no unit); head/officer/clerk: unit_head/officer/counter_staff of H15.50, which
// receives and handles the dossiers; the X columns: the same roles in H15.60, an unrelated department.
const MATRIX = `
operation                                                anon admin board head headX officer officerX clerk clerkX
POST   /api/v1/auth/login                                ok   ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/auth/me                                   401  ok    ok    ok   ok    ok      ok       ok    ok
POST   /api/v1/users                                     401  ok    403   403  403   403     403      403   403
GET    /api/v1/users                                     401  ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/users/{id}                                401  ok    ok    ok   ok    ok      ok       ok    ok
PATCH  /api/v1/users/{id}                                401  ok    403   403  403   403     403      403   403
GET    /api/v1/calendar/days                             401  ok    ok    ok   ok    ok      ok       ok    ok
PUT    /api/v1/calendar/days/{date}                      401  ok    403   403  403   403     403      403   403
DELETE /api/v1/calendar/days/{date}                      401  ok    403   403  403   403     403      403   403
GET    /api/v1/calendar/working-hours                    401  ok    ok    ok   ok    ok      ok       ok    ok
PUT    /api/v1/calendar/working-hours                    401  ok    403   403  403   403     403      403   403
GET    /api/v1/calendar/due                              401  ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/calendar/working-hours/schedule           401  ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/calendar/years                            401  ok    ok    ok   ok    ok      ok       ok    ok
POST   /api/v1/calendar/years/{year}/confirm             401  ok    ok    403  403   403     403      403   403
GET    /api/v1/calendar/changes                          401  ok    403   403  403   403     403      403   403
POST   /api/v1/units                                     401  ok    403   403  403   403     403      403   403
GET    /api/v1/units                                     401  ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/units/{id}                                401  ok    ok    ok   ok    ok      ok       ok    ok
PATCH  /api/v1/units/{id}                                401  ok    403   403  403   403     403      403   403
DELETE /api/v1/units/{id}                                401  ok    403   403  403   403     403      403   403
POST   /api/v1/procedures                                401  ok    403   403  403   403     403      403   403
GET    /api/v1/procedures                                401  ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/procedures/{id}                           401  ok    ok    ok   ok    ok      ok       ok    ok
PATCH  /api/v1/procedures/{id}                           401  ok    403   403  403   403     403      403   403
GET    /api/v1/procedures/{id}/versions/{version}        401  ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/health                                    ok   ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/health/ready                              ok   ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/metrics                                   ok   ok    ok    ok   ok    ok      ok       ok    ok
POST   /api/v1/dossiers                                  401  ok    403   ok   403   403     403      ok    403
GET    /api/v1/dossiers                                  401  ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/dossiers/{id}                             401  ok    ok    ok   404   ok      404      ok    404
GET    /api/v1/dossiers/{id}/events                      401  ok    ok    ok   404   ok      404      ok    404
GET    /api/v1/dossiers/{id}/deadline                    401  ok    ok    ok   404   ok      404      ok    404
GET    /api/v1/dossiers/{id}/control-slip                401  ok    ok    ok   404   ok      404      ok    404
GET    /api/v1/dossiers/{id}/receipt                     401  ok    ok    ok   404   ok      404      ok    404
GET    /api/v1/dossiers/{id}/extensions/{n}/letter       401  ok    ok    ok   404   ok      404      ok    404
POST   /api/v1/dossiers/{id}/actions/{action=forward}            401 ok 403 ok 404 ok  404 ok  404
POST   /api/v1/dossiers/{id}/actions/{action=request_supplement} 401 ok 403 ok 404 ok  404 403 404
POST   /api/v1/dossiers/{id}/actions/{action=receive_supplement} 401 ok 403 ok 404 403 404 ok  404
POST   /api/v1/dossiers/{id}/actions/{action=request_payment}    401 ok 403 ok 404 ok  404 403 404
POST   /api/v1/dossiers/{id}/actions/{action=confirm_payment}    401 ok 403 ok 404 403 404 ok  404
POST   /api/v1/dossiers/{id}/actions/{action=extend}             401 ok 403 ok 404 403 404 403 404
POST   /api/v1/dossiers/{id}/actions/{action=resolve}            401 ok 403 ok 404 ok  404 403 404
POST   /api/v1/dossiers/{id}/actions/{action=return}             401 ok 403 ok 404 403 404 ok  404
POST   /api/v1/dossiers/{id}/actions/{action=reject}             401 ok 403 ok 404 ok  404 403 404
POST   /api/v1/dossiers/{id}/actions/{action=stop}               401 ok 403 ok 404 ok  404 403 404
POST   /api/v1/dossiers/{id}/actions/{action=withdraw}           401 ok 403 ok 404 403 404 ok  404
POST   /api/v1/dossiers/{id}/actions/{action=close}              401 ok 403 ok 404 403 404 ok  404
POST   /api/v1/dossiers/{id}/actions/{action=comment}            401 ok ok  ok 404 403 404 403 404
POST   /api/v1/dossiers/{id}/actions/{action=reassign}           401 ok 403 ok 404 403 404 403 404
POST   /api/v1/dossiers/{id}/actions/{action=recall}             401 ok 403 ok 404 403 404 403 404
POST   /api/v1/dossiers/{id}/actions/{action=correct_deadline}   401 ok ok  403 404 403 404 403 404
POST   /api/v1/imports/dossiers                          401  ok    403   403  403   403     403      403   403
POST   /api/v1/sla/scan                                  401  ok    403   403  403   403     403      403   403
GET    /api/v1/alerts                                    401  ok    ok    ok   ok    ok      ok       ok    ok
POST   /api/v1/alerts/{id}/acknowledge                   401  ok    403   ok   404   404     404      404   404
GET    /api/v1/public/dossiers/{code}                    ok   ok    ok    ok   ok    ok      ok       ok    ok
POST   /api/v1/public/dossiers/{code}/rating             ok   ok    ok    ok   ok    ok      ok       ok    ok
POST   /api/v1/public/dossiers/{code}/feedback           ok   ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/ratings                                   401  ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/feedback                                  401  ok    ok    ok   ok    ok      ok       ok    ok
POST   /api/v1/feedback/{id}/answer                      401  ok    403   ok   404   ok      404      403   403
POST   /api/v1/webhooks                                  401  ok    403   403  403   403     403      403   403
GET    /api/v1/webhooks                                  401  ok    403   403  403   403     403      403   403
DELETE /api/v1/webhooks/{id}                             401  ok    403   403  403   403     403      403   403
GET    /api/v1/webhooks/{id}/deliveries                  401  ok    403   403  403   403     403      403   403
GET    /api/v1/reports/processing                        401  ok    ok    ok   404   403     403      403   403
GET    /api/v1/reports/index                             401  ok    ok    ok   404   403     403      403   403
PUT    /api/v1/reports/index/inputs                      401  403   ok    403  403   403     403      403   403
GET    /api/v1/reports/officials                         401  ok    ok    ok   404   403     403      403   403
GET    /api/v1/reports/rejudgement                       401  ok    ok    403  403   403     403      403   403
GET    /api/v1/reports/officials/{userId}/sheet          401  ok    ok    ok   404   ok      404      404   404
GET    /api/v1/reports/periods                           401  ok    ok    403  403   403     403      403   403
POST   /api/v1/reports/periods/{period}/close            401  ok    ok    403  403   403     403      403   403
POST   /api/v1/reports/periods/{period}/reopen           401  ok    403   403  403   403     403      403   403
GET    /api/v1/reports/periods/{period}/adjustments      401  ok    ok    403  403   403     403      403   403
GET    /api/v1/reports/corrections                       401  ok    ok    ok   404   403     403      403   403
GET    /api/v1/public/stats                              ok   ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/public/board                              ok   ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/dossiers/{id}/messages                    401  ok    ok    ok   404   ok      404      ok    404
POST   /api/v1/public/dossiers/{code}/notifications      ok   ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/reports/messages                          401  ok    ok    403  403   403     403      403   403
POST   /api/v1/integrations/{provider}/callback          ok   ok    ok    ok   ok    ok      ok       ok    ok
GET    /api/v1/integrations/{provider}/callback          ok   ok    ok    ok   ok    ok      ok       ok    ok
POST   /api/v1/integrations/sources                      401  ok    403   403  403   403     403      403   403
GET    /api/v1/integrations/sources                      401  ok    403   403  403   403     403      403   403
POST   /api/v1/integrations/sources/{id}/rotate-key      401  ok    403   403  403   403     403      403   403
DELETE /api/v1/integrations/sources/{id}                 401  ok    403   403  403   403     403      403   403
GET    /api/v1/integrations/rejected                     401  ok    403   403  403   403     403      403   403
POST   /api/v1/integrations/rejected/reprocess           401  ok    403   403  403   403     403      403   403
POST   /api/v1/integrations/rejected/{id}/reprocess      401  ok    403   403  403   403     403      403   403
GET    /api/v1/integrations/mismatches                   401  ok    ok    403  403   403     403      403   403
POST   /api/v1/integrations/dvcqg                         401  401   401   401  401   401     401      401   401
POST   /api/v1/integrations/dvcqg/DongBoHoSoMC            401  401   401   401  401   401     401      401   401
POST   /api/v1/integrations/dvcqg/create                  401  401   401   401  401   401     401      401   401
POST   /api/v1/integrations/dvcqg/update                  401  401   401   401  401   401     401      401   401
POST   /api/v1/integrations/dvcqg/progress                401  401   401   401  401   401     401      401   401
GET    /api/v1/portal-sync/failures                      401  ok    403   403  403   403     403      403   403
POST   /api/v1/portal-sync/failures/retry                401  ok    403   403  403   403     403      403   403
POST   /api/v1/portal-sync/failures/{dossierId}/retry    401  ok    403   403  403   403     403      403   403
GET    /api/v1/portal-sync/status                        401  ok    403   403  403   403     403      403   403
`;
// Why some cells are what they are:
// - alerts are addressed to people: officers and counter staff see (and acknowledge) only their own,
//   unit heads their subtree's, the board reads all but acknowledges only escalations (403 here:
//   the alert is an overdue one addressed to the head of H15.50);
// - dossier actions: counter staff act for the receiving unit (forward only from the counter step),
//   officers for the unit of the current step, heads for both and sign extensions, the board reads;
// - intake for another unit is 403, not 404: unit codes are public catalogue data;
// - the role check comes before the scope: counter staff of H15.60 answering feedback get 403;
// - index inputs are entered by the reform board alone (docs/http-api.md), not even by the admin;
// - leaders' tools: heads of a unit the dossier concerns and the board comment, heads of the step's
//   unit reassign, heads of the step's or receiving unit recall, the board corrects deadlines;
// - an official's annual sheet: the official (here: officer50 of H15.50), heads of their unit and its
//   ancestors, the board; anyone else gets 404 (as for an official that does not exist);
// - closed periods: closed by the board (and the admin), reopened by the admin alone; each call
//   closes a period of its own (closing one twice is 409), reopening one that was just closed.
// - providers' delivery reports need no sign-in: they carry the provider's signature or token instead
//   (a report without one is 401 for everybody, test/messages/messages.e2e-spec.ts).
// - the receiver (/integrations/dvcqg…) takes a source system's X-Api-Key only: a user's token is 401
//   for everyone (exchange.e2e-spec.ts feeds it with a key, and shows a key opens nothing else).

/**
 * Operations whose valid body may still meet a business rule once authorized: closing a dossier is
 * allowed only 15 days after its supplement request (Decree 118/2025 Art. 19.5), so an authorized
 * caller meets 422 RULE_VIOLATION on a fresh request (the rule itself: test/dossiers/decree-118.e2e-spec.ts).
 */
const LENIENT = new Set<string>(['POST /api/v1/dossiers/{id}/actions/{action=close}']);

interface Row {
  key: string;
  method: string;
  path: string;
  expected: Record<Who, Outcome>;
}

function parseMatrix(text: string): Row[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('operation'));
  return lines.map((line) => {
    const [method, path, ...cells] = line.split(/\s+/);
    if (cells.length !== WHO.length) throw new Error(`matrix row "${line}" has ${cells.length} cells`);
    for (const c of cells) if (!['ok', '401', '403', '404'].includes(c)) throw new Error(`bad cell ${c} in "${line}"`);
    const expected = Object.fromEntries(WHO.map((w, i) => [w, cells[i] as Outcome])) as Record<Who, Outcome>;
    return { key: `${method} ${path}`, method, path, expected };
  });
}

const ROWS = parseMatrix(MATRIX);
const MATRIX_SMS_SECRET = 'matrix-sms-secret';
const SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

interface Call {
  url: string;
  body?: unknown;
}

describe('authorization matrix: every operation × every role, owning and unrelated unit', () => {
  let api: Api;
  let p: Province;
  const token: Partial<Record<Who, string>> = {};
  const ids: Record<string, string> = {};
  let lookupKey = '';
  let dossierCode = '';
  let serial = 0;
  /** Ids, codes and applicant data of the owning unit's dossiers: never in an outsider's answer. */
  const secrets = new Set<string>(['Nguyễn Văn Bình', '001085012345', '0912345678']);
  const tally = { checks: 0, unexpectedAccess: 0, unexpectedRefusal: 0, operations: new Set<string>() };

  const ok = async (res: Promise<{ status: number; body: any }>, what: string) => {
    const r = await res;
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const asAdmin = (method: string, url: string, body?: unknown) =>
    ok(api.request(method, url, { token: p.admin, body, remoteAddress: freshAddress() }), `${method} ${url}`);

  /** A fresh dossier of H15.50 (received now), taken through `steps` by the admin. */
  async function dossier(steps: [string, Record<string, unknown>][] = []) {
    const d = await ok(api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() }), 'intake');
    secrets.add(d.id).add(d.code);
    let version = d.version as number;
    for (const [action, body] of steps) {
      version = (await asAdmin('POST', `/dossiers/${d.id}/actions/${action}`, { expectedVersion: version, ...body }))
        .version;
    }
    return { id: d.id as string, code: d.code as string, lookupKey: d.lookupKey as string, version };
  }

  const RESOLVE = { resultSummary: 'Đã cấp giấy phép', electronicResult: true };
  const ACTION_BODIES: Record<string, { before: [string, Record<string, unknown>][]; body: Record<string, unknown> }> =
    {
      forward: { before: [], body: {} },
      request_supplement: { before: [], body: { reason: 'Thiếu bản vẽ', items: ['Bản vẽ mặt bằng'] } },
      receive_supplement: {
        before: [['request_supplement', { reason: 'Thiếu', items: ['Bản vẽ'] }]],
        body: { note: 'Đã nhận đủ' },
      },
      request_payment: { before: [], body: { amount: 500000 } },
      confirm_payment: { before: [['request_payment', { amount: 500000 }]], body: { paidOnline: false } },
      extend: {
        before: [],
        body: {
          newPromisedAt: '2026-03-27T16:00:00+07:00',
          reason: 'Cần xác minh thêm',
          responsibleUnitCode: 'H15.50',
        },
      },
      resolve: { before: [], body: RESOLVE },
      return: { before: [['resolve', RESOLVE]], body: { note: 'Đã trả kết quả' } },
      reject: { before: [], body: { reason: 'Không đủ điều kiện' } },
      stop: { before: [], body: { reason: 'Tạm dừng theo yêu cầu' } },
      withdraw: { before: [], body: { reason: 'Công dân rút hồ sơ' } },
      close: {
        before: [['request_supplement', { reason: 'Thiếu', items: ['Bản vẽ'] }]],
        body: { reason: 'Quá hạn bổ sung' },
      },
      comment: { before: [], body: { text: 'Đề nghị khẩn trương xử lý' } },
      reassign: { before: [['forward', {}]], body: { assigneeUserId: '', reason: 'Cán bộ nghỉ phép' } },
      recall: { before: [['forward', {}]], body: { reason: 'Thẩm định chưa đạt' } },
      correct_deadline: {
        before: [],
        body: { dueAt: '2026-03-20T17:00:00+07:00', reason: 'Sự cố hệ thống', documentRef: 'Công văn 45/STTTT' },
      },
    };

  /** How to call each operation: its concrete URL and a body that would be valid (fresh objects where a call consumes one). */
  const CALLS: Record<string, (who: Who) => Promise<Call>> = {
    'POST /api/v1/auth/login': async () => ({
      url: '/auth/login',
      body: { username: 'admin', password: 'admin-password-1' },
    }),
    'GET /api/v1/auth/me': async () => ({ url: '/auth/me' }),
    'POST /api/v1/users': async () => ({
      url: '/users',
      body: {
        username: `matrix${++serial}`,
        password: 'matrix-password',
        fullName: 'Người dùng thử',
        role: 'officer',
        unitCode: 'H15.60',
      },
    }),
    'GET /api/v1/users': async () => ({ url: '/users' }),
    'GET /api/v1/users/{id}': async () => ({ url: `/users/${ids.user}` }),
    'PATCH /api/v1/users/{id}': async () => ({ url: `/users/${ids.user}`, body: { fullName: 'Người dùng đích' } }),
    'GET /api/v1/calendar/days': async () => ({ url: '/calendar/days?from=2026-01-01&to=2026-12-31' }),
    'PUT /api/v1/calendar/days/{date}': async () => ({
      url: '/calendar/days/2027-06-01',
      body: { kind: 'holiday', name: 'Ngày nghỉ thử' },
    }),
    'DELETE /api/v1/calendar/days/{date}': async () => {
      const date = `2027-07-${String(++serial % 28 || 28).padStart(2, '0')}`;
      await asAdmin('PUT', `/calendar/days/${date}`, { kind: 'holiday', name: 'Ngày nghỉ thử' });
      return { url: `/calendar/days/${date}` };
    },
    'GET /api/v1/calendar/working-hours': async () => ({ url: '/calendar/working-hours' }),
    'PUT /api/v1/calendar/working-hours': async () => {
      const current = await asAdmin('GET', '/calendar/working-hours');
      return { url: '/calendar/working-hours', body: { weekdays: current.weekdays, periods: current.periods } };
    },
    'GET /api/v1/calendar/due': async () => ({
      url: '/calendar/due?start=2026-03-10T09%3A00%3A00%2B07%3A00&amount=3&unit=working_days',
    }),
    'GET /api/v1/calendar/changes': async () => ({ url: '/calendar/changes' }),
    'GET /api/v1/calendar/working-hours/schedule': async () => ({ url: '/calendar/working-hours/schedule' }),
    'GET /api/v1/calendar/years': async () => ({ url: '/calendar/years' }),
    'POST /api/v1/calendar/years/{year}/confirm': async () => ({
      url: '/calendar/years/2026/confirm',
      body: { source: `Văn bản thử ${++serial}` },
    }),
    'POST /api/v1/units': async () => ({
      url: '/units',
      body: { code: `T${++serial}`, name: 'Đơn vị thử', parentCode: 'H15' },
    }),
    'GET /api/v1/units': async () => ({ url: '/units' }),
    'GET /api/v1/units/{id}': async () => ({ url: `/units/${ids.unit}` }),
    'PATCH /api/v1/units/{id}': async () => ({ url: `/units/${ids.unit}`, body: { name: 'Sở Xây dựng' } }),
    'DELETE /api/v1/units/{id}': async () => {
      const unit = await asAdmin('POST', '/units', { code: `D${++serial}`, name: 'Đơn vị để xoá', parentCode: 'H15' });
      return { url: `/units/${unit.id}` };
    },
    'POST /api/v1/procedures': async () => ({
      url: '/procedures',
      body: { ...BUILDING_PERMIT, code: `9.${++serial}` },
    }),
    'GET /api/v1/procedures': async () => ({ url: '/procedures?unitCode=H15.50' }),
    'GET /api/v1/procedures/{id}': async () => ({ url: `/procedures/${ids.procedure}` }),
    'PATCH /api/v1/procedures/{id}': async () => ({
      url: `/procedures/${ids.procedure}`,
      body: { name: BUILDING_PERMIT.name },
    }),
    'GET /api/v1/procedures/{id}/versions/{version}': async () => ({ url: `/procedures/${ids.procedure}/versions/1` }),
    'GET /api/v1/health': async () => ({ url: '/health' }),
    'GET /api/v1/health/ready': async () => ({ url: '/health/ready' }),
    'GET /api/v1/metrics': async () => ({ url: '/metrics' }),
    'POST /api/v1/dossiers': async () => ({ url: '/dossiers', body: intakeBody() }),
    'GET /api/v1/dossiers': async () => ({ url: '/dossiers?limit=500' }),
    'GET /api/v1/dossiers/{id}': async () => ({ url: `/dossiers/${ids.dossier}` }),
    'GET /api/v1/dossiers/{id}/deadline': async () => ({ url: `/dossiers/${ids.dossier}/deadline` }),
    'GET /api/v1/dossiers/{id}/events': async () => ({ url: `/dossiers/${ids.dossier}/events` }),
    'GET /api/v1/dossiers/{id}/control-slip': async () => ({ url: `/dossiers/${ids.dossier}/control-slip` }),
    'GET /api/v1/dossiers/{id}/receipt': async () => ({ url: `/dossiers/${ids.dossier}/receipt` }),
    'GET /api/v1/dossiers/{id}/extensions/{n}/letter': async () => ({
      url: `/dossiers/${ids.dossier}/extensions/1/letter?format=pdf`,
    }),
    ...Object.fromEntries(
      Object.entries(ACTION_BODIES).map(([action, spec]) => [
        `POST /api/v1/dossiers/{id}/actions/{action=${action}}`,
        async () => {
          const d = await dossier(spec.before);
          const body: Record<string, unknown> = { expectedVersion: d.version, ...spec.body };
          // Reassignment: to an officer of the current step's unit (the forward above: H15.50.01).
          if (action === 'reassign') body.assigneeUserId = ids.stepOfficer;
          return { url: `/dossiers/${d.id}/actions/${action}`, body };
        },
      ]),
    ),
    'POST /api/v1/imports/dossiers': async () => {
      const code = `H15.50-260302-${String(5000 + ++serial)}`;
      secrets.add(code);
      return {
        url: '/imports/dossiers',
        body: { dossiers: [{ ...intakeBody(), code, receivedAt: '2026-03-02T08:00:00+07:00', events: [] }] },
      };
    },
    'POST /api/v1/sla/scan': async () => ({ url: '/sla/scan' }),
    'GET /api/v1/alerts': async () => ({ url: '/alerts?limit=500' }),
    'POST /api/v1/alerts/{id}/acknowledge': async () => ({ url: `/alerts/${ids.alert}/acknowledge` }),
    'GET /api/v1/public/dossiers/{code}': async () => ({ url: `/public/dossiers/${dossierCode}` }),
    'POST /api/v1/public/dossiers/{code}/rating': async () => {
      const d = await dossier([['resolve', RESOLVE]]);
      return {
        url: `/public/dossiers/${d.code}/rating`,
        body: { lookupKey: d.lookupKey, criteria: [2, 2, 2, 1, 2, 2, 2, 2, 2], verdict: 'satisfied' },
      };
    },
    'POST /api/v1/public/dossiers/{code}/feedback': async () => ({
      url: `/public/dossiers/${dossierCode}/feedback`,
      body: { lookupKey, kind: 'conduct', content: 'Cán bộ hẹn nhiều lần mà chưa trả kết quả' },
    }),
    'GET /api/v1/ratings': async () => ({ url: '/ratings?limit=500' }),
    'GET /api/v1/feedback': async () => ({ url: '/feedback?limit=500' }),
    'POST /api/v1/feedback/{id}/answer': async () => {
      const f = await ok(
        api.request('POST', `/public/dossiers/${dossierCode}/feedback`, {
          body: { lookupKey, kind: 'other', content: 'Đề nghị rút ngắn thời gian' },
          remoteAddress: freshAddress(),
        }),
        'lodge feedback',
      );
      secrets.add(f.id);
      return { url: `/feedback/${f.id}/answer`, body: { answer: 'Đơn vị đã tiếp thu.' } };
    },
    'POST /api/v1/webhooks': async () => ({
      url: '/webhooks',
      body: { url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-0123456789', kinds: ['overdue'] },
    }),
    'GET /api/v1/webhooks': async () => ({ url: '/webhooks' }),
    'DELETE /api/v1/webhooks/{id}': async () => {
      const w = await asAdmin('POST', '/webhooks', {
        url: 'http://127.0.0.1:9/other',
        secret: 'webhook-secret-0123456789',
        kinds: ['overdue'],
      });
      return { url: `/webhooks/${w.id}` };
    },
    'GET /api/v1/webhooks/{id}/deliveries': async () => ({ url: `/webhooks/${ids.webhook}/deliveries` }),
    'GET /api/v1/reports/processing': async () => ({ url: '/reports/processing?period=2026-03&unitCode=H15.50' }),
    'GET /api/v1/reports/index': async () => ({ url: '/reports/index?period=2026-Q1&unitCode=H15.50' }),
    'PUT /api/v1/reports/index/inputs': async () => ({
      url: '/reports/index/inputs',
      body: { period: '2026-03', unitCode: 'H15.50', indicatorKey: 'published_on_time', ratio: 0.5 },
    }),
    'GET /api/v1/reports/rejudgement': async () => ({ url: '/reports/rejudgement' }),
    'GET /api/v1/reports/officials': async () => ({ url: '/reports/officials?period=2026-03&unitCode=H15.50' }),
    'GET /api/v1/reports/officials/{userId}/sheet': async () => ({
      url: `/reports/officials/${ids.officer50}/sheet?year=2026`,
    }),
    'GET /api/v1/reports/periods': async () => ({ url: '/reports/periods' }),
    'POST /api/v1/reports/periods/{period}/close': async () => ({ url: `/reports/periods/${1900 + ++serial}/close` }),
    'POST /api/v1/reports/periods/{period}/reopen': async () => {
      const period = String(1900 + ++serial);
      await asAdmin('POST', `/reports/periods/${period}/close`);
      return { url: `/reports/periods/${period}/reopen`, body: { reason: 'Bổ sung số liệu nhập muộn' } };
    },
    'GET /api/v1/reports/periods/{period}/adjustments': async () => ({ url: '/reports/periods/2026-02/adjustments' }),
    'GET /api/v1/reports/corrections': async () => ({ url: '/reports/corrections?period=2026-03&unitCode=H15.50' }),
    'GET /api/v1/public/stats': async () => ({ url: '/public/stats?period=2026-03' }),
    'GET /api/v1/public/board': async () => ({ url: '/public/board?unitCode=H15.50' }),
    'GET /api/v1/dossiers/{id}/messages': async () => ({ url: `/dossiers/${ids.dossier}/messages` }),
    'POST /api/v1/public/dossiers/{code}/notifications': async () => ({
      url: `/public/dossiers/${dossierCode}/notifications`,
      body: { lookupKey, email: false },
    }),
    'GET /api/v1/reports/messages': async () => ({ url: '/reports/messages?period=2026-03&unitCode=H15.50' }),
    'POST /api/v1/integrations/{provider}/callback': async () => {
      // An eSMS delivery report for one of our message ids, with the token of its CallbackUrl.
      const requestId = randomUUID();
      const token = createHmac('sha256', MATRIX_SMS_SECRET).update(requestId).digest('hex');
      return { url: `/integrations/sms/callback?token=${token}&RequestId=${requestId}&SendStatus=5`, body: {} };
    },
    'GET /api/v1/integrations/{provider}/callback': async () => {
      // The same report as eSMS sends it: a GET with the CallbackUrl's id and token, its fields appended.
      const id = randomUUID();
      const token = createHmac('sha256', MATRIX_SMS_SECRET).update(id).digest('hex');
      return { url: `/integrations/sms/callback?id=${id}&token=${token}?SMSID=x&SendStatus=5&RequestId=` };
    },
    'POST /api/v1/integrations/sources': async () => ({
      url: '/integrations/sources',
      body: { name: `Nguồn ${++serial}`, unitCodes: ['H15.50'] },
    }),
    'GET /api/v1/integrations/sources': async () => ({ url: '/integrations/sources' }),
    'POST /api/v1/integrations/sources/{id}/rotate-key': async () => ({
      url: `/integrations/sources/${ids.source}/rotate-key`,
    }),
    'DELETE /api/v1/integrations/sources/{id}': async () => {
      const s = await asAdmin('POST', '/integrations/sources', { name: `Nguồn ${++serial}`, unitCodes: ['H15.50'] });
      return { url: `/integrations/sources/${s.id}` };
    },
    'GET /api/v1/integrations/rejected': async () => ({ url: '/integrations/rejected' }),
    'POST /api/v1/integrations/rejected/reprocess': async () => ({ url: '/integrations/rejected/reprocess', body: {} }),
    'POST /api/v1/integrations/rejected/{id}/reprocess': async () => ({
      url: `/integrations/rejected/${ids.rejected}/reprocess`,
    }),
    'GET /api/v1/integrations/mismatches': async () => ({ url: '/integrations/mismatches' }),
    'POST /api/v1/integrations/dvcqg': async () => ({
      url: '/integrations/dvcqg',
      body: { madonvi: 'H15.50', service: 'CapNhatTienDoHoSoMC', data: [] },
    }),
    'POST /api/v1/integrations/dvcqg/DongBoHoSoMC': async () => ({
      url: '/integrations/dvcqg/DongBoHoSoMC?MaDinhDanhDV=H15.50&isUpdating=False',
      body: [],
    }),
    'POST /api/v1/integrations/dvcqg/create': async () => ({ url: '/integrations/dvcqg/create', body: [] }),
    'POST /api/v1/integrations/dvcqg/update': async () => ({ url: '/integrations/dvcqg/update', body: [] }),
    'POST /api/v1/integrations/dvcqg/progress': async () => ({ url: '/integrations/dvcqg/progress', body: [] }),
    'GET /api/v1/portal-sync/failures': async () => ({ url: '/portal-sync/failures' }),
    'POST /api/v1/portal-sync/failures/retry': async () => ({ url: '/portal-sync/failures/retry' }),
    'POST /api/v1/portal-sync/failures/{dossierId}/retry': async () => ({
      url: `/portal-sync/failures/${ids.failing}/retry`,
    }),
    'GET /api/v1/portal-sync/status': async () => ({ url: '/portal-sync/status' }),
  };

  beforeAll(async () => {
    api = await startApi({ SMS_SECRET_KEY: MATRIX_SMS_SECRET });
    // A Tuesday morning: the fixtures' deadlines and the imported overdue history are fixed.
    clockOf(api)('2026-03-10T09:00:00');
    p = await buildProvince(api);
    const officer = {
      username: 'officer50',
      password: 'officer50-password',
      fullName: 'Cán bộ Sở Xây dựng',
      role: 'officer',
      unitCode: 'H15.50',
    };
    ids.officer50 = (await asAdmin('POST', '/users', officer)).id;
    ids.stepOfficer = p.userIds.officer;
    Object.assign(token, {
      admin: p.admin,
      board: p.tokens.board,
      head: p.tokens.head,
      headX: p.tokens.headOther,
      officer: await api.login(officer.username, officer.password),
      officerX: p.tokens.otherOfficer,
      clerk: p.tokens.clerk,
      clerkX: p.tokens.otherClerk,
    });
    const units = (await asAdmin('GET', '/units?limit=500')).items as { id: string; code: string }[];
    ids.unit = units.find((u) => u.code === 'H15.50')!.id;
    await asAdmin('PATCH', `/units/${ids.unit}`, { headUserId: p.userIds.head });
    ids.user = (
      await asAdmin('POST', '/users', {
        username: 'target',
        password: 'target-password',
        fullName: 'Người dùng đích',
        role: 'counter_staff',
        unitCode: 'H15.60',
      })
    ).id;
    ids.procedure = (await asAdmin('GET', '/procedures?unitCode=H15.50')).items.find(
      (x: { code: string }) => x.code === BUILDING_PERMIT.code,
    ).id;
    // The dossier every read is about: with an extension (for its letter), a rating-free open one.
    const d = await dossier([['extend', ACTION_BODIES.extend.body]]);
    ids.dossier = d.id;
    dossierCode = d.code;
    lookupKey = d.lookupKey;
    // An overdue history and a scan: an overdue alert addressed to the head of H15.50.
    const code = 'H15.50-260302-0901';
    secrets.add(code);
    await asAdmin('POST', '/imports/dossiers', {
      dossiers: [{ ...intakeBody(), code, receivedAt: '2026-03-02T08:00:00+07:00', events: [] }],
    });
    await asAdmin('POST', '/sla/scan');
    const alerts = (await asAdmin('GET', '/alerts?limit=500&kind=overdue')).items as {
      id: string;
      dossierId: string;
      recipientUserId: string | null;
    }[];
    const alert = alerts.find((a) => a.recipientUserId === p.userIds.head);
    if (!alert) throw new Error(`no overdue alert for the head: ${JSON.stringify(alerts)}`);
    ids.alert = alert.id;
    secrets.add(alert.id).add(alert.dossierId);
    // Something in the lists outsiders must not see: a rating and feedback on H15.50's dossiers.
    const rated = await dossier([['resolve', RESOLVE]]);
    await ok(
      api.request('POST', `/public/dossiers/${rated.code}/rating`, {
        body: { lookupKey: rated.lookupKey, criteria: [2, 2, 2, 2, 2, 2, 2, 2, 2], verdict: 'very_satisfied' },
        remoteAddress: freshAddress(),
      }),
      'rating',
    );
    // A source and a record it sent that could not be mapped (its procedure is unknown): kept, reprocessable.
    const source = await asAdmin('POST', '/integrations/sources', { name: 'Nguồn thử', unitCodes: ['H15.50'] });
    ids.source = source.id;
    await ok(
      api.request('POST', '/integrations/dvcqg/create', {
        headers: { 'x-api-key': source.apiKey },
        body: [{ MaHoSo: 'H15.50-260302-0950', MaTTHC: '9.999', NgayTiepNhan: '20260302080000', TrangThaiHoSo: '1' }],
      }),
      'feed',
    );
    ids.rejected = (await asAdmin('GET', '/integrations/rejected')).items[0].id;
    // A dossier in the failed-sync list (the portal is not configured here: a failure recorded by hand).
    await api.app
      .get(DataSource)
      .query(
        `UPDATE portal_sync SET failing_since = now(), attempts = 1, last_error = 'HTTP 503' WHERE dossier_id = $1`,
        [ids.dossier],
      );
    ids.failing = ids.dossier;
    ids.webhook = (
      await asAdmin('POST', '/webhooks', {
        url: 'http://127.0.0.1:9/hook',
        secret: 'webhook-secret-0123456789',
        kinds: ['overdue'],
      })
    ).id;
  });

  afterAll(async () => {
    process.stdout.write(
      `authorization matrix: ${tally.operations.size} operations (actions counted one by one) × ${WHO.length} callers = ` +
        `${tally.checks} checks; unexpected accesses: ${tally.unexpectedAccess}; unexpected refusals: ${tally.unexpectedRefusal}\n`,
    );
    await api?.close();
  });

  it('classifies every operation of the OpenAPI document, and nothing else', async () => {
    const doc = (await api.request('GET', '/docs-json')).body as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; in: string; schema?: { enum?: string[] } }[] }>
      >;
    };
    const operations: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const action = (op.parameters ?? []).find((x) => x.in === 'path' && x.name === 'action');
        if (action) {
          expect(action.schema?.enum?.length).toBeGreaterThan(0);
          for (const name of action.schema!.enum!) {
            operations.push(`${method.toUpperCase()} ${path.replace('{action}', `{action=${name}}`)}`);
          }
        } else operations.push(`${method.toUpperCase()} ${path}`);
      }
    }
    const classified = ROWS.map((r) => r.key);
    expect(operations.filter((o) => !classified.includes(o))).toEqual([]);
    expect(classified.filter((o) => !operations.includes(o))).toEqual([]);
    expect(new Set(classified).size).toBe(classified.length);
    expect(Object.keys(CALLS).sort()).toEqual([...classified].sort());
  });

  describe.each(ROWS.map((r) => [r.key, r] as const))('%s', (_key, row) => {
    it('answers each caller as the matrix says, refusals in the error shape, nothing of H15.50 to outsiders', async () => {
      const problems: string[] = [];
      tally.operations.add(row.key);
      for (const who of WHO) {
        const call = await CALLS[row.key](who);
        const res = await api.request(row.method, call.url, {
          token: who === 'anon' ? undefined : token[who],
          body: call.body,
          remoteAddress: freshAddress(),
        });
        tally.checks++;
        const want = row.expected[who];
        const success = res.status >= 200 && res.status < 300;
        const domainRefusal = LENIENT.has(row.key) && (res.status === 409 || res.status === 422);
        const got: string = success || domainRefusal ? 'ok' : String(res.status);
        if (got !== want) {
          if (got === 'ok') tally.unexpectedAccess++;
          else tally.unexpectedRefusal++;
          problems.push(`${who}: expected ${want}, got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          continue;
        }
        if (got !== 'ok') {
          const b = res.body as Record<string, unknown>;
          if (
            b?.statusCode !== res.status ||
            typeof b.code !== 'string' ||
            !SNAKE.test(b.code) ||
            typeof b.message !== 'string'
          ) {
            problems.push(`${who}: refusal not in the error shape: ${JSON.stringify(b)}`);
          }
        }
        if (who.endsWith('X') && !row.path.startsWith('/api/v1/public/')) {
          const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
          const leaked = [...secrets].filter((s) => text.includes(s));
          if (leaked.length) {
            tally.unexpectedAccess++;
            problems.push(`${who}: answer reveals ${leaked.join(', ')}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });
});
