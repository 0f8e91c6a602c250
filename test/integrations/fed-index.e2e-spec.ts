import { join } from 'node:path';
import type { Client } from 'pg';
import { DataSource } from 'typeorm';
import { FedDossiersSynced1766990000000 } from '../../migrations/1766990000000-fed-dossiers-synced';
import { clockOf } from '../public/support';
import { Api, startApi } from '../support/http';
import type { Province } from '../support/province';
import { dvcqgDate, exchangeProvince, permitRecord } from './support';

process.env.SLA_POLICY_FILE = join(__dirname, '../support/policies/nd61-only.json');
const PORTAL_CODE = '000.00.50.H15';

/**
 * Dossiers a province's one-stop system feeds us, in the 766 index as the national portal computes
 * it: 1.4 counts a dossier the source puts on the portal itself as synchronised (it is there), and
 * 4.2/4.3 read the record's fields as the portal reads them (a component with a file: digitised;
 * HoSoCoThanhPhanSoHoa or TaiLieuNop[].DuocSoHoa: reuse of digitised data).
 */
describe('fed dossiers in the 766 index', () => {
  let api: Api;
  let p: Province;
  let pg: Client;

  beforeAll(async () => {
    api = await startApi();
    ({ p, pg } = await exchangeProvince(api, PORTAL_CODE));
  }, 60_000);
  afterAll(async () => {
    await pg?.end();
    await api?.close();
  });

  const record = (n: number, over: Record<string, unknown>) =>
    permitRecord(PORTAL_CODE, '2026-04-06', n, {
      KenhThucHien: '2',
      NgayHenTra: dvcqgDate('2026-04-09T08:00'),
      ...over,
    });

  const source = async (name: string, syncsToPortal: boolean) => {
    const res = await api.request('POST', '/integrations/sources', {
      token: p.admin,
      body: { name, unitCodes: ['H15.50'], syncsToPortal },
    });
    expect(res.status).toBe(201);
    return res.body.apiKey as string;
  };

  const send = async (key: string, records: unknown[]) => {
    const res = await api.request(
      'POST',
      `/integrations/dvcqg/DongBoHoSoMC?MaDinhDanhDV=${PORTAL_CODE}&isUpdating=False`,
      { body: records, headers: { 'x-api-key': key } },
    );
    expect(res.status).toBe(200);
    expect(res.body.error_code).toBe('0');
  };

  it('counts what a self-syncing source feeds as synchronised, and reads 4.2 and 4.3 from the portal’s fields', async () => {
    const setNow = clockOf(api);
    setNow('2026-04-06T09:00:00');
    // Two dossiers from a system that syncs them to the portal itself, one from a system that does
    // not (ours to sync: not synchronised until the portal accepts it from us).
    await send(await source('Một cửa tỉnh', true), [
      record(1, {
        HoSoCoThanhPhanSoHoa: '1',
        TaiLieuNop: [
          { TenTepDinhKem: 'don.pdf', DuongDanTaiTepTin: 'https://motcua.example.vn/tep/1', IsDeleted: 'False' },
        ],
      }),
      record(2, { HoSoCoThanhPhanSoHoa: '0', TaiLieuNop: [{ TenTepDinhKem: 'don.pdf', DuocSoHoa: '1' }] }),
    ]);
    await send(await source('Hệ thống cũ', false), [record(3, { HoSoCoThanhPhanSoHoa: '0' })]);
    const rows = await pg.query<{ code: string; synced: boolean; flags: Record<string, boolean> }>(
      `SELECT code, portal_synced_at IS NOT NULL AS synced, flags FROM dossiers WHERE code LIKE $1 ORDER BY code`,
      [`${PORTAL_CODE}-260406-%`],
    );
    expect(rows.rows.map((r) => [r.synced, r.flags.digitised, r.flags.reusedDigitisedData])).toEqual([
      [true, true, true],
      [true, false, true],
      [false, undefined, false],
    ]);

    setNow('2026-05-04T08:00:00');
    const res = await api.request('GET', '/reports/index?period=2026-04&unitCode=H15', { token: p.tokens.board });
    expect(res.status).toBe(200);
    const unit = res.body.units.find((u: { unitCode: string }) => u.unitCode === 'H15.50');
    const ind = (key: string) =>
      unit.groups.flatMap((g: { indicators: unknown[] }) => g.indicators).find((i: { key: string }) => i.key === key);
    // 1.4: two of the three received in April are on the portal (before: 0 of 3, and 3.3 times 0).
    expect(ind('dossiers_synced')).toMatchObject({ numerator: 2, denominator: 3 });
    expect(ind('reused_data')).toMatchObject({ numerator: 2, denominator: 3 });
  });

  it("migration 1766990000000 marks the self-syncing source's dossiers fed before the fix, and its down unmarks only those", async () => {
    const ds = api.app.get(DataSource);
    const synced = async () =>
      (
        await pg.query<{ code: string }>(
          `SELECT code FROM dossiers WHERE code LIKE $1 AND portal_synced_at IS NOT NULL ORDER BY code`,
          [`${PORTAL_CODE}-260406-%`],
        )
      ).rows.map((r) => r.code.slice(-1));
    // As the feed left them before: the self-syncing source's dossiers not marked. Dossier 3 is
    // ours to sync and the portal accepted it meanwhile: our sync's mark, which neither direction
    // of the migration touches.
    await pg.query(`UPDATE dossiers SET portal_synced_at = NULL WHERE code LIKE $1`, [`${PORTAL_CODE}-260406-%`]);
    await pg.query(`UPDATE dossiers SET portal_synced_at = now() WHERE code = $1`, [`${PORTAL_CODE}-260406-00003`]);
    expect(await synced()).toEqual(['3']);
    const migration = new FedDossiersSynced1766990000000();
    const runner = ds.createQueryRunner();
    try {
      await migration.up(runner);
      expect(await synced()).toEqual(['1', '2', '3']);
      await migration.down(runner);
      expect(await synced()).toEqual(['3']);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    // The report summaries followed the column (their triggers): April's 1.4 is 3 of 3 now.
    const res = await api.request('GET', '/reports/index?period=2026-04&unitCode=H15', { token: p.tokens.board });
    const unit = res.body.units.find((u: { unitCode: string }) => u.unitCode === 'H15.50');
    const synced14 = unit.groups
      .flatMap((g: { indicators: unknown[] }) => g.indicators)
      .find((i: { key: string }) => i.key === 'dossiers_synced');
    expect(synced14).toMatchObject({ numerator: 3, denominator: 3 });
  });
});
