import type { Client } from 'pg';
import { BODY_LIMIT_BYTES, FEED_BODY_LIMIT_BYTES } from '../../src/common/http-security';
import { MAX_BATCH } from '../../src/integrations/dvcqg-format';
import { clockOf } from '../public/support';
import { Api, startApi } from '../support/http';
import type { Province } from '../support/province';
import { exchangeProvince, permitRecord } from './support';

const PORTAL_CODE = '000.00.50.H15';

/**
 * A sender's records as they come in the field: the same record again with one field changed (the
 * vendors' systems send the record with every change and before each progress item), and fees
 * written with a decimal part. The record's status is the status the dossier is in, not a step.
 */
describe('records sent again, and their fees', () => {
  let api: Api;
  let p: Province;
  let pg: Client;
  let key: string;

  beforeAll(async () => {
    api = await startApi();
    ({ p, pg } = await exchangeProvince(api, PORTAL_CODE));
    clockOf(api)('2026-03-20T09:00:00');
    const res = await api.request('POST', '/integrations/sources', {
      token: p.admin,
      body: { name: 'Một cửa', unitCodes: ['H15.50'] },
    });
    expect(res.status).toBe(201);
    key = res.body.apiKey as string;
  }, 60_000);
  afterAll(async () => {
    await pg?.end();
    await api?.close();
  });

  const record = (n: number, over: Record<string, unknown>) =>
    permitRecord(PORTAL_CODE, '2026-03-16', n, { SoDienThoai: '0912345678', ...over });
  const send = async (path: 'create' | 'update', records: unknown[]) => {
    const res = await api.request('POST', `/integrations/dvcqg/${path}?MaDinhDanhDV=${PORTAL_CODE}`, {
      body: records,
      headers: { 'x-api-key': key },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ error_code: '0' });
    return res.body.message as string;
  };
  const events = async (n: number) =>
    (
      await pg.query<{ action: string; payload: Record<string, unknown> }>(
        `SELECT e.action, e.payload FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id
         WHERE d.code = $1 ORDER BY e.seq`,
        [`${PORTAL_CODE}-260316-${String(n).padStart(5, '0')}`],
      )
    ).rows;

  it('takes a record sent again at the same status 4 as the status it is in: no step is added', async () => {
    await send('create', [record(1, { TrangThaiHoSo: '4' })]);
    expect((await events(1)).map((e) => e.action)).toEqual(['intake', 'forward']);
    // The same record, the phone corrected: its facts are kept, the process does not move on (it
    // took the dossier one step further each time, to the signer's step and past it).
    await send('update', [record(1, { TrangThaiHoSo: '4', SoDienThoai: '0987654321' })]);
    await send('update', [record(1, { TrangThaiHoSo: '4', SoDienThoai: '0987654322' })]);
    expect((await events(1)).map((e) => e.action)).toEqual(['intake', 'forward']);
    const d = await pg.query(`SELECT status FROM dossiers WHERE code = $1`, [`${PORTAL_CODE}-260316-00001`]);
    expect(d.rows[0]).toMatchObject({ status: 'in_progress' });
  });

  it('reads a fee written with a decimal part as đồng, not as a hundred times more', async () => {
    await send('create', [
      record(2, {
        TrangThaiHoSo: '6',
        DanhSachLePhi: [
          { TenPhiLePhi: 'Lệ phí cấp phép', Gia: '150000.00' },
          { TenPhiLePhi: 'Phí thẩm định', Gia: '1.200.000,00' },
        ],
      }),
    ]);
    const payment = (await events(2)).find((e) => e.action === 'request_payment');
    expect(payment?.payload).toMatchObject({ amount: 1_350_000 });
  });

  it(`takes ${MAX_BATCH} records in one call as the vendors send them (over 1 MiB), and refuses a body over its limit`, async () => {
    const files = (n: number) =>
      [1, 2, 3].map((f) => ({
        TepDinhKemId: `tep-${n}-${f}`,
        TenTepDinhKem: `Bản vẽ thiết kế công trình nhà ở riêng lẻ - tờ ${f} - hồ sơ ${n}.pdf`,
        IsDeleted: 'False',
        MaThanhPhanHoSo: `TP${f}`,
        DuongDanTaiTepTin: `https://motcua.example.vn/api/files/download/${n}/${f}/${'a'.repeat(180)}`,
        DuocSoHoa: '1',
        DuocLayTuKhoDMQG: '0',
      }));
    const batch = Array.from({ length: MAX_BATCH }, (_, i) =>
      record(100 + i, {
        TrichYeuHoSo: 'Cấp giấy phép xây dựng đối với công trình nhà ở riêng lẻ tại đô thị',
        Email: `cong.dan.${i}@example.vn`,
        TaiLieuNop: files(i),
      }),
    );
    const body = JSON.stringify(batch);
    expect(body.length).toBeGreaterThan(BODY_LIMIT_BYTES);
    const message = await send('create', batch);
    expect(message).toContain(`${MAX_BATCH} cập nhật`);
    const tooBig = await api.request('POST', `/integrations/dvcqg/create?MaDinhDanhDV=${PORTAL_CODE}`, {
      body: JSON.stringify([{ pad: 'x'.repeat(FEED_BODY_LIMIT_BYTES) }]),
      headers: { 'x-api-key': key },
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  }, 120_000);
});
