import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { AuthUser } from 'src/auth/auth-user';
import type { CreateUserDto } from 'src/auth/dto/auth.dto';
import { UsersRepository } from 'src/auth/users.repository';
import { UsersService } from 'src/auth/users.service';
import type { CreateProcedureDto } from 'src/catalogue/dto/procedure.dto';
import type { CreateUnitDto } from 'src/catalogue/dto/unit.dto';
import { ProceduresService } from 'src/catalogue/procedures.service';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { UnitsService } from 'src/catalogue/units.service';
import { AppModule } from 'src/app.module';
import { APP_CONFIG, type AppConfig, loadConfig } from 'src/config/app-config';
import { ImportService } from 'src/dossiers/import.service';

/**
 * Demo data for `npm run demo`: a province with departments, a public service centre and a
 * commune, users of every role, five procedures, and a few hundred dossiers in every status
 * over the last two months (some late, some paused, some overdue now). Loaded once: a second
 * run finds the province and does nothing. `--print-users` lists the demo sign-ins.
 */
export const DEMO_PASSWORD = 'demo-password-2026';

const UNITS: CreateUnitDto[] = [
  { code: 'H40', name: 'UBND tỉnh (demo)' },
  { code: 'H40.10', name: 'Trung tâm Phục vụ hành chính công tỉnh', parentCode: 'H40' },
  { code: 'H40.50', name: 'Sở Xây dựng', parentCode: 'H40' },
  { code: 'H40.50.01', name: 'Phòng Quản lý hoạt động xây dựng', parentCode: 'H40.50' },
  { code: 'H40.50.02', name: 'Văn phòng Sở Xây dựng', parentCode: 'H40.50' },
  { code: 'H40.60', name: 'Sở Tư pháp', parentCode: 'H40' },
  { code: 'H40.60.01', name: 'Phòng Hành chính tư pháp', parentCode: 'H40.60' },
  { code: 'H40.70', name: 'Sở Tài chính', parentCode: 'H40' },
  { code: 'H40.70.01', name: 'Phòng Đăng ký kinh doanh', parentCode: 'H40.70' },
  { code: 'H40.90.101', name: 'UBND xã Phú Lộc', parentCode: 'H40' },
];

const USERS: (Omit<CreateUserDto, 'password'> & { note: string })[] = [
  { username: 'board', fullName: 'Đỗ Thu Trang', role: 'reform_board', note: 'Ban chỉ đạo CCHC' },
  {
    username: 'clerk',
    fullName: 'Nguyễn Thị Lan',
    role: 'counter_staff',
    unitCode: 'H40.10',
    note: 'Trung tâm Phục vụ HCC',
  },
  {
    username: 'clerk.xa',
    fullName: 'Lê Văn Tâm',
    role: 'counter_staff',
    unitCode: 'H40.90.101',
    note: 'Bộ phận Một cửa xã Phú Lộc',
  },
  {
    username: 'officer.xd',
    fullName: 'Trần Văn Minh',
    role: 'officer',
    unitCode: 'H40.50.01',
    note: 'thẩm định, Sở Xây dựng',
  },
  {
    username: 'signer.xd',
    fullName: 'Lê Thị Hoa',
    role: 'officer',
    unitCode: 'H40.50.02',
    note: 'ký duyệt, Sở Xây dựng',
  },
  { username: 'officer.tp', fullName: 'Vũ Văn Nam', role: 'officer', unitCode: 'H40.60.01', note: 'Sở Tư pháp' },
  { username: 'officer.tc', fullName: 'Hoàng Thị Mai', role: 'officer', unitCode: 'H40.70.01', note: 'Sở Tài chính' },
  {
    username: 'head.xd',
    fullName: 'Phạm Quốc Hùng',
    role: 'unit_head',
    unitCode: 'H40.50',
    note: 'Giám đốc Sở Xây dựng',
  },
  { username: 'head.tp', fullName: 'Bùi Đức Long', role: 'unit_head', unitCode: 'H40.60', note: 'Giám đốc Sở Tư pháp' },
  {
    username: 'head.xa',
    fullName: 'Ngô Thị Hạnh',
    role: 'unit_head',
    unitCode: 'H40.90.101',
    note: 'Chủ tịch UBND xã',
  },
];

