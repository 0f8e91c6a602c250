import { RateLimitError } from 'bullmq';
import { Client } from 'pg';
import { QueueService } from '../../src/jobs/queue.service';
import { PortalSyncHandler, PortalSyncRetry } from '../../src/portal-sync/portal-sync.handler';
import { PortalSyncSweepHandler } from '../../src/portal-sync/portal-sync-sweep.handler';
import { PortalThrottle } from '../../src/portal-sync/portal-throttle';
import { waitFor } from '../support/processes';
import { Api, startApi } from '../support/http';
import { BUILDING_PERMIT, intakeBody, Province } from '../support/province';
import { dvcqgDate, FakePortal, item, PortalCall, prng, exchangeProvince } from './support';

const DAYS = ['02', '03', '04', '05', '06', '09', '10', '11', '12', '13'].map((d) => `2026-03-${d}`);
const PORTAL_CODE = '000.00.50.H15';
const THEIR_CODE = '1.004227.000.00.00.H15';
const UNKNOWN = '2.000999';
const N = 200;

interface Fed {
  i: number;
  code: string;
  receivedAt: string;
  record: Record<string, unknown>;
  items: Record<string, unknown>[];
  expected: string;
}

/** Local wall-clock time `hours` after 'YYYY-MM-DDTHH:mm' (+07:00). */
function plusHours(local: string, hours: number): string {
  const t = new Date(`${local}:00+07:00`).getTime() + hours * 3600_000;
  return new Date(t + 7 * 3600_000).toISOString().slice(0, 16);
}

