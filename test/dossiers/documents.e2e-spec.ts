import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock } from '../../src/common/clock';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';

/** The text of a PDF as poppler lays it out, with runs of spaces folded (justified lines, table cells). */
function pdfText(bytes: Buffer, dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' })
    .normalize('NFC')
    .replace(/[ \t]+/g, ' ');
}

describe('dossier documents (form 06 control slip, form 04 apology letter) as PDF', () => {
  let api: Api;
  let p: Province;
  let clock: Clock;
  let dir: string;
  const setNow = (local: string) => {
    const at = new Date(`${local}+07:00`);
    clock.now = () => at;
  };

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    clock = api.app.get(Clock);
    dir = mkdtempSync(join(tmpdir(), 'sla-documents-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await api.close();
  });

  /** GET with the raw bytes of the response (api.request decodes bodies as text). */
  const download = async (url: string, token: string) => {
    const res = await api.app.inject({
      method: 'GET',
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}` },
    });
    return {
      status: res.statusCode,
      headers: res.headers,
      bytes: res.rawPayload,
      json: () => JSON.parse(res.body),
    };
  };
  const act = async (id: string, action: string, token: string, body: Record<string, unknown>) => {
    const res = await api.request('POST', `/dossiers/${id}/actions/${action}`, { token, body });
    if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const intake = async () => {
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    if (res.status !== 201) throw new Error(`intake: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; code: string };
  };

  /** Received Mon 02/03 08:00 (due Thu 05/03 08:00); appraisal handed over late; resolved early. */
  const processed = async () => {
    setNow('2026-03-02T08:00:00');
    const d = await intake();
    setNow('2026-03-02T09:00:00');
    await act(d.id, 'forward', p.tokens.clerk, {
      expectedVersion: 1,
      assigneeUserId: p.userIds.officer,
      note: 'Chuyển thẩm định',
    });
    setNow('2026-03-04T09:00:00'); // appraisal (12 h) was due Tue 03/03 14:30
    await act(d.id, 'forward', p.tokens.officer, { expectedVersion: 2, assigneeUserId: p.userIds.signer });
    setNow('2026-03-04T10:00:00');
    await act(d.id, 'resolve', p.tokens.signer, {
      expectedVersion: 3,
      resultSummary: 'Đã cấp giấy phép',
      electronicResult: true,
    });
    return d;
  };

  /** Received Mon 02/03 08:00; the unit head extends on Wed 04/03 09:00 to Tue 10/03 17:00. */
  const extended = async () => {
    setNow('2026-03-02T08:00:00');
    const d = await intake();
    setNow('2026-03-04T09:00:00');
    await act(d.id, 'extend', p.tokens.head, {
      expectedVersion: 1,
      newPromisedAt: '2026-03-10T17:00:00+07:00',
      reason: 'Cần lấy ý kiến phối hợp của Sở Tư pháp',
      responsibleUnitCode: 'H15.50.01',
    });
    return d;
  };

  it('renders the control slip as a form-06 PDF with one row per hand-over and each step result', async () => {
    const d = await processed();
    setNow('2026-03-05T08:30:00');
    const res = await download(`/dossiers/${d.id}/control-slip?format=pdf`, p.tokens.clerk);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="phieu-kiem-soat-${d.code}.pdf"`);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const text = pdfText(res.bytes, dir, 'slip.pdf');
    for (const expected of [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'SỞ XÂY DỰNG', // the issuing unit (the receiving counter), under its parent UBND tỉnh
      'UBND TỈNH',
      'PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ',
      d.code,
      '1.004227 - Cấp giấy phép xây dựng',
      'Nguyễn Văn Bình',
      'TÊN CƠ QUAN',
      'Bên giao (cơ quan, người giao)',
      'Phòng Quản lý xây dựng',
      'Người nhận: Trần Văn Minh', // the officer the dossier was handed to
      'Người giao: Nguyễn Thị Lan', // the counter clerk who handed it over
      'Người nhận: Lê Thị Hoa',
      'Chuyển thẩm định', // the hand-over note
      '02/03/2026 08:00', // received
      '05/03/2026 08:00', // statutory due
      '03/03/2026 14:30', // appraisal step due
      '04/03/2026 09:00', // hand-over to signing
      'Đã có kết quả (chờ trả)',
    ]) {
      expect(text).toContain(expected);
    }
    // Rows (each starts with its number; the result is on its first line): intake on time,
    // appraisal late, signing on time (same day as its due instant).
    const results = text
      .split('\n')
      .filter((line) => /^ ?\d+ /.test(line))
      .map((line) => line.match(/Trước hạn|Đúng hạn|Quá hạn/)?.[0]);
    expect(results).toEqual(['Đúng hạn', 'Quá hạn', 'Đúng hạn']);
    // The dossier itself ended early.
    expect(text).toMatch(/Kết quả giải quyết hồ sơ: Trước hạn \(kết thúc lúc 04\/03\/2026 10:00\)/);
  });

  it('keeps JSON as the default format of the control slip and refuses unknown formats', async () => {
    const d = await processed();
    const json = await download(`/dossiers/${d.id}/control-slip`, p.tokens.clerk);
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toContain('application/json');
    expect(json.json().map((r: { result: string }) => r.result)).toEqual(['on_time', 'late', 'on_time']);
    const explicit = await download(`/dossiers/${d.id}/control-slip?format=json`, p.tokens.clerk);
    expect(explicit.json()).toEqual(json.json());

    const xml = await download(`/dossiers/${d.id}/control-slip?format=xml`, p.tokens.clerk);
    expect(xml.status).toBe(400);
    expect(xml.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ field: 'format' })],
    });
    const letterXml = await download(`/dossiers/${d.id}/extensions/1/letter?format=xml`, p.tokens.clerk);
    expect(letterXml.status).toBe(400);
    expect(letterXml.json().code).toBe('VALIDATION_FAILED');
  });

  it('renders the apology and extension letter of form 04 with the new appointment, signed by the unit head', async () => {
    const d = await extended();
    const res = await download(`/dossiers/${d.id}/extensions/1/letter?format=pdf`, p.tokens.head);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="phieu-xin-loi-hen-lai-${d.code}-1.pdf"`);
    expect(res.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // pdf is also the default.
    const byDefault = await download(`/dossiers/${d.id}/extensions/1/letter`, p.tokens.clerk);
    expect(byDefault.status).toBe(200);
    expect(byDefault.headers['content-type']).toBe('application/pdf');

    const text = pdfText(res.bytes, dir, 'letter.pdf');
    for (const expected of [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'PHÒNG QUẢN LÝ XÂY DỰNG', // the responsible unit issues the letter
      'SỞ XÂY DỰNG',
      'PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ',
      'Kính gửi: Ông/Bà Nguyễn Văn Bình',
      'Ngày 04 tháng 03 năm 2026', // the date of the letter: the extension event
      d.code,
      'Cấp giấy phép xây dựng',
      'Thời gian hẹn trả kết quả giải quyết hồ sơ: 05/03/2026 08:00',
      'Cần lấy ý kiến phối hợp của Sở Tư pháp',
      'xin lỗi',
      '10/03/2026 17:00', // the new promised instant
      'THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ',
      'Phạm Quốc Hùng', // the head who extended signs
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('keeps the appointment of the letter as it stood when the letter was issued', async () => {
    const d = await extended();
    setNow('2026-03-04T10:00:00');
    await act(d.id, 'request_supplement', p.admin, { expectedVersion: 2, reason: 'Thiếu bản vẽ', items: ['Bản vẽ'] });
    setNow('2026-03-09T10:00:00');
    const resumed = await act(d.id, 'receive_supplement', p.admin, { expectedVersion: 3 });
    expect(resumed.dueAt).not.toBe('2026-03-05T08:00:00+07:00'); // the pause moved the statutory due instant
    const res = await download(`/dossiers/${d.id}/extensions/1/letter`, p.tokens.clerk);
    const text = pdfText(res.bytes, dir, 'letter-after-pause.pdf');
    expect(text).toContain('Thời gian hẹn trả kết quả giải quyết hồ sơ: 05/03/2026 08:00');
    expect(text).toContain('10/03/2026 17:00');
  });

  it('answers 404 for a letter the dossier does not have', async () => {
    const d = await extended();
    for (const n of ['2', '0', 'abc']) {
      const res = await download(`/dossiers/${d.id}/extensions/${n}/letter`, p.tokens.clerk);
      expect([n, res.status, res.json().code]).toEqual([n, 404, 'NOT_FOUND']);
    }
    setNow('2026-03-02T08:00:00');
    const plain = await intake();
    expect((await download(`/dossiers/${plain.id}/extensions/1/letter`, p.tokens.clerk)).status).toBe(404);
  });

  it('hides both documents from a user of another unit, as it hides the dossier', async () => {
    const d = await extended();
    for (const url of [`/dossiers/${d.id}/control-slip?format=pdf`, `/dossiers/${d.id}/extensions/1/letter`]) {
      const other = await download(url, p.tokens.otherClerk);
      expect([url, other.status, other.json().code]).toEqual([url, 404, 'NOT_FOUND']);
      expect((await download(url, p.tokens.board)).status).toBe(200);
    }
  });
});