const PROCEDURES: CreateProcedureDto[] = [
  {
    code: '1.004227',
    name: 'Cấp giấy phép xây dựng',
    field: 'Xây dựng',
    unitCode: 'H40.50',
    timeLimit: { amount: 7, unit: 'working_days' },
    steps: [
      { name: 'Tiếp nhận, chuyển hồ sơ', unitCode: 'H40.10', workingHours: 4 },
      { name: 'Thẩm định hồ sơ', unitCode: 'H40.50.01', workingHours: 40 },
      { name: 'Ký duyệt', unitCode: 'H40.50.02', workingHours: 8 },
      { name: 'Trả kết quả', unitCode: 'H40.10', workingHours: 4 },
    ],
    onlineLevel: 'partial',
    feeBearing: true,
    paperResultRequired: true,
  },
  {
    code: '2.000908',
    name: 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam',
    field: 'Lý lịch tư pháp',
    unitCode: 'H40.60',
    timeLimit: { amount: 10, unit: 'working_days' },
    steps: [
      { name: 'Tiếp nhận', unitCode: 'H40.10', workingHours: 4 },
      { name: 'Tra cứu, xác minh', unitCode: 'H40.60.01', workingHours: 64 },
      { name: 'Trả kết quả', unitCode: 'H40.10', workingHours: 4 },
    ],
    onlineLevel: 'full',
    feeBearing: true,
    paperResultRequired: false,
  },
  {
    code: '1.001612',
    name: 'Đăng ký thành lập doanh nghiệp tư nhân',
    field: 'Thành lập và hoạt động của doanh nghiệp',
    unitCode: 'H40.70',
    timeLimit: { amount: 3, unit: 'working_days' },
    steps: [
      { name: 'Tiếp nhận', unitCode: 'H40.10', workingHours: 2 },
      { name: 'Xem xét, cấp đăng ký', unitCode: 'H40.70.01', workingHours: 20 },
      { name: 'Trả kết quả', unitCode: 'H40.10', workingHours: 2 },
    ],
    onlineLevel: 'full',
    feeBearing: false,
    paperResultRequired: false,
  },
  {
    code: '2.000815',
    name: 'Chứng thực bản sao từ bản chính giấy tờ, văn bản',
    field: 'Chứng thực',
    unitCode: 'H40.90.101',
    timeLimit: { amount: 8, unit: 'working_hours' },
    intakeCutoff: '15:00',
    steps: [
      { name: 'Tiếp nhận', unitCode: 'H40.90.101', workingHours: 1 },
      { name: 'Chứng thực, trả kết quả', unitCode: 'H40.90.101', workingHours: 7 },
    ],
    onlineLevel: 'partial',
    feeBearing: true,
    paperResultRequired: true,
  },
  {
    code: '1.001193',
    name: 'Đăng ký khai sinh',
    field: 'Hộ tịch',
    unitCode: 'H40.90.101',
    timeLimit: { amount: 3, unit: 'calendar_days' },
    steps: [
      { name: 'Tiếp nhận', unitCode: 'H40.90.101', workingHours: 2 },
      { name: 'Giải quyết, trả kết quả', unitCode: 'H40.90.101', workingHours: 14 },
    ],
    onlineLevel: 'full',
    feeBearing: false,
    paperResultRequired: true,
  },
];

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Ngọc', 'Đức', 'Thu', 'Quốc', 'Thanh'];
const GIVEN = [
  'An',
  'Bình',
  'Chi',
  'Dũng',
  'Giang',
  'Hà',
  'Khánh',
  'Linh',
  'Nam',
  'Phúc',
  'Quân',
  'Thảo',
  'Trung',
  'Yến',
];

