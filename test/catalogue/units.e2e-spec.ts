import { DataSource } from 'typeorm';
import { UNIT_CODE_PATTERN } from '../../src/catalogue/dto/unit.dto';
import { UnitsService } from '../../src/catalogue/units.service';
import { Api, startApi } from '../support/http';
import { userWithRole } from './support';

describe('Units', () => {
  let api: Api;
  let admin: string;
  let clerk: string;
  const ids: Record<string, string> = {};

  const create = (body: Record<string, unknown>, token = admin) => api.request('POST', '/units', { token, body });
  const patch = (code: string, body: Record<string, unknown>, token = admin) =>
    api.request('PATCH', `/units/${ids[code]}`, { token, body });

  beforeAll(async () => {
    api = await startApi();
    admin = await api.login();
    for (const [code, name, parentCode] of [
      ['H15', 'UBND tỉnh', undefined],
      ['H15.50', 'Sở Xây dựng', 'H15'],
      ['H15.50.01', 'Phòng Quản lý xây dựng', 'H15.50'],
      ['H15.51', 'Sở Tư pháp', 'H15'],
    ] as const) {
      const res = await create({ code, name, ...(parentCode ? { parentCode } : {}) });
      if (res.status !== 201) throw new Error(`${code}: ${res.status} ${JSON.stringify(res.body)}`);
      ids[code] = res.body.id;
    }
    clerk = (await userWithRole(api, admin, 'clerk1', 'counter_staff', 'H15.51')).token;
  });
  afterAll(() => api.close());

  it('creates a unit under its parent and answers with {id, code, name, parentCode, headUserId, active}', async () => {
    const res = await api.request('GET', `/units/${ids['H15.50.01']}`, { token: clerk });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: ids['H15.50.01'],
      code: 'H15.50.01',
      name: 'Phòng Quản lý xây dựng',
      portalCode: null,
      parentCode: 'H15.50',
      headUserId: null,
      active: true,
    });
  });

  it('lists units by code, page by page, and filters by parent', async () => {
    const first = await api.request('GET', '/units?limit=2', { token: clerk });
    expect(first.status).toBe(200);
    expect(first.body.items.map((u: { code: string }) => u.code)).toEqual(['H15', 'H15.50']);
    const second = await api.request('GET', `/units?limit=2&cursor=${first.body.nextCursor}`, { token: clerk });
    expect(second.body.items.map((u: { code: string }) => u.code)).toEqual(['H15.50.01', 'H15.51']);
    expect(second.body.nextCursor).toBeNull();
    const children = await api.request('GET', '/units?parentCode=H15', { token: clerk });
    expect(children.body.items.map((u: { code: string }) => u.code)).toEqual(['H15.50', 'H15.51']);
    expect((await api.request('GET', '/units?parentCode=NOPE', { token: clerk })).body).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('refuses a duplicate code with 409 ALREADY_EXISTS, whatever its case', async () => {
    for (const code of ['H15.50', 'h15.50']) {
      const res = await create({ code, name: 'Trùng mã' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('ALREADY_EXISTS');
      expect(res.body.message).toMatch(/đã tồn tại/);
    }
  });

  it("keeps a unit's portal identifier: set at creation, changed, unique whatever its case, removed with null", async () => {
    const made = await create({ code: 'H15.60', name: 'Sở Nội vụ', portalCode: '000.00.60.H15' });
    expect(made.status).toBe(201);
    expect(made.body.portalCode).toBe('000.00.60.H15');
    const taken = await create({ code: 'H15.61', name: 'Sở Tài chính', portalCode: '000.00.60.h15' });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('ALREADY_EXISTS');
    expect(taken.body.details).toEqual([expect.objectContaining({ field: 'portalCode' })]);
    const bad = await create({ code: 'H15.62', name: 'Sở Y tế', portalCode: '000 00' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['portalCode']);
    ids['H15.60'] = made.body.id;
    const clash = await patch('H15.51', { portalCode: '000.00.60.H15' });
    expect(clash.status).toBe(409);
    expect(clash.body.details).toEqual([expect.objectContaining({ field: 'portalCode' })]);
    expect((await patch('H15.60', { portalCode: '000.00.61.H15' })).body.portalCode).toBe('000.00.61.H15');
    const removed = await patch('H15.60', { portalCode: null });
    expect(removed.status).toBe(200);
    expect(removed.body.portalCode).toBeNull();
    expect((await api.request('DELETE', `/units/${ids['H15.60']}`, { token: admin })).status).toBe(204);
  });

  it('refuses malformed input with 400 VALIDATION_FAILED', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ code: 'H15 50', name: 'Dấu cách' }, 'code'],
      [{ code: 'Hà.01', name: 'Có dấu' }, 'code'],
      [{ code: '.H15', name: 'Bắt đầu bằng dấu chấm' }, 'code'],
      [{ code: 'X'.repeat(41), name: 'Quá dài' }, 'code'],
      [{ code: 'H16', name: '' }, 'name'],
      [{ code: 'H16', name: 'Tỉnh khác', parentCode: 'NOPE' }, 'parentCode'],
      [{ code: 'H16', name: 'Tỉnh khác', headUserId: 'not-a-uuid' }, 'headUserId'],
      [{ code: 'H16', name: 'Tỉnh khác', headUserId: '00000000-0000-4000-8000-000000000000' }, 'headUserId'],
      [{ code: 'H16', name: 'Tỉnh khác', active: false }, 'active'],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    // The code is the agency's identifier: it cannot be changed.
    const rename = await patch('H15.51', { code: 'H15.52' });
    expect(rename.status).toBe(400);
    // Leaving a field out keeps it; null is not a name or a state.
    for (const body of [{ name: null }, { active: null }, { name: 42 }]) {
      const res = await patch('H15.51', body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
  });

  it('refuses a parent that would make a cycle (itself, a child, a grandchild) with 422 RULE_VIOLATION', async () => {
    for (const [code, parentCode] of [
      ['H15.50', 'H15.50'],
      ['H15.50', 'H15.50.01'],
      ['H15', 'H15.50.01'],
    ]) {
      const res = await patch(code, { parentCode });
      expect({ code, parentCode, status: res.status, error: res.body.code }).toEqual({
        code,
        parentCode,
        status: 422,
        error: 'RULE_VIOLATION',
      });
      expect(res.body.details[0].field).toBe('parentCode');
    }
    expect((await api.request('GET', `/units/${ids.H15}`, { token: admin })).body.parentCode).toBeNull();
    expect((await api.request('GET', `/units/${ids['H15.50']}`, { token: admin })).body.parentCode).toBe('H15');
  });

  it('moves a unit to another parent and back to the root', async () => {
    const moved = await patch('H15.50.01', { parentCode: 'H15.51' });
    expect(moved.status).toBe(200);
    expect(moved.body.parentCode).toBe('H15.51');
    const root = await patch('H15.50.01', { parentCode: null });
    expect(root.body.parentCode).toBeNull();
    const back = await patch('H15.50.01', { parentCode: 'H15.50' });
    expect(back.body).toMatchObject({ code: 'H15.50.01', parentCode: 'H15.50', name: 'Phòng Quản lý xây dựng' });
  });

  it('accepts an active user as head and refuses an inactive one', async () => {
    const head = await userWithRole(api, admin, 'head1', 'unit_head', 'H15.50');
    const ok = await patch('H15.50', { headUserId: head.id, name: 'Sở Xây dựng tỉnh' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ headUserId: head.id, name: 'Sở Xây dựng tỉnh' });
    const other = await userWithRole(api, admin, 'gone1', 'officer', 'H15.50');
    await api.request('PATCH', `/users/${other.id}`, { token: admin, body: { active: false } });
    const refused = await patch('H15.50', { headUserId: other.id });
    expect(refused.status).toBe(400);
    expect(refused.body.details[0]).toMatchObject({ field: 'headUserId' });
    const cleared = await patch('H15.50', { headUserId: null });
    expect(cleared.body.headUserId).toBeNull();
  });

  it('keeps a deactivated unit readable and listed, and refuses it as a new parent', async () => {
    const created = await create({ code: 'H15.99', name: 'Đơn vị sẽ ngừng', parentCode: 'H15' });
    ids['H15.99'] = created.body.id;
    const off = await patch('H15.99', { active: false });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await api.request('GET', `/units/${ids['H15.99']}`, { token: clerk })).body).toMatchObject({
      code: 'H15.99',
      active: false,
    });
    expect(
      (await api.request('GET', '/units?parentCode=H15', { token: clerk })).body.items.map(
        (u: { code: string }) => u.code,
      ),
    ).toContain('H15.99');
    const child = await create({ code: 'H15.99.01', name: 'Con của đơn vị đã ngừng', parentCode: 'H15.99' });
    expect(child.status).toBe(422);
    expect(child.body.code).toBe('RULE_VIOLATION');
  });

  it('refuses to delete a unit that has child units or users (409 IN_USE) and deletes an unused one', async () => {
    const parent = await api.request('DELETE', `/units/${ids['H15.50']}`, { token: admin });
    expect(parent.status).toBe(409);
    expect(parent.body.code).toBe('IN_USE');
    expect(parent.body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'children', count: 1 }),
        expect.objectContaining({ reason: 'users', count: 2 }),
      ]),
    );
    expect(parent.body.message).toMatch(/đơn vị trực thuộc/);
    const withUser = await api.request('DELETE', `/units/${ids['H15.51']}`, { token: admin });
    expect(withUser.status).toBe(409);
    expect(withUser.body.details.map((d: { reason: string }) => d.reason)).toEqual(['users']);

    const leaf = await api.request('DELETE', `/units/${ids['H15.99']}`, { token: admin });
    expect(leaf.status).toBe(204);
    expect((await api.request('GET', `/units/${ids['H15.99']}`, { token: admin })).status).toBe(404);
    expect((await api.request('DELETE', `/units/${ids['H15.99']}`, { token: admin })).status).toBe(404);
  });

  it('lets another module forbid deletion through a registered usage check', async () => {
    const spare = await create({ code: 'H15.98', name: 'Đơn vị có hồ sơ', parentCode: 'H15' });
    api.app.get(UnitsService).registerUsageCheck({
      key: 'archive',
      label: 'hồ sơ lưu trữ',
      count: async (unitId) => (unitId === spare.body.id ? 3 : 0),
    });
    const res = await api.request('DELETE', `/units/${spare.body.id}`, { token: admin });
    expect(res.status).toBe(409);
    expect(res.body.details).toEqual([expect.objectContaining({ reason: 'archive', count: 3 })]);
    expect(res.body.message).toMatch(/hồ sơ lưu trữ/);
  });

  it('refuses unit writes from non-admins with 403 and answers unknown ids with 404', async () => {
    expect((await create({ code: 'H17', name: 'Không được phép' }, clerk)).status).toBe(403);
    expect((await patch('H15', { name: 'Không được phép' }, clerk)).status).toBe(403);
    expect((await api.request('DELETE', `/units/${ids['H15.50.01']}`, { token: clerk })).status).toBe(403);
    expect((await api.request('GET', '/units/00000000-0000-4000-8000-000000000000', { token: clerk })).status).toBe(
      404,
    );
    expect((await api.request('GET', '/units/not-a-uuid', { token: clerk })).status).toBe(404);
    expect((await api.request('GET', '/units')).status).toBe(401);
  });

  it('records unit changes in the audit trail', async () => {
    const rows: { action: string }[] = await api.app
      .get(DataSource)
      .query(`SELECT action FROM audit_log WHERE entity = 'unit'`);
    expect(new Set(rows.map((r) => r.action))).toEqual(new Set(['unit.create', 'unit.update', 'unit.delete']));
  });

  it('describes the unit endpoints in the OpenAPI document', async () => {
    const doc = await api.request('GET', '/docs-json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/units', '/api/v1/units/{id}']));
    // The pattern the API validates with, published for clients.
    expect(doc.body.components.schemas.CreateUnitDto.properties.code.pattern).toBe(UNIT_CODE_PATTERN.source);
    expect(Object.keys(doc.body.components.schemas)).toEqual(
      expect.arrayContaining(['UnitDto', 'UnitPageDto', 'UpdateUnitDto']),
    );
  });
});
