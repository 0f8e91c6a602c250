import type { Api } from './http';

/**
 * A small province for dossier tests, built through the API as an administrator would:
 * a construction department with its counter, appraisal and signing divisions, a justice
 * department, users of every role, and a building-permit procedure (3 working days; steps of
 * 4 h at the counter, 12 h of appraisal, 4 h of signing).
 */
export interface Province {
  admin: string;
  tokens: Record<
    'clerk' | 'officer' | 'signer' | 'head' | 'board' | 'otherClerk' | 'otherOfficer' | 'headOther',
    string
  >;
  userIds: Record<string, string>;
  procedureCode: string;
}

export const UNITS = [
  { code: 'H15', name: 'UBND tỉnh' },
  { code: 'H15.50', name: 'Sở Xây dựng', parentCode: 'H15' },
  { code: 'H15.50.01', name: 'Phòng Quản lý xây dựng', parentCode: 'H15.50' },
  { code: 'H15.50.02', name: 'Văn phòng Sở Xây dựng', parentCode: 'H15.50' },
  { code: 'H15.60', name: 'Sở Tư pháp', parentCode: 'H15' },
];

const USERS = [
  { key: 'clerk', role: 'counter_staff', unitCode: 'H15.50', fullName: 'Nguyễn Thị Lan' },
  { key: 'officer', role: 'officer', unitCode: 'H15.50.01', fullName: 'Trần Văn Minh' },
  { key: 'signer', role: 'officer', unitCode: 'H15.50.02', fullName: 'Lê Thị Hoa' },
  { key: 'head', role: 'unit_head', unitCode: 'H15.50', fullName: 'Phạm Quốc Hùng' },
  { key: 'board', role: 'reform_board', fullName: 'Đỗ Thu Trang' },
  { key: 'otherClerk', role: 'counter_staff', unitCode: 'H15.60', fullName: 'Vũ Văn Nam' },
  { key: 'otherOfficer', role: 'officer', unitCode: 'H15.60', fullName: 'Hoàng Thị Mai' },
  { key: 'headOther', role: 'unit_head', unitCode: 'H15.60', fullName: 'Bùi Đức Long' },
] as const;

export const BUILDING_PERMIT = {
  code: '1.004227',
  name: 'Cấp giấy phép xây dựng',
  field: 'Xây dựng',
  fieldCode: 'G09-XD01',
  unitCode: 'H15.50',
  timeLimit: { amount: 3, unit: 'working_days' },
  steps: [
    { name: 'Tiếp nhận', unitCode: 'H15.50', workingHours: 4 },
    { name: 'Thẩm định', unitCode: 'H15.50.01', workingHours: 12 },
    { name: 'Ký duyệt', unitCode: 'H15.50.02', workingHours: 4 },
  ],
  onlineLevel: 'partial',
  feeBearing: true,
  paperResultRequired: true,
};

async function ok(p: Promise<{ status: number; body: any }>, what: string) {
  const res = await p;
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function buildProvince(api: Api): Promise<Province> {
  const admin = await api.login();
  for (const u of UNITS) await ok(api.request('POST', '/units', { token: admin, body: u }), `unit ${u.code}`);
  const tokens = {} as Province['tokens'];
  const userIds: Record<string, string> = {};
  for (const u of USERS) {
    const body = {
      username: u.key.toLowerCase(),
      password: `${u.key}-password`,
      fullName: u.fullName,
      role: u.role,
      ...('unitCode' in u ? { unitCode: u.unitCode } : {}),
    };
    userIds[u.key] = (await ok(api.request('POST', '/users', { token: admin, body }), `user ${u.key}`)).id;
    tokens[u.key] = await api.login(body.username, body.password);
  }
  await ok(api.request('POST', '/procedures', { token: admin, body: BUILDING_PERMIT }), 'procedure');
  return { admin, tokens, userIds, procedureCode: BUILDING_PERMIT.code };
}

export function intakeBody(over: Record<string, unknown> = {}) {
  return {
    procedureCode: BUILDING_PERMIT.code,
    receivingUnitCode: 'H15.50',
    channel: 'direct',
    applicant: {
      kind: 'citizen',
      fullName: 'Nguyễn Văn Bình',
      idNumber: '001085012345',
      phone: '0912345678',
      address: 'Số 1 Lê Lợi, Huế',
    },
    summary: 'Xin cấp phép xây nhà ở riêng lẻ',
    flags: { digitised: true, usedPopulationData: true },
    ...over,
  };
}