/** A small deterministic PRNG (mulberry32) so every demo looks the same. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOUR = 3_600_000;

/** Histories ending before `now`: every status, some late, some paused, some overdue. */
function histories(now: number, count: number): Record<string, unknown>[] {
  const rnd = prng(20261128);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const proc = PROCEDURES[i % PROCEDURES.length];
    const receivingUnitCode = proc.steps[0].unitCode;
    // Received within the last 60 days, during office hours (local 08:00-16:00).
    const daysAgo = Math.floor(rnd() * 60);
    const local = new Date(now + 7 * HOUR - daysAgo * 24 * HOUR);
    local.setUTCHours(8 + Math.floor(rnd() * 8), Math.floor(rnd() * 60), 0, 0);
    const receivedAt = local.getTime() - 7 * HOUR;
    if (receivedAt > now - HOUR) continue;
    const span = now - receivedAt;
    const at = (fraction: number) => new Date(receivedAt + Math.max(60_000, Math.floor(span * fraction))).toISOString();
    const events: Record<string, unknown>[] = [];
    const fate = rnd();
    const forward = (f: number) => events.push({ action: 'forward', at: at(f) });
    const stepsAfterFirst = proc.steps.length - 1;
    if (fate < 0.45) {
      // Resolved (often returned); fast or slow.
      const speed = rnd() < 0.75 ? 0.05 + rnd() * 0.2 : 0.3 + rnd() * 0.6;
      for (let s = 0; s < Math.min(stepsAfterFirst, 2); s++) forward(speed * ((s + 1) / 4));
      events.push({ action: 'resolve', at: at(speed), resultSummary: 'Đã giải quyết', electronicResult: rnd() < 0.6 });
      if (rnd() < 0.7) events.push({ action: 'return', at: at(Math.min(0.99, speed + 0.02)) });
    } else if (fate < 0.6) {
      forward(0.01 + rnd() * 0.05);
      events.push({
        action: 'request_supplement',
        at: at(0.1 + rnd() * 0.3),
        reason: 'Thiếu giấy tờ',
        items: ['Bản sao giấy tờ tùy thân'],
      });
      if (rnd() < 0.5) events.push({ action: 'receive_supplement', at: at(0.5 + rnd() * 0.3) });
    } else if (fate < 0.68 && proc.feeBearing) {
      events.push({ action: 'request_payment', at: at(0.05), amount: 100000 + Math.floor(rnd() * 10) * 50000 });
      if (rnd() < 0.6) events.push({ action: 'confirm_payment', at: at(0.2), paidOnline: rnd() < 0.5 });
    } else if (fate < 0.72) {
      events.push({ action: 'withdraw', at: at(0.1 + rnd() * 0.5), reason: 'Công dân đề nghị rút hồ sơ' });
    } else if (fate < 0.75) {
      forward(0.02);
      events.push({ action: 'reject', at: at(0.2), reason: 'Hồ sơ không đủ điều kiện' });
    } else {
      // Still open: just received, or moving through the steps.
      if (rnd() < 0.7) forward(0.02 + rnd() * 0.1);
      if (stepsAfterFirst > 1 && rnd() < 0.4) forward(0.3 + rnd() * 0.3);
    }
    out.push({
      procedureCode: proc.code,
      receivingUnitCode,
      channel: pick(['direct', 'online', 'online', 'postal']),
      applicant: {
        kind: rnd() < 0.85 ? 'citizen' : 'business',
        fullName: `${pick(FAMILY)} ${pick(MIDDLE)} ${pick(GIVEN)}`,
        idNumber: `0${String(Math.floor(rnd() * 1e11)).padStart(11, '0')}`,
        phone: `09${String(Math.floor(rnd() * 1e8)).padStart(8, '0')}`,
      },
      summary: proc.name,
      flags: { digitised: rnd() < 0.7, usedPopulationData: rnd() < 0.5 },
      receivedAt: new Date(receivedAt).toISOString(),
      events,
    });
  }
  return out.sort((a, b) => String(a.receivedAt).localeCompare(String(b.receivedAt)));
}

async function main() {
  const config = loadConfig();
  if (process.argv.includes('--print-users')) {
    for (const u of USERS) {
      process.stdout.write(
        `    ${u.username} / ${DEMO_PASSWORD}   ${u.role}${u.unitCode ? ` @ ${u.unitCode}` : ''} (${u.note})\n`,
      );
    }
    return;
  }
  // A batch tool waits for its database connections like the worker: DATABASE_POOL_TIMEOUT_MS
  // bounds the wait of HTTP requests only.
  process.env.DATABASE_POOL_TIMEOUT_MS = '0';
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    const cfg = app.get<AppConfig>(APP_CONFIG);
    const usersService = app.get(UsersService);
    await usersService.ensureBootstrapAdmin(cfg.ADMIN_USERNAME.toLowerCase(), cfg.ADMIN_PASSWORD);
    if (await app.get(UnitsRepository).findByCode(UNITS[0].code)) {
      process.stdout.write('demo data: already loaded\n');
      return;
    }
    const adminEntity = await app.get(UsersRepository).findByUsername(config.ADMIN_USERNAME);
    if (!adminEntity) throw new Error('no admin user: set ADMIN_PASSWORD');
    const admin: AuthUser = { id: adminEntity.id, username: adminEntity.username, role: 'admin', unitId: null };
    const units = app.get(UnitsService);
    for (const u of UNITS) await units.create(u, admin);
    const ids: Record<string, string> = {};
    for (const u of USERS) {
      const { note: _note, ...dto } = u;
      ids[u.username] = (await usersService.create({ ...dto, password: DEMO_PASSWORD }, admin)).id;
    }
    for (const [unitCode, head] of [
      ['H40.50', 'head.xd'],
      ['H40.60', 'head.tp'],
      ['H40.90.101', 'head.xa'],
    ] as const) {
      const unit = await app.get(UnitsRepository).findByCode(unitCode);
      await units.update(unit!.id, { headUserId: ids[head] }, admin);
    }
    const procedures = app.get(ProceduresService);
    for (const p of PROCEDURES) await procedures.create(p, admin);
    const items = histories(Date.now(), 400);
    const result = await app.get(ImportService).importDossiers(items, admin);
    process.stdout.write(
      `demo data: ${UNITS.length} units, ${USERS.length + 1} users, ${PROCEDURES.length} procedures, ${result.imported} dossiers` +
        (result.failed.length ? ` (${result.failed.length} histories refused: ${result.failed[0].message})` : '') +
        '\n',
    );
  } finally {
    await app.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo seeding failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