describe('exchange: fed by a one-stop system, syncing to the national portal', () => {
  let api: Api;
  let p: Province;
  let pg: Client;
  const portal = new FakePortal();
  let source: { id: string; apiKey: string };
  const feed: Fed[] = [];
  const rand = prng(20261207);

  const admin = (method: string, url: string, body?: unknown) => api.request(method, url, { token: p.admin, body });
  const asSource = (url: string, body: unknown, key = source.apiKey) =>
    api.request('POST', url, { body, headers: { 'x-api-key': key } });
  const fedDossier = async (code: string) =>
    (await admin('GET', `/dossiers?code=${encodeURIComponent(code)}`)).body.items[0];

  beforeAll(async () => {
    await portal.start();
    api = await startApi({
      ...portal.env(),
      // Bounds a busy machine keeps: a call of the fake portal well within the timeout, and a pause
      // that outlasts the two checks made while it runs.
      PORTAL_SYNC_TIMEOUT_MS: '2000',
      PORTAL_SYNC_PAUSE_DEFAULT_SECONDS: '5',
    });
    ({ p, pg } = await exchangeProvince(api, PORTAL_CODE, (province) => ({ headUserId: province.userIds.head })));
  }, 240_000);

  afterAll(async () => {
    await pg?.end();
    await api?.close();
    await portal.close();
  });

  describe('sources and their keys', () => {
    it('shows a key once, keeps only its hash, and refuses unknown units', async () => {
      const res = await admin('POST', '/integrations/sources', {
        name: 'Một cửa điện tử tỉnh',
        unitCodes: ['H15.50'],
        procedureMap: { [THEIR_CODE]: BUILDING_PERMIT.code },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'Một cửa điện tử tỉnh', unitCodes: ['H15.50'], syncsToPortal: true });
      expect(res.body.apiKey).toMatch(/^slak_[A-Za-z0-9_-]{43}$/);
      source = { id: res.body.id, apiKey: res.body.apiKey };
      const list = await admin('GET', '/integrations/sources');
      expect(JSON.stringify(list.body)).not.toContain(source.apiKey);
      expect(list.body.items.map((s: { id: string }) => s.id)).toContain(source.id);
      const stored = await pg.query(`SELECT key_hash FROM integration_sources WHERE id = $1`, [source.id]);
      expect(stored.rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.rows[0].key_hash).not.toContain(source.apiKey);
      const bad = await admin('POST', '/integrations/sources', { name: 'X', unitCodes: ['H99'] });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });

    it('rotates and revokes keys; a user token or no key is refused; a key reads nothing', async () => {
      const other = (await admin('POST', '/integrations/sources', { name: 'Tạm', unitCodes: ['H15.50'] })).body;
      expect((await asSource('/integrations/dvcqg/progress', [], other.apiKey)).status).toBe(200);
      const rotated = await admin('POST', `/integrations/sources/${other.id}/rotate-key`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.apiKey).not.toBe(other.apiKey);
      expect((await asSource('/integrations/dvcqg/progress', [], other.apiKey)).status).toBe(401);
      expect((await asSource('/integrations/dvcqg/progress', [], rotated.body.apiKey)).status).toBe(200);
      expect((await admin('DELETE', `/integrations/sources/${other.id}`)).status).toBe(204);
      const revoked = await asSource('/integrations/dvcqg/progress', [], rotated.body.apiKey);
      expect(revoked.status).toBe(401);
      expect(revoked.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
      const withToken = await api.request('POST', '/integrations/dvcqg/progress', { token: p.admin, body: [] });
      expect(withToken.status).toBe(401);
      for (const url of ['/dossiers', '/integrations/rejected', '/integrations/sources', '/portal-sync/status']) {
        const read = await api.request('GET', url, { headers: { 'x-api-key': source.apiKey } });
        expect(read.status).toBe(401);
      }
    });

    it('answers a malformed request with 400 in our error shape', async () => {
      const bad = await asSource('/integrations/dvcqg', { madonvi: PORTAL_CODE, service: 'XoaHoSo', data: [] });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect((await asSource('/integrations/dvcqg/create', { not: 'an array' })).status).toBe(400);
      expect((await asSource('/integrations/dvcqg/DongBoHoSoMC?isUpdating=Maybe', [])).status).toBe(400);
    });
  });

  describe('a source feeds 200 dossiers', () => {
    beforeAll(async () => {
      for (let i = 0; i < N; i++) {
        const day = DAYS[i % DAYS.length];
        const receivedAt = `${day}T${String(8 + (i % 8)).padStart(2, '0')}:${rand() < 0.5 ? '00' : '30'}`;
        const code = `${PORTAL_CODE}-${day.slice(2).replace(/-/g, '')}-${String(i + 1).padStart(5, '0')}`;
        const ours = (
          await admin(
            'GET',
            `/calendar/due?start=${encodeURIComponent(`${receivedAt}:00+07:00`)}&amount=3&unit=working_days`,
          )
        ).body.dueAt as string;
        // The sender's appointment: ours, except two (one beyond the tolerance, one within it).
        const shift = i === 11 ? 48 * 60 : i === 12 ? 30 : 0;
        const theirs = new Date(new Date(ours).getTime() + shift * 60_000 + 7 * 3600_000).toISOString().slice(0, 16);
        const T = (k: number) => plusHours(receivedAt, k);
        const kind = i % 5;
        const rejectedInRecord = i % 10 === 3;
        const items =
          kind === 1
            ? [
                item(code, 4, T(1), 'Chuyển thẩm định'),
                item(code, 9, T(2), 'Đã có kết quả'),
                item(code, 10, T(3), 'Đã trả'),
              ]
            : kind === 2
              ? [
                  item(code, 4, T(1), 'Chuyển thẩm định'),
                  item(code, 5, T(2), 'Thiếu bản vẽ mặt bằng'),
                  item(code, 4, T(3), 'Đã bổ sung'),
                  item(code, 9, T(4), 'Đã có kết quả'),
                ]
              : kind === 3 && !rejectedInRecord
                ? [item(code, 3, T(1), 'Không thuộc thẩm quyền')]
                : kind === 4
                  ? [item(code, 4, T(1), 'Chuyển thẩm định'), item(code, 4, T(2), 'Trình ký')]
                  : [];
        const record: Record<string, unknown> = {
          MaHoSo: code,
          MaTTHC: i === 7 ? UNKNOWN : i % 2 === 0 ? THEIR_CODE : BUILDING_PERMIT.code,
          TenTTHC: 'Cấp giấy phép xây dựng',
          MaLinhVuc: 'XD',
          TenLinhVuc: 'Xây dựng',
          KenhThucHien: i % 4 === 1 ? '2' : '1',
          ChuHoSo: `Nguyễn Văn Công ${i}`,
          LoaiDoiTuong: '1',
          SoGiayToChuHoSo: `0010850${String(10000 + i)}`,
          Email: `cong${i}@example.vn`,
          SoDienThoai: '0912345678',
          TrichYeuHoSo: 'Xin cấp phép xây nhà ở riêng lẻ',
          NgayTiepNhan: dvcqgDate(receivedAt),
          NgayHenTra: dvcqgDate(theirs),
          TrangThaiHoSo: rejectedInRecord ? '3' : '1',
          NgayTuChoi: rejectedInRecord ? dvcqgDate(T(1)) : '',
          HinhThuc: '0',
          DonViXuLy: 'Sở Xây dựng',
          HoSoCoThanhPhanSoHoa: i % 2 === 0 ? '1' : '0',
          TaiKhoanDuocXacThucVoiVNeID: '1',
          DuocThanhToanTrucTuyen: '0',
          TaiLieuNop: [
            {
              TepDinhKemId: `f${i}`,
              TenTepDinhKem: 'don.pdf',
              IsDeleted: 'False',
              DuocSoHoa: i % 2 === 0 ? '1' : '0',
              DuocLayTuKhoDMQG: '1',
              // 766 4.2 counts a component with a file attached.
              DuongDanTaiTepTin: i % 3 === 0 ? `https://motcua.example.vn/tep/${i}` : '',
            },
          ],
          DanhSachLePhi: [],
        };
        const expected = ['received', 'returned', 'resolved', 'rejected', 'in_progress'][kind];
        feed.push({ i, code, receivedAt, record, items, expected });
      }
      // Records: the three envelope shapes, 50 at a time.
      for (let b = 0; b < N; b += 50) {
        const batch = feed.slice(b, b + 50);
        for (const shape of [0, 1, 2]) {
          const records = batch.filter((f) => f.i % 3 === shape).map((f) => f.record);
          const res =
            shape === 0
              ? await asSource('/integrations/dvcqg', {
                  session: 'ignored',
                  madonvi: PORTAL_CODE,
                  service: 'DongBoHoSoMC',
                  isUpdating: 'False',
                  data: records,
                })
              : shape === 1
                ? await asSource(
                    `/integrations/dvcqg/DongBoHoSoMC?MaDinhDanhDV=${PORTAL_CODE}&isUpdating=False`,
                    records,
                  )
                : await asSource('/integrations/dvcqg/create', records);
          expect(res.status).toBe(200);
          expect(res.body.error_code).toBe('0');
        }
      }
      // Progress, out of order: for every fourth dossier the later half of its items comes first.
      const late = feed.filter((f) => f.i % 4 === 0).flatMap((f) => f.items.slice(Math.ceil(f.items.length / 2)));
      const rest = feed.flatMap((f) => (f.i % 4 === 0 ? f.items.slice(0, Math.ceil(f.items.length / 2)) : f.items));
      // Repeats inside a batch: the first item of every sixth dossier twice.
      const repeated = feed.filter((f) => f.i % 6 === 0 && f.items.length).map((f) => f.items[0]);
      expect((await asSource('/integrations/dvcqg/progress', late)).body.error_code).toBe('0');
      const all = [...rest, ...repeated];
      for (let k = 0; k < all.length; k += 100) {
        const res = await asSource('/integrations/dvcqg', {
          madonvi: PORTAL_CODE,
          service: 'CapNhatTienDoHoSoMC',
          data: all.slice(k, k + 100),
        });
        expect(res.status).toBe(200);
        expect(res.body.error_code).toBe('0');
      }
    }, 240_000);

    it('maps every record onto a dossier of ours, in the status its history leads to, with our due instant', async () => {
      const problems: string[] = [];
      for (const f of feed) {
        const d = await fedDossier(f.code);
        if (f.i === 7) {
          if (d) problems.push(`${f.code}: the unknown procedure's record made a dossier`);
          continue;
        }
        if (!d) {
          problems.push(`${f.code}: missing`);
          continue;
        }
        const due = (
          await admin(
            'GET',
            `/calendar/due?start=${encodeURIComponent(`${f.receivedAt}:00+07:00`)}&amount=3&unit=working_days`,
          )
        ).body.dueAt;
        if (d.status !== f.expected) problems.push(`${f.code}: ${d.status}, expected ${f.expected}`);
        if (d.receivedAt !== `${f.receivedAt}:00+07:00`) problems.push(`${f.code}: receivedAt ${d.receivedAt}`);
        // (A supplement moves the due instant by the rules of the pause: not compared here.)
        if (f.i % 5 !== 2 && d.dueAt !== due) problems.push(`${f.code}: dueAt ${d.dueAt}, rules say ${due}`);
        if (d.procedureCode !== BUILDING_PERMIT.code) problems.push(`${f.code}: procedure ${d.procedureCode}`);
        if (d.channel !== (f.i % 4 === 1 ? 'online' : 'direct')) problems.push(`${f.code}: channel ${d.channel}`);
        if (
          d.flags.digitised !== (f.i % 3 === 0) ||
          d.flags.reusedDigitisedData !== (f.i % 2 === 0) ||
          d.flags.usedPopulationData !== true ||
          d.flags.linkedToPersonalDataStore !== true
        )
          problems.push(`${f.code}: flags ${JSON.stringify(d.flags)}`);
      }
      expect(problems).toEqual([]);
    });

    it('places late items by their instant and re-folds (the history reads in time order)', async () => {
      const f = feed.find((x) => x.i % 4 === 0 && x.i % 5 === 2)!; // four items, the last two sent first
      const d = await fedDossier(f.code);
      const events = (await admin('GET', `/dossiers/${d.id}/events`)).body as {
        action: string;
        at: string;
        payload: Record<string, unknown>;
      }[];
      const ats = events.map((e) => Date.parse(e.at));
      expect(ats).toEqual([...ats].sort((a, b) => a - b));
      expect(events[0].action).toBe('intake');
      expect(events.at(-1)!.action).toBe('resolve');
      expect(events.map((e) => e.action)).toContain('request_supplement');
      expect(d.supplementCount).toBe(1);
    });

    it('changes nothing when the same records and items come again', async () => {
      const before = (await pg.query(`SELECT count(*)::int AS n FROM dossier_events`)).rows[0].n;
      const fedRecords = feed.filter((f) => f.i !== 7).map((f) => f.record);
      const again = await asSource('/integrations/dvcqg/update', fedRecords);
      expect(again.body.message).toContain(`0 cập nhật, ${fedRecords.length} không đổi`);
      const items = await asSource(
        '/integrations/dvcqg/progress',
        feed.filter((f) => f.i !== 7).flatMap((f) => f.items),
      );
      expect(items.body.message).toMatch(/^Tiếp nhận thành công: 0 cập nhật/);
      const after = (await pg.query(`SELECT count(*)::int AS n FROM dossier_events`)).rows[0].n;
      expect(after).toBe(before);
    });

    it('fills a skipped status with the steps between, marked implied', async () => {
      const f = feed.find((x) => x.i % 5 === 0)!;
      const res = await asSource('/integrations/dvcqg/progress', [
        item(f.code, 10, plusHours(f.receivedAt, 5), 'Đã trả kết quả'),
      ]);
      expect(res.body.message).toMatch(/^Tiếp nhận thành công: 1 cập nhật/);
      const d = await fedDossier(f.code);
      expect(d.status).toBe('returned');
      const events = (await admin('GET', `/dossiers/${d.id}/events`)).body as {
        action: string;
        payload: Record<string, unknown>;
      }[];
      expect(events.slice(-2).map((e) => [e.action, e.payload.implied ?? false])).toEqual([
        ['resolve', true],
        ['return', false],
      ]);
      f.expected = 'returned';
    });

    it('keeps what cannot be mapped, redacted, with its reason', async () => {
      const res = await admin('GET', `/integrations/rejected?sourceId=${source.id}&limit=500`);
      expect(res.status).toBe(200);
      const unknown = feed.find((f) => f.i === 7)!;
      const rows = res.body.items as { reason: string; service: string; record: Record<string, unknown> }[];
      const record = rows.find((r) => r.service === 'DongBoHoSoMC' && r.record.MaHoSo === unknown.code)!;
      expect(record.reason).toContain(UNKNOWN);
      expect(record.record.ChuHoSo).toBe('***');
      expect(record.record.SoGiayToChuHoSo).toBe('***');
      expect(record.record.MaTTHC).toBe(UNKNOWN);
      expect(JSON.stringify(res.body)).not.toContain(unknown.record.ChuHoSo as string);
      // Its progress items came for a dossier that does not exist: kept too.
      expect(rows.filter((r) => r.service === 'CapNhatTienDoHoSoMC').length).toBe(unknown.items.length);
      const sealed = await pg.query(`SELECT record_sealed FROM integration_rejected`);
      for (const r of sealed.rows) expect((r.record_sealed as Buffer).toString('latin1')).not.toContain('Nguyễn');
    });

    it('lists the sender appointments that disagree with ours beyond the tolerance', async () => {
      const res = await api.request('GET', `/integrations/mismatches?sourceId=${source.id}`, { token: p.tokens.board });
      expect(res.status).toBe(200);
      // Dossiers with a supplement are left out: the pause (or, under Decree 118, the restart) moves our due instant.
      const supplemented = new Set(feed.filter((f) => f.i % 5 === 2).map((f) => f.code));
      expect(res.body.items.filter((x: { code: string }) => !supplemented.has(x.code))).toEqual([
        expect.objectContaining({ code: feed[11].code, differenceMinutes: 2880 }),
      ]);
    });

    it('raises alerts and counts form 06a from our own rules', async () => {
      expect((await admin('POST', '/sla/scan')).status).toBeLessThan(300);
      const alerts = (await admin('GET', '/alerts?kind=overdue&limit=500')).body.items as { dossierId: string }[];
      const open = feed.filter((f) => f.i !== 7 && ['received', 'in_progress'].includes(f.expected));
      const ids = new Set<string>();
      for (const f of open) ids.add((await fedDossier(f.code)).id);
      expect(new Set(alerts.map((a) => a.dossierId))).toEqual(ids);
      const report = (await admin('GET', '/reports/processing?from=2026-03-01&to=2026-03-20&unitCode=H15.50')).body;
      const fed = feed.filter((f) => f.i !== 7);
      expect(report.total).toMatchObject({
        receivedTotal: fed.length,
        receivedOnline: fed.filter((f) => f.i % 4 === 1).length,
        resolvedTotal: fed.filter((f) => ['resolved', 'returned', 'rejected'].includes(f.expected)).length,
        inProgressTotal: open.length,
        inProgressOverdue: open.length,
      });
    });

    it('re-processes the rejected record and its items once the procedure exists', async () => {
      expect(
        (await admin('POST', '/procedures', { ...BUILDING_PERMIT, code: UNKNOWN, name: 'Cấp giấy phép sửa chữa nhà' }))
          .status,
      ).toBe(201);
      const res = await admin('POST', '/integrations/rejected/reprocess', { sourceId: source.id });
      expect(res.status).toBe(200);
      const unknown = feed.find((f) => f.i === 7)!;
      expect(res.body).toEqual({ reprocessed: 1 + unknown.items.length, stillRejected: 0 });
      const d = await fedDossier(unknown.code);
      expect(d).toMatchObject({ procedureCode: UNKNOWN, status: unknown.expected });
      expect((await admin('GET', `/integrations/rejected?sourceId=${source.id}`)).body.items).toEqual([]);
    });

    it('keeps a record for a unit the source may not write for', async () => {
      const f = feed[0];
      const res = await asSource('/integrations/dvcqg', {
        madonvi: 'H15.60',
        service: 'DongBoHoSoMC',
        data: [{ ...f.record, MaHoSo: 'H15.60-260302-0001' }],
      });
      expect(res.body.error_code).toBe('0');
      const one = await admin('POST', '/integrations/rejected/reprocess', {});
      expect(one.body).toEqual({ reprocessed: 0, stillRejected: 1 });
      const list = (await admin('GET', '/integrations/rejected')).body.items;
      expect(list[0].reason).toContain('H15.60');
    });
  });

  describe('syncing to the national portal', () => {
    const handler = () => api.app.get(PortalSyncHandler);
    const status = async () => (await admin('GET', '/portal-sync/status')).body;
    /** A source that leaves the portal to us, and the record it fed. */
    let leftToUs: { key: string; record: Record<string, unknown> } | null = null;
    const callsFor = (code: string, service: string, list: PortalCall[] = portal.accepted) =>
      list.filter((c) => c.service === service && c.data.some((d) => d.MaHoSo === code));
    const progressOf = (code: string) =>
      callsFor(code, 'CapNhatTienDoHoSoMC').flatMap((c) => c.data.map((d) => d.TrangThai));
    const act = async (id: string, action: string, body: Record<string, unknown> = {}) => {
      const d = (await admin('GET', `/dossiers/${id}`)).body;
      const res = await admin('POST', `/dossiers/${id}/actions/${action}`, { expectedVersion: d.version, ...body });
      expect(res.status).toBe(200);
    };

    it('does not sync what a source syncs itself; does sync what it leaves to us', async () => {
      expect(await status()).toMatchObject({ pending: 0, failed: 0 });
      const b = (
        await admin('POST', '/integrations/sources', {
          name: 'Phần mềm cũ',
          unitCodes: ['H15.50'],
          syncsToPortal: false,
        })
      ).body;
      const record = { ...feed[1].record, MaHoSo: `${PORTAL_CODE}-260303-90001` };
      expect((await asSource('/integrations/dvcqg/create', [record], b.apiKey)).body.error_code).toBe('0');
      expect((await status()).pending).toBe(1);
      leftToUs = { key: b.apiKey as string, record };
    });

    it('sends a fed record whose fields changed without a new status (no event), once', async () => {
      const { key, record } = leftToUs!;
      const code = record.MaHoSo as string;
      const id = (await admin('GET', `/dossiers?code=${code}`)).body.items[0].id as string;
      expect((await handler().handle({ dossierId: id })).result).toBe('synced');
      expect(await status()).toMatchObject({ pending: 0 });
      const records = callsFor(code, 'DongBoHoSoMC').length;
      const items = progressOf(code).length;
      const events = (await admin('GET', `/dossiers/${id}`)).body.version;
      // The same record, same status, now marked as reusing digitised data (the portal's 4.3 marker):
      // no event, but the portal's record changes. It used to wait for an event that might never come.
      const reused = {
        ...record,
        HoSoCoThanhPhanSoHoa: '1',
        TaiLieuNop: (record.TaiLieuNop as Record<string, unknown>[]).map((d) => ({ ...d, DuocSoHoa: '1' })),
      };
      expect((await asSource('/integrations/dvcqg/update', [reused], key)).body.error_code).toBe('0');
      expect((await admin('GET', `/dossiers/${id}`)).body.version).toBe(events);
      expect(await status()).toMatchObject({ pending: 1 });
      expect(await handler().handle({ dossierId: id })).toEqual({ result: 'synced', records: 1, items: 0 });
      const sent = callsFor(code, 'DongBoHoSoMC');
      expect(sent).toHaveLength(records + 1);
      expect(sent.at(-1)).toMatchObject({ isUpdating: 'True' });
      expect(sent.at(-1)!.data[0]).toMatchObject({ MaHoSo: code, HoSoCoThanhPhanSoHoa: '1' });
      expect(progressOf(code)).toHaveLength(items);
      // Once: nothing left, and the same record again changes nothing.
      expect(await handler().handle({ dossierId: id })).toEqual({ result: 'skipped' });
      expect((await asSource('/integrations/dvcqg/update', [reused], key)).body.error_code).toBe('0');
      expect(await status()).toMatchObject({ pending: 0 });
      // A change of a field the portal's record does not carry (their appointment) is marked, and
      // cleared without a call: the record is the same.
      const moved = { ...reused, NgayHenTra: '20260415170000' };
      expect((await asSource('/integrations/dvcqg/update', [moved], key)).body.error_code).toBe('0');
      expect(await status()).toMatchObject({ pending: 1 });
      expect(await handler().handle({ dossierId: id })).toEqual({ result: 'synced', records: 0, items: 0 });
      expect(callsFor(code, 'DongBoHoSoMC')).toHaveLength(records + 1);
      expect(await status()).toMatchObject({ pending: 0 });
    });

    it('sends the record on intake ("False"), then "True" when it changes, and one item per event in order', async () => {
      const d = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
      expect(await handler().handle({ dossierId: d.id })).toEqual({ result: 'synced', records: 1, items: 1 });
      const [first] = callsFor(d.code, 'DongBoHoSoMC');
      expect(first).toMatchObject({ isUpdating: 'False', madonvi: '000.00.00.H15', session: 'S1' });
      expect(first.data[0]).toMatchObject({
        MaHoSo: d.code,
        MaTTHC: BUILDING_PERMIT.code,
        // The field's code from the catalogue (it was always sent empty).
        MaLinhVuc: 'G09-XD01',
        TenLinhVuc: 'Xây dựng',
        TrangThaiHoSo: '2',
        NgayTiepNhan: '20260320090000',
        NgayHenTra: dvcqgDate(d.dueAt.slice(0, 16)),
        KenhThucHien: '1',
        // intakeBody() declares digitised, not reuse: the portal's 4.3 marker is 0, as our 4.3.
        HoSoCoThanhPhanSoHoa: '0',
        DonViXuLy: 'Sở Xây dựng',
      });
      await act(d.id, 'forward');
      await act(d.id, 'request_supplement', { reason: 'Thiếu bản vẽ', items: ['Bản vẽ mặt bằng'] });
      expect(await handler().handle({ dossierId: d.id })).toEqual({ result: 'synced', records: 1, items: 2 });
      const records = callsFor(d.code, 'DongBoHoSoMC');
      expect(records.map((c) => [c.isUpdating, c.data[0].TrangThaiHoSo])).toEqual([
        ['False', '2'],
        ['True', '5'],
      ]);
      expect(progressOf(d.code)).toEqual(['2', '4', '5']);
      const synced = await pg.query(`SELECT portal_synced_at FROM dossiers WHERE id = $1`, [d.id]);
      expect(synced.rows[0].portal_synced_at).toBeInstanceOf(Date);
      // Nothing left: a repeat of the job sends nothing.
      expect(await handler().handle({ dossierId: d.id })).toEqual({ result: 'skipped' });
    });

    it('loses nothing and keeps the order while the portal is down; lists and retries the failure', async () => {
      const d = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
      expect((await handler().handle({ dossierId: d.id })).result).toBe('synced');
      portal.mode = 'down';
      const throttle = api.app.get(PortalThrottle);
      const pauseEnds = () => waitFor(async () => (await throttle.pausedMs()) === 0, 15_000, 'the pause to end');
      await act(d.id, 'forward');
      await expect(handler().handle({ dossierId: d.id })).rejects.toBeInstanceOf(PortalSyncRetry);
      // A 503 without Retry-After: a failed try, and the whole sync pauses for the default (5 s here).
      expect(await throttle.pausedMs()).toBeGreaterThan(0);
      const calls = portal.log.length;
      // While it lasts no call leaves, and the try goes back to the queue without counting.
      await expect(handler().handle({ dossierId: d.id })).rejects.toBeInstanceOf(RateLimitError);
      expect(portal.log.length).toBe(calls);
      await pauseEnds();
      await act(d.id, 'resolve', { resultSummary: 'Đã cấp phép', electronicResult: true });
      await expect(handler().handle({ dossierId: d.id })).rejects.toBeInstanceOf(PortalSyncRetry);
      await pauseEnds();
      const failures = (await admin('GET', '/portal-sync/failures')).body.items;
      expect(failures).toEqual([
        expect.objectContaining({
          dossierId: d.id,
          dossierCode: d.code,
          attempts: 2,
          lastError: 'DongBoHoSoMC: HTTP 503 (paused 5 s)',
        }),
      ]);
      expect(await status()).toMatchObject({ failed: 1 });
      portal.mode = 'ok';
      const retry = await admin('POST', `/portal-sync/failures/${d.id}/retry`);
      expect(retry.status).toBe(202);
      expect(retry.body).toEqual({ queued: 1 });
      const jobs = await api.app.get(QueueService).queue('portal').getJobs(['waiting', 'delayed', 'prioritized']);
      expect(jobs.some((j) => j.data.dossierId === d.id)).toBe(true);
      expect(await handler().handle({ dossierId: d.id })).toEqual({ result: 'synced', records: 1, items: 2 });
      expect(progressOf(d.code)).toEqual(['2', '4', '9']);
      const last = callsFor(d.code, 'DongBoHoSoMC').at(-1)!.data[0];
      expect(last).toMatchObject({ TrangThaiHoSo: '9', NgayKetThucXuLy: '20260320090000' });
      expect((await admin('GET', '/portal-sync/failures')).body.items).toEqual([]);
      expect((await admin('POST', `/portal-sync/failures/${d.id}/retry`)).status).toBe(404);
    });

    it('records a timeout, an error_code and a refused login as failures', async () => {
      const d = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
      portal.mode = 'slow';
      portal.slowMs = 6000;
      await expect(handler().handle({ dossierId: d.id })).rejects.toBeInstanceOf(PortalSyncRetry);
      expect((await admin('GET', '/portal-sync/failures')).body.items[0].lastError).toBe(
        'DongBoHoSoMC: timeout after 2000 ms',
      );
      portal.mode = 'error';
      await expect(handler().handle({ dossierId: d.id })).rejects.toBeInstanceOf(PortalSyncRetry);
      expect((await admin('GET', '/portal-sync/failures')).body.items[0]).toMatchObject({
        attempts: 2,
        lastError: 'DongBoHoSoMC: error_code -1: Dữ liệu không hợp lệ: MaTTHC',
      });
      portal.mode = 'ok';
      expect((await handler().handle({ dossierId: d.id })).result).toBe('synced');
      expect(progressOf(d.code)).toEqual(['2']);
    });

    it('logs in again when the session expired, within the same try', async () => {
      const d = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
      const logins = portal.logins;
      portal.expireSessions();
      expect((await handler().handle({ dossierId: d.id })).result).toBe('synced');
      expect(portal.logins).toBe(logins + 1);
      expect(callsFor(d.code, 'DongBoHoSoMC', portal.refused).length).toBe(1);
      expect(callsFor(d.code, 'DongBoHoSoMC')[0].session).toBe(`S${logins + 1}`);
    });

    it('sends a record the portal says exists again as an update', async () => {
      const d = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
      portal.mode = 'exists';
      expect((await handler().handle({ dossierId: d.id })).result).toBe('synced');
      portal.mode = 'ok';
      expect(callsFor(d.code, 'DongBoHoSoMC', portal.refused).map((c) => c.isUpdating)).toEqual(['False']);
      expect(callsFor(d.code, 'DongBoHoSoMC').map((c) => c.isUpdating)).toEqual(['True']);
    });

    it('hands every waiting dossier to the worker at the sweep, and retries all on demand', async () => {
      // A record changed without an event waits too: its job is a new one (the id names the
      // record's revision, not only the events), though its earlier job with the same events ran.
      const { key, record } = leftToUs!;
      const changed = { ...record, NgayHenTra: '20260416170000' };
      expect((await asSource('/integrations/dvcqg/update', [changed], key)).body.error_code).toBe('0');
      const pending = (await status()).pending;
      expect(pending).toBeGreaterThan(0);
      const sweep = await api.app.get(PortalSyncSweepHandler).handle({});
      expect(sweep.queued).toBe(pending);
      // The same state again: the same job ids, nothing added twice.
      const queue = api.app.get(QueueService).queue('portal');
      const count = (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).length;
      await api.app.get(PortalSyncSweepHandler).handle({});
      expect((await queue.getJobs(['waiting', 'delayed', 'prioritized'])).length).toBe(count);
      const all = await admin('POST', '/portal-sync/failures/retry');
      expect(all.status).toBe(202);
      expect(all.body.queued).toBe((await status()).failed);
    });
  });
});
