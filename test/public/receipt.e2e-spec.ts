import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, startApi } from '../support/http';
import { buildProvince, Province } from '../support/province';
import { act, clockOf, decodeQrOnFirstPage, intake, pdfText as layoutText } from './support';

/** The receipt's text with wrapped lines joined (a long procedure name or instant may wrap). */
const pdfText = (bytes: Buffer, dir: string, name: string) => layoutText(bytes, dir, name).replace(/ *\n */g, ' ');

const PORTAL = 'https://dichvucong.hue.example.vn';

describe('the intake receipt (form 01: giấy tiếp nhận hồ sơ và hẹn trả kết quả) as PDF', () => {
  let api: Api;
  let p: Province;
  let setNow: (local: string) => void;
  let dir: string;

  beforeAll(async () => {
    api = await startApi({ PUBLIC_BASE_URL: PORTAL });
    p = await buildProvince(api);
    setNow = clockOf(api);
    dir = mkdtempSync(join(tmpdir(), 'sla-receipt-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await api.close();
  });

  const download = async (url: string, token: string) => {
    const res = await api.app.inject({
      method: 'GET',
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.statusCode, headers: res.headers, bytes: res.rawPayload, json: () => JSON.parse(res.body) };
  };

  it('prints right after intake with the code, the appointment, the lookup key and a QR code of the lookup address', async () => {
    setNow('2026-02-13T10:00:00');
    const d = await intake(api, p);
    const res = await download(`/dossiers/${d.id}/receipt?format=pdf&lookupKey=${d.lookupKey}`, p.tokens.clerk);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="giay-tiep-nhan-${d.code}.pdf"`);
    expect(res.headers['cache-control']).toBe('private, no-store');

    const text = pdfText(res.bytes, dir, 'receipt.pdf');
    for (const expected of [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'UBND TỈNH',
      'SỞ XÂY DỰNG',
      'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
      `Mã hồ sơ: ${d.code}`,
      'Ông/Bà Nguyễn Văn Bình',
      'Cấp giấy phép xây dựng (mã thủ tục 1.004227)',
      '3 ngày làm việc',
      'Thời gian nhận hồ sơ: 10 giờ 00 phút, ngày 13/02/2026',
      // Over Tết: 3 working days from Friday 13/02 10:00 (docs/domain.md's example).
      'Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 00 phút, ngày 25/02/2026',
      `Mã tra cứu: ${d.lookupKey}`,
      `${PORTAL}/tra-cuu/${d.code}`,
      'NGƯỜI NỘP HỒ SƠ',
      'NGƯỜI TIẾP NHẬN HỒ SƠ',
      'Nguyễn Thị Lan', // the counter clerk who received it
    ]) {
      expect(text).toContain(expected);
    }
    expect(decodeQrOnFirstPage(res.bytes, dir, 'receipt-qr')).toBe(`${PORTAL}/tra-cuu/${d.code}`);
  });

  it('keeps the appointment given at intake when reprinted after a pause, and reprints without the key', async () => {
    setNow('2026-03-02T08:00:00');
    const d = await intake(api, p);
    setNow('2026-03-03T08:00:00');
    await act(api, d.id, 'request_supplement', p.tokens.head, {
      expectedVersion: 1,
      reason: 'Thiếu',
      items: ['Bản vẽ'],
    });
    setNow('2026-03-09T08:00:00');
    await act(api, d.id, 'receive_supplement', p.tokens.clerk, { expectedVersion: 2 });
    const res = await download(`/dossiers/${d.id}/receipt`, p.tokens.head);
    expect(res.status).toBe(200);
    const text = pdfText(res.bytes, dir, 'reprint.pdf');
    expect(text).toContain('Thời gian trả kết quả giải quyết hồ sơ: 08 giờ 00 phút, ngày 05/03/2026');
    expect(text).toContain('Mã tra cứu: đã cấp một lần khi tiếp nhận hồ sơ (không in lại)');
    expect(text).not.toContain(d.lookupKey);
  });

  it('refuses a key that is not the dossier key, and hides the receipt from those who may not see the dossier', async () => {
    setNow('2026-03-02T08:00:00');
    const d = await intake(api, p);
    const wrong = await download(`/dossiers/${d.id}/receipt?lookupKey=AAAAAAAAAAAA`, p.tokens.clerk);
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'lookupKey' }] });
    expect((await download(`/dossiers/${d.id}/receipt?lookupKey=${d.lookupKey}`, p.tokens.otherClerk)).status).toBe(
      404,
    );
    expect((await download(`/dossiers/${d.id}/receipt?format=docx`, p.tokens.clerk)).status).toBe(400);
    // A lower-case key is the same key, printed as issued.
    const lower = await download(`/dossiers/${d.id}/receipt?lookupKey=${d.lookupKey.toLowerCase()}`, p.tokens.clerk);
    expect(pdfText(lower.bytes, dir, 'lower.pdf')).toContain(`Mã tra cứu: ${d.lookupKey}`);
  });
});
