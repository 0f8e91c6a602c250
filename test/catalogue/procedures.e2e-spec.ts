import { DataSource } from 'typeorm';
import { ProceduresService } from '../../src/catalogue/procedures.service';
import { Api, startApi } from '../support/http';
import { waitFor } from '../support/processes';
import { userWithRole } from './support';

/** The example of docs/http-api.md: 15 working days = 120 h; steps 4 + 96 h. */
const BUILDING_PERMIT = {
  code: '1.004227',
  name: 'Cấp giấy phép xây dựng',
  field: 'Xây dựng',
  unitCode: 'H15.50',
  timeLimit: { amount: 15, unit: 'working_days' },
  intakeCutoff: '15:00',
  steps: [
    { name: 'Tiếp nhận', unitCode: 'H15.50', workingHours: 4 },
    { name: 'Thẩm định', unitCode: 'H15.50.01', workingHours: 96 },
  ],
  onlineLevel: 'partial',
  feeBearing: true,
  paperResultRequired: true,
};

describe('Procedures', () => {
  let api: Api;
  let admin: string;
  let clerk: string;
  let permitId: string;

  const post = (body: unknown, token = admin) => api.request('POST', '/procedures', { token, body });

  beforeAll(async () => {
    api = await startApi();
    admin = await api.login();
    for (const [code, name, parentCode] of [
      ['H15.50', 'Sở Xây dựng', undefined],
      ['H15.50.01', 'Phòng Quản lý xây dựng', 'H15.50'],
      ['H15.51', 'Sở Tư pháp', undefined],
    ] as const) {
      const res = await api.request('POST', '/units', {
        token: admin,
        body: { code, name, ...(parentCode ? { parentCode } : {}) },
      });
      if (res.status !== 201) throw new Error(`${code}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    clerk = (await userWithRole(api, admin, 'clerk1', 'counter_staff', 'H15.51')).token;
  });
  afterAll(() => api.close());

  it('creates version 1 of a procedure in the shape of docs/http-api.md', async () => {
    const res = await post(BUILDING_PERMIT);
    expect(res.status).toBe(201);
    permitId = res.body.id;
    expect(res.body).toMatchObject({
      ...BUILDING_PERMIT,
      steps: BUILDING_PERMIT.steps.map((s, index) => ({ index, ...s })),
      version: 1,
      currentVersion: 1,
      active: true,
    });
    expect(res.body.effectiveFrom).toMatch(/\+07:00$/);
    const read = await api.request('GET', `/procedures/${permitId}`, { token: clerk });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('refuses steps whose allotted hours add up to more than the statutory limit (422 RULE_VIOLATION)', async () => {
    const cases = [
      // 15 working days = 120 h < 4 + 117 h
      {
        ...BUILDING_PERMIT,
        code: '1.000001',
        steps: [BUILDING_PERMIT.steps[0], { ...BUILDING_PERMIT.steps[1], workingHours: 117 }],
      },
      // 8 working hours < 4 + 4.5 h
      {
        ...BUILDING_PERMIT,
        code: '1.000002',
        timeLimit: { amount: 8, unit: 'working_hours' },
        steps: [
          { name: 'Tiếp nhận', unitCode: 'H15.50', workingHours: 4 },
          { name: 'Ký', unitCode: 'H15.50', workingHours: 4.5 },
        ],
      },
      // 3 calendar days: 24 h is the upper bound
      {
        ...BUILDING_PERMIT,
        code: '1.000003',
        timeLimit: { amount: 3, unit: 'calendar_days' },
        steps: [{ name: 'Xử lý', unitCode: 'H15.50', workingHours: 25 }],
      },
    ];
    for (const body of cases) {
      const res = await post(body);
      expect({ code: body.code, status: res.status, error: res.body.code }).toEqual({
        code: body.code,
        status: 422,
        error: 'RULE_VIOLATION',
      });
      expect(res.body.message).toMatch(/vượt quá thời hạn giải quyết/);
      expect(res.body.details[0]).toMatchObject({ field: 'steps', rule: 'step_hours_within_limit' });
    }
    expect(await post(cases[0]).then((r) => r.body.details[0])).toMatchObject({ stepHours: 121, limitHours: 120 });
    // Exactly the limit is allowed.
    const exact = await post({
      ...cases[1],
      code: '1.000004',
      steps: [{ name: 'Xử lý', unitCode: 'H15.50', workingHours: 8 }],
    });
    expect(exact.status).toBe(201);
  });

  it('refuses a duplicate code with 409 ALREADY_EXISTS', async () => {
    const res = await post({ ...BUILDING_PERMIT, name: 'Bản trùng' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ALREADY_EXISTS');
  });

  it('refuses malformed procedures with 400 VALIDATION_FAILED naming the field', async () => {
    const { steps, ...noSteps } = BUILDING_PERMIT;
    void steps;
    const cases: [unknown, string][] = [
      [{ ...BUILDING_PERMIT, code: '1.1', steps: [] }, 'steps'],
      [{ ...noSteps, code: '1.2' }, 'steps'],
      [
        { ...BUILDING_PERMIT, code: '1.3', steps: [{ name: 'Thẩm định', unitCode: 'NOPE', workingHours: 4 }] },
        'steps.0.unitCode',
      ],
      [{ ...BUILDING_PERMIT, code: '1.4', unitCode: 'NOPE' }, 'unitCode'],
      [
        { ...BUILDING_PERMIT, code: '1.5', steps: [{ name: 'Thẩm định', unitCode: 'H15.50', workingHours: 0 }] },
        'steps.0.workingHours',
      ],
      [
        { ...BUILDING_PERMIT, code: '1.6', steps: [{ name: 'Thẩm định', unitCode: 'H15.50', workingHours: 1.234 }] },
        'steps.0.workingHours',
      ],
      [{ ...BUILDING_PERMIT, code: '1.7', steps: [{ name: 'Thẩm định', unitCode: 'H15.50' }] }, 'steps.0.workingHours'],
      [{ ...BUILDING_PERMIT, code: '1.8', timeLimit: { amount: 15, unit: 'weeks' } }, 'timeLimit.unit'],
      [{ ...BUILDING_PERMIT, code: '1.9', timeLimit: { amount: 0, unit: 'working_days' } }, 'timeLimit.amount'],
      [{ ...BUILDING_PERMIT, code: '1.10', timeLimit: 15 }, 'timeLimit'],
      [{ ...BUILDING_PERMIT, code: '1.11', intakeCutoff: '3pm' }, 'intakeCutoff'],
      [{ ...BUILDING_PERMIT, code: '1.12', onlineLevel: 'some' }, 'onlineLevel'],
      [{ ...BUILDING_PERMIT, code: '1.13', feeBearing: 'yes' }, 'feeBearing'],
      [{ ...BUILDING_PERMIT, code: 'mã 1' }, 'code'],
      [{ ...BUILDING_PERMIT, code: '1.14', name: '' }, 'name'],
      [{ ...BUILDING_PERMIT, code: '1.15', color: 'red' }, 'color'],
      [{ ...BUILDING_PERMIT, code: '1.16', steps: [{ ...BUILDING_PERMIT.steps[0], extra: 1 }] }, 'steps.0.extra'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect({ field, status: res.status, code: res.body.code }).toEqual({
        field,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });

  it('writes version 2 on PATCH while version 1 stays readable, as it was, through ProceduresService', async () => {
    const v1Time = new Date();
    await new Promise((r) => setTimeout(r, 5));
    const res = await api.request('PATCH', `/procedures/${permitId}`, {
      token: admin,
      body: {
        expectedVersion: 1,
        timeLimit: { amount: 10, unit: 'working_days' },
        steps: [{ name: 'Xử lý', unitCode: 'H15.50.01', workingHours: 80 }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: 2,
      currentVersion: 2,
      name: 'Cấp giấy phép xây dựng',
      timeLimit: { amount: 10, unit: 'working_days' },
      intakeCutoff: '15:00',
    });
    expect(res.body.steps).toEqual([{ index: 0, name: 'Xử lý', unitCode: 'H15.50.01', workingHours: 80 }]);
    expect((await api.request('GET', `/procedures/${permitId}`, { token: clerk })).body.version).toBe(2);

    const procedures = api.app.get(ProceduresService);
    const v1 = await procedures.getVersion('1.004227', 1);
    expect(v1).toMatchObject({
      procedureId: permitId,
      code: '1.004227',
      version: 1,
      currentVersion: 2,
      timeLimit: { amount: 15, unit: 'working_days' },
      intakeCutoff: '15:00',
    });
    expect(v1!.steps).toEqual([
      { index: 0, name: 'Tiếp nhận', unitId: expect.any(String), unitCode: 'H15.50', workingHours: 4 },
      { index: 1, name: 'Thẩm định', unitId: expect.any(String), unitCode: 'H15.50.01', workingHours: 96 },
    ]);
    expect(v1!.unitCode).toBe('H15.50');
    expect(v1!.effectiveFrom).toBeInstanceOf(Date);
    expect((await procedures.getVersion(permitId, 2))!.timeLimit).toEqual({ amount: 10, unit: 'working_days' });
    expect((await procedures.currentVersion('1.004227'))!.version).toBe(2);
    expect((await procedures.getVersion(permitId))!.version).toBe(2);
    // The rules in force when a dossier was received.
    expect((await procedures.versionAt('1.004227', v1Time))!.version).toBe(1);
    expect((await procedures.versionAt('1.004227', new Date()))!.version).toBe(2);
    expect((await procedures.versionAt('1.004227', new Date('2020-01-01T00:00:00Z')))!.version).toBe(1);
    expect(await procedures.getVersion('9.999999')).toBeNull();
    expect(await procedures.getVersion(permitId, 3)).toBeNull();
    // And over HTTP.
    const old = await api.request('GET', `/procedures/${permitId}/versions/1`, { token: clerk });
    expect(old.body).toMatchObject({ version: 1, currentVersion: 2, timeLimit: { amount: 15, unit: 'working_days' } });
    expect((await api.request('GET', `/procedures/${permitId}/versions/9`, { token: clerk })).status).toBe(404);
  });

  it('checks PATCHes like creations, refuses a stale expectedVersion and a code change, and writes no version when nothing changed', async () => {
    const tooLong = await api.request('PATCH', `/procedures/${permitId}`, {
      token: admin,
      body: { timeLimit: { amount: 1, unit: 'working_days' } },
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.code).toBe('RULE_VIOLATION');
    const stale = await api.request('PATCH', `/procedures/${permitId}`, {
      token: admin,
      body: { expectedVersion: 1, name: 'Tên mới' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('VERSION_CONFLICT');
    const recode = await api.request('PATCH', `/procedures/${permitId}`, { token: admin, body: { code: '1.999999' } });
    expect(recode.status).toBe(422);
    const same = await api.request('PATCH', `/procedures/${permitId}`, {
      token: admin,
      body: { code: '1.004227', name: 'Cấp giấy phép xây dựng' },
    });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(2);
    for (const body of [
      { steps: [] },
      { steps: null },
      { name: null },
      { active: null },
      { timeLimit: null },
      { version: 5 },
    ]) {
      const res = await api.request('PATCH', `/procedures/${permitId}`, { token: admin, body });
      expect({ body, status: res.status, code: res.body.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    const cutoffCleared = await api.request('PATCH', `/procedures/${permitId}`, {
      token: admin,
      body: { intakeCutoff: null },
    });
    expect(cutoffCleared.body).toMatchObject({ version: 3, intakeCutoff: null });
    expect(
      (
        await api.request('PATCH', '/procedures/00000000-0000-4000-8000-000000000000', {
          token: admin,
          body: { name: 'x' },
        })
      ).status,
    ).toBe(404);
  });

  it('deactivates a procedure without writing a new version of its rules', async () => {
    const off = await api.request('PATCH', `/procedures/${permitId}`, { token: admin, body: { active: false } });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ active: false, version: 3 });
    expect((await api.app.get(ProceduresService).currentVersion('1.004227'))!.active).toBe(false);
    const on = await api.request('PATCH', `/procedures/${permitId}`, { token: admin, body: { active: true } });
    expect(on.body).toMatchObject({ active: true, version: 3 });
  });

  it('lists current versions by code, filtered by unit, field and a case- and diacritic-insensitive search', async () => {
    const civil = await post({
      code: '2.000001',
      name: 'Đăng ký khai sinh',
      field: 'Hộ tịch',
      unitCode: 'H15.51',
      timeLimit: { amount: 1, unit: 'working_days' },
      steps: [{ name: 'Tiếp nhận và trả kết quả', unitCode: 'H15.51', workingHours: 8 }],
    });
    expect(civil.status).toBe(201);
    expect(civil.body).toMatchObject({
      onlineLevel: 'none',
      feeBearing: false,
      paperResultRequired: false,
      intakeCutoff: null,
    });

    const codes = async (query: string) => {
      const res = await api.request('GET', `/procedures${query}`, { token: clerk });
      expect(res.status).toBe(200);
      return res.body.items.map((p: { code: string }) => p.code);
    };
    expect(await codes('')).toEqual(['1.000004', '1.004227', '2.000001']);
    expect(await codes('?unitCode=H15.51')).toEqual(['2.000001']);
    expect(await codes('?unitCode=NOPE')).toEqual([]);
    expect(await codes(`?field=${encodeURIComponent('hộ tịch')}`)).toEqual(['2.000001']);
    expect(await codes(`?q=${encodeURIComponent('GIAY PHEP xay')}`)).toEqual(['1.000004', '1.004227']);
    expect(await codes(`?q=${encodeURIComponent('dang ky')}`)).toEqual(['2.000001']);
    expect(await codes('?q=1.0042')).toEqual(['1.004227']);
    const page = await api.request('GET', '/procedures?limit=2', { token: clerk });
    expect(page.body.items).toHaveLength(2);
    const rest = await api.request('GET', `/procedures?limit=2&cursor=${page.body.nextCursor}`, { token: clerk });
    expect(rest.body.items.map((p: { code: string }) => p.code)).toEqual(['2.000001']);
    expect(rest.body.nextCursor).toBeNull();
    // The list shows current versions only.
    expect(page.body.items.find((p: { code: string }) => p.code === '1.004227').version).toBe(3);
  });

  it('keeps a unit used by a procedure from being deleted (409 IN_USE)', async () => {
    const unit = (await api.request('GET', '/units?limit=500', { token: admin })).body.items.find(
      (u: { code: string }) => u.code === 'H15.50.01',
    );
    // H15.50.01 is only a step's unit (in versions 1 and 2), and has no children or users.
    const res = await api.request('DELETE', `/units/${unit.id}`, { token: admin });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('IN_USE');
    expect(res.body.details).toEqual([expect.objectContaining({ reason: 'procedures', count: 1 })]);
  });

  it('refuses procedure writes from non-admins with 403 and answers unknown ids with 404', async () => {
    expect((await post({ ...BUILDING_PERMIT, code: '3.000001' }, clerk)).status).toBe(403);
    expect((await api.request('PATCH', `/procedures/${permitId}`, { token: clerk, body: { name: 'x' } })).status).toBe(
      403,
    );
    expect(
      (await api.request('GET', '/procedures/00000000-0000-4000-8000-000000000000', { token: clerk })).status,
    ).toBe(404);
    expect((await api.request('GET', '/procedures/1.004227', { token: clerk })).status).toBe(404);
  });

  it('records procedure changes in the audit trail', async () => {
    const rows: { action: string; details: { toVersion?: number } }[] = await api.app
      .get(DataSource)
      .query(`SELECT action, details FROM audit_log WHERE entity = 'procedure' ORDER BY id`);
    expect(new Set(rows.map((r) => r.action))).toEqual(new Set(['procedure.create', 'procedure.update']));
    expect(rows.filter((r) => r.action === 'procedure.update').map((r) => r.details.toVersion)).toEqual([2, 3, 3, 3]);
  });

  it("keeps the field's code in the national procedure database (MaLinhVuc) as a versioned rule", async () => {
    const before = (await api.request('GET', `/procedures/${permitId}`, { token: admin })).body;
    const set = await api.request('PATCH', `/procedures/${permitId}`, {
      token: admin,
      body: { fieldCode: 'G09-XD01' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ fieldCode: 'G09-XD01', version: before.version + 1 });
    const malformed = await api.request('PATCH', `/procedures/${permitId}`, {
      token: admin,
      body: { fieldCode: 'G09 XD01' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.details.map((d: { field: string }) => d.field)).toContain('fieldCode');
    // The version before keeps what it had; null removes the code in a new version.
    const old = await api.request('GET', `/procedures/${permitId}/versions/${before.version}`, { token: admin });
    expect(old.body.fieldCode).toBe(before.fieldCode);
    const cleared = await api.request('PATCH', `/procedures/${permitId}`, { token: admin, body: { fieldCode: null } });
    expect(cleared.body).toMatchObject({ fieldCode: null, version: before.version + 2 });
    const created = await post({ ...BUILDING_PERMIT, code: '1.009999', fieldCode: 'G09-XD02' });
    expect(created.status).toBe(201);
    expect(created.body.fieldCode).toBe('G09-XD02');
  });

  it('describes the procedure endpoints and shapes in the OpenAPI document', async () => {
    const doc = await api.request('GET', '/docs-json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/procedures',
        '/api/v1/procedures/{id}',
        '/api/v1/procedures/{id}/versions/{version}',
      ]),
    );
    const schemas = doc.body.components.schemas;
    expect(schemas.CreateProcedureDto.properties).toEqual(
      expect.objectContaining({
        steps: expect.any(Object),
        timeLimit: expect.any(Object),
        onlineLevel: expect.any(Object),
      }),
    );
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining([
        'ProcedureDto',
        'ProcedureStepDto',
        'TimeLimitDto',
        'ProcedurePageDto',
        'UpdateProcedureDto',
      ]),
    );
  });

  it('answers concurrent creations of one code with one 201 and 409 ALREADY_EXISTS for the others, never a 500', async () => {
    const conflict = { statusCode: 409, code: 'ALREADY_EXISTS', message: expect.any(String) };
    for (const code of ['3.000001', '3.000002', '3.000003']) {
      const results = await Promise.all([post({ ...BUILDING_PERMIT, code }), post({ ...BUILDING_PERMIT, code })]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.body).toMatchObject(conflict);
    }
    // The unique index is on lower(code): codes differing in case only are one code.
    const mixed = await Promise.all([
      post({ ...BUILDING_PERMIT, code: '3.00000a' }),
      post({ ...BUILDING_PERMIT, code: '3.00000A' }),
    ]);
    expect(mixed.map((r) => r.status).sort()).toEqual([201, 409]);

    // Deterministically past the pre-check: the other creation is not yet committed when this one
    // looks, so its insert waits on the unique index and then meets the unique violation.
    const db = api.app.get(DataSource);
    const other = db.createQueryRunner();
    await other.connect();
    try {
      await other.startTransaction();
      await other.query(`INSERT INTO procedures (code, current_version) VALUES ('3.000009', 1)`);
      const pending = post({ ...BUILDING_PERMIT, code: '3.000009' });
      await waitFor(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO procedures%'`,
            )
          ).length > 0,
        15_000,
        'the creation waiting on the unique index',
      );
      await other.commitTransaction();
      const res = await pending;
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject(conflict);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.query(`DELETE FROM procedures WHERE code = '3.000009'`);
      await other.release();
    }
  });
});
