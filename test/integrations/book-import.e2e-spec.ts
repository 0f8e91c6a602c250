import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { clockOf } from '../public/support';
import { Api, startApi } from '../support/http';
import { BUILDING_PERMIT, buildProvince, Province } from '../support/province';
import { dvcqgDate } from './support';

const root = join(__dirname, '../..');
const PORTAL_CODE = '000.00.50.H15';
const SOURCE = 'Một cửa điện tử tỉnh (sổ)';
const HEADER = [
  'STT',
  'Số hồ sơ',
  'Mã TTHC',
  'Tên thủ tục',
  'Người nộp',
  'Đơn vị',
  'Ngày nhận',
  'Ngày hẹn trả',
  'Ngày có kết quả',
  'Ngày trả kết quả',
  'Trạng thái',
];
/** Working days of March 2026 (Monday 2 to Friday 13). */
const DAYS = ['02', '03', '04', '05', '06', '09', '10', '11', '12', '13'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const csvLine = (cells: string[]) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');

describe('backfill from the tracking book (npm run import, a real child process)', () => {
  let api: Api;
  let p: Province;
  let pg: Client;
  let dir: string;
  let ourDue: string;

  /** Runs the built CLI (`npm run import`'s command) against the suite's database. */
  const runImport = (args: string[], onStart?: (pid: number) => void): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [join(root, 'dist/scripts/import-book.js'), ...args], {
        env: { PATH: process.env.PATH ?? '', TZ: 'Asia/Ho_Chi_Minh', ...api.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 128 : null), stdout, stderr }));
      onStart?.(child.pid!);
    });
  const summary = (r: Run) => JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  const dossier = async (code: string) =>
    (await api.request('GET', `/dossiers?code=${encodeURIComponent(code)}`, { token: p.admin })).body.items[0];

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/scripts/import-book.js'))) throw new Error('run `npm run build` first');
    api = await startApi();
    pg = new Client({ connectionString: api.env.DATABASE_URL });
    await pg.connect();
    clockOf(api)('2026-03-20T09:00:00');
    p = await buildProvince(api);
    const units = (await api.request('GET', '/units?limit=500', { token: p.admin })).body.items as {
      id: string;
      code: string;
    }[];
    const h1550 = units.find((u) => u.code === 'H15.50')!;
    await api.request('PATCH', `/units/${h1550.id}`, { token: p.admin, body: { portalCode: PORTAL_CODE } });
    const src = await api.request('POST', '/integrations/sources', {
      token: p.admin,
      body: { name: SOURCE, unitCodes: ['H15.50'] },
    });
    expect(src.status).toBe(201);
    // Our due instant for a dossier received on Monday 2 March 09:00, as the DVCQG feed computes it.
    const ctrl = await api.request('POST', '/integrations/dvcqg/DongBoHoSoMC?MaDinhDanhDV=' + PORTAL_CODE, {
      headers: { 'x-api-key': src.body.apiKey },
      body: [
        {
          MaHoSo: 'CTRL-1',
          MaTTHC: BUILDING_PERMIT.code,
          NgayTiepNhan: dvcqgDate('2026-03-02T09:00'),
          NgayHenTra: '',
          TrangThaiHoSo: '2',
        },
      ],
    });
    expect(ctrl.body.error_code).toBe('0');
    ourDue = (await dossier('CTRL-1')).dueAt;
    expect(ourDue).toBeTruthy();
    dir = mkdtempSync(join(tmpdir(), 'book-'));
  }, 240_000);

  afterAll(async () => {
    await pg?.end();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads a CSV export through the feed: our deadlines, their due kept and compared, refused rows in a CSV', async () => {
    // ourDue is "2026-03-05T09:00:00+07:00"-like: dd/MM/yyyy HH:mm of it, as the book writes it.
    const d = new Date(ourDue);
    const local = new Date(d.getTime() + 7 * 3600_000).toISOString();
    const bookDue = `${local.slice(8, 10)}/${local.slice(5, 7)}/${local.slice(0, 4)} ${local.slice(11, 16)}`;
    const rows: string[][] = [
      [
        '1',
        'SO-001',
        BUILDING_PERMIT.code,
        'Nguyễn Văn An',
        PORTAL_CODE,
        '02/03/2026 09:00',
        bookDue,
        '',
        '',
        'Đang xử lý',
      ],
      // Their due date two days later than ours: listed as a mismatch.
      [
        '2',
        'SO-002',
        BUILDING_PERMIT.code,
        'Trần Thị Bình',
        'Sở Xây dựng',
        '02/03/2026 09:00',
        '07/03/2026 09:00',
        '',
        '',
        'Mới tiếp nhận',
      ],
      [
        '3',
        'SO-003',
        BUILDING_PERMIT.code,
        'Lê Văn Cường',
        PORTAL_CODE,
        '03/03/2026 08:00',
        '',
        '04/03/2026 15:00',
        '05/03/2026 08:30',
        'Đã trả kết quả',
      ],
      ['4', 'SO-004', '', 'Phạm Thị Dung', PORTAL_CODE, '03/03/2026 10:00', '', '05/03/2026 16:00', '', ''],
      [
        '5',
        'SO-005',
        BUILDING_PERMIT.code,
        'Hoàng Văn Em',
        PORTAL_CODE,
        '04/03/2026 10:00',
        '',
        '04/03/2026 11:00',
        '',
        'Từ chối',
      ],
      ['6', 'SO-006', '2.000999', 'Vũ Thị Giang', PORTAL_CODE, '04/03/2026 10:00', '', '', '', 'Đang xử lý'],
      ['7', 'SO-007', BUILDING_PERMIT.code, 'Đỗ Văn Hải', PORTAL_CODE, '31/02/2026 10:00', '', '', '', 'Đang xử lý'],
      ['8', 'SO-008', BUILDING_PERMIT.code, 'Ngô Thị Lan', PORTAL_CODE, '05/03/2026 10:00', '', '', '', 'Treo'],
      ['9', 'SO-009', BUILDING_PERMIT.code, 'Bùi Văn Minh', 'H15.60', '05/03/2026 10:00', '', '', '', 'Đang xử lý'],
      ['', '', '', '', '', '', '', '', '', ''],
    ].map((r) => [r[0], r[1], r[2], r[1] ? BUILDING_PERMIT.name : '', ...r.slice(3)]);
    const file = join(dir, 'so-theo-doi.csv');
    writeFileSync(
      file,
      '\uFEFF' +
        ['SỔ THEO DÕI HỒ SƠ,,,', 'Từ ngày 01/03/2026 đến ngày 31/03/2026', csvLine(HEADER), ...rows.map(csvLine)].join(
          '\r\n',
        ),
    );

    const run = await runImport([file, '--source', SOURCE]);
    expect(run.stderr).not.toContain('import failed');
    expect(run.code).toBe(0);
    expect(summary(run)).toMatchObject({ status: 'done', rows: 10, applied: 5, unchanged: 0, refused: 4 });
    // Not a terminal: plain progress lines with the rate and the time left.
    expect(run.stderr).toMatch(/100% · 10 dòng · [\d.]+ dòng\/s · còn ~0:00/);

    const one = await dossier('SO-001');
    expect(one).toMatchObject({ status: 'in_progress', dueAt: ourDue, receivingUnitCode: 'H15.50' });
    expect((await dossier('SO-002')).dueAt).toBe(ourDue);
    expect((await dossier('SO-003')).status).toBe('returned');
    // No code column value: the procedure is found by its name; no status: the dates tell (resolved).
    expect((await dossier('SO-004')).status).toBe('resolved');
    expect((await dossier('SO-005')).status).toBe('rejected');
    const mismatches = await api.request('GET', '/integrations/mismatches', { token: p.admin });
    const codes = mismatches.body.items.map((m: { code: string }) => m.code);
    expect(codes).toContain('SO-002');
    expect(codes).not.toContain('SO-001');
    expect(mismatches.body.items.find((m: { code: string }) => m.code === 'SO-002').differenceMinutes).toBe(
      (Date.parse('2026-03-07T09:00:00+07:00') - Date.parse(ourDue)) / 60_000,
    );
    // Backfilled history of a source that syncs itself: nothing queued for the portal.
    expect((await pg.query(`SELECT count(*)::int AS n FROM portal_sync`)).rows[0].n).toBe(0);

    const refused = parse(readFileSync(join(dir, 'so-theo-doi.refused.csv')), { bom: true }) as string[][];
    expect(refused[0]).toEqual([...HEADER, 'Dòng trong tệp', 'Lý do từ chối']);
    const byCode = Object.fromEntries(refused.slice(1).map((r) => [r[1], { line: r[11], reason: r[12] }]));
    expect(Object.keys(byCode).sort()).toEqual(['SO-006', 'SO-007', 'SO-008', 'SO-009']);
    expect(byCode['SO-006']).toEqual({
      line: '9',
      reason: expect.stringMatching(/thủ tục 2\.000999 không có trong danh mục/),
    });
    expect(byCode['SO-007'].reason).toMatch(/ngày nhận "31\/02\/2026 10:00" không phải ngày hợp lệ/);
    expect(byCode['SO-008'].reason).toMatch(/trạng thái "Treo"/);
    expect(byCode['SO-009'].reason).toMatch(/không thuộc các đơn vị/);
    expect(refused[1][4]).toBe('Vũ Thị Giang'); // the original cells, for correcting and importing again

    // The same file again: already done. Read again (--again): every row unchanged, nothing duplicated.
    const again = await runImport([file, '--source', SOURCE]);
    expect(summary(again)).toMatchObject({ status: 'already_done' });
    const reread = await runImport([file, '--source', SOURCE, '--again']);
    expect(summary(reread)).toMatchObject({ status: 'done', applied: 0, unchanged: 5, refused: 4 });
    const n = await pg.query(`SELECT count(*)::int AS n FROM dossiers WHERE code LIKE 'SO-%'`);
    expect(n.rows[0].n).toBe(5);
  }, 120_000);

  it('loads an XLSX export with a title block, spreadsheet dates and a date without a time', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sổ theo dõi');
    ws.addRow(['SỔ THEO DÕI HỒ SƠ']);
    ws.addRow([]);
    ws.addRow(HEADER);
    const wall = (d: string, h: number, m: number) => new Date(Date.UTC(2026, 2, Number(d), h, m));
    DAYS.forEach((d, i) => {
      ws.addRow([
        i + 1,
        `XL-${String(i).padStart(3, '0')}`,
        BUILDING_PERMIT.code,
        'Cấp giấy phép xây dựng',
        `Người nộp ${i}`,
        'Sở Xây dựng',
        wall(d, 8, 30),
        new Date(Date.UTC(2026, 2, Number(d) + 3)),
        i % 2 ? wall(d, 15, 0) : null,
        null,
        i % 2 ? 'Đã xử lý xong' : 'Đang xử lý',
      ]);
    });
    const file = join(dir, 'so-theo-doi.xlsx');
    await wb.xlsx.writeFile(file);
    const run = await runImport([file, '--source', SOURCE]);
    expect(run.code).toBe(0);
    expect(summary(run)).toMatchObject({ status: 'done', rows: 10, applied: 10, refused: 0 });
    expect(existsSync(join(dir, 'so-theo-doi.refused.csv')) && summary(run).refusedFile).toBeFalsy();
    const first = await pg.query(`SELECT received_at, source_due_at, status FROM dossiers WHERE code = 'XL-000'`);
    expect(first.rows[0].received_at.toISOString()).toBe(new Date('2026-03-02T08:30:00+07:00').toISOString());
    // A due date without a time: at the mapping's time for due dates (17:00).
    expect(first.rows[0].source_due_at.toISOString()).toBe(new Date('2026-03-05T17:00:00+07:00').toISOString());
    const statuses = await pg.query(
      `SELECT status, count(*)::int AS n FROM dossiers WHERE code LIKE 'XL-%' GROUP BY status ORDER BY status`,
    );
    expect(statuses.rows).toEqual([
      { status: 'in_progress', n: 5 },
      { status: 'resolved', n: 5 },
    ]);
  }, 120_000);

  it('resumes after being killed mid-file: every row in, none twice', async () => {
    const total = 3000;
    const lines = [csvLine(HEADER)];
    for (let i = 0; i < total; i++) {
      const d = DAYS[i % DAYS.length];
      lines.push(
        csvLine([
          String(i + 1),
          `BIG-${String(i).padStart(5, '0')}`,
          BUILDING_PERMIT.code,
          'Cấp giấy phép xây dựng',
          `Người nộp ${i}`,
          PORTAL_CODE,
          `${d}/03/2026 ${String(8 + (i % 8)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
          '',
          i % 3 === 0 ? `${d}/03/2026 16:30` : '',
          '',
          i % 3 === 0 ? 'Đã xử lý xong' : 'Đang xử lý',
        ]),
      );
    }
    const file = join(dir, 'big.csv');
    writeFileSync(file, lines.join('\n'));
    const done = async () =>
      (await pg.query(`SELECT rows_done FROM book_imports WHERE file_name = 'big.csv'`)).rows[0]?.rows_done ?? 0;

    let pid = 0;
    const first = runImport([file, '--source', SOURCE, '--batch', '20'], (p) => (pid = p));
    // Killed (no chance to save anything) once a few batches are in.
    for (let i = 0; i < 6000 && (await done()) < 200; i++) await new Promise((r) => setTimeout(r, 20));
    process.kill(pid, 'SIGKILL');
    const killed = await first;
    expect(killed.code).toBe(128);
    const atKill = await done();
    expect(atKill).toBeGreaterThanOrEqual(200);
    expect(atKill).toBeLessThan(total);

    const second = await runImport([file, '--source', SOURCE, '--batch', '100']);
    expect(second.code).toBe(0);
    const s = summary(second);
    expect(s).toMatchObject({ status: 'done', rows: total, refused: 0 });
    expect(s.resumedFrom).toBeGreaterThanOrEqual(atKill);
    const counts = await pg.query(
      `SELECT count(*)::int AS dossiers, count(DISTINCT code)::int AS codes,
         (SELECT count(*)::int FROM dossier_events e JOIN dossiers x ON x.id = e.dossier_id WHERE x.code LIKE 'BIG-%') AS events
       FROM dossiers WHERE code LIKE 'BIG-%'`,
    );
    // Intake, then forward (in progress) or resolve: two events each, no row applied twice.
    expect(counts.rows[0]).toEqual({ dossiers: total, codes: total, events: total * 2 });
  }, 240_000);
});
