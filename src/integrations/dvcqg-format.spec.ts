import {
  canonicalJson,
  eventsToReach,
  fingerprint,
  formatDvcqgDate,
  INBOUND_STATUS,
  parseDvcqgDate,
  recordFee,
  recordFlags,
  redact,
  statusCode,
  unitPrefixOf,
  vnd,
  type StatusFacts,
} from './dvcqg-format';
import { PORTAL_CODE, STATUSES } from 'src/dossiers/lifecycle';

const facts = (over: Partial<StatusFacts> = {}): StatusFacts => ({
  text: null,
  amount: null,
  electronicResult: false,
  resultFileUrl: null,
  ...over,
});
const actions = (r: ReturnType<typeof eventsToReach>) =>
  'error' in r ? r.error : r.events.map((e) => `${e.action}${e.payload.implied ? '*' : ''}`);

describe('the DVCQG sync format', () => {
  it('reads and writes yyyyMMddHHmmss in Vietnam time', () => {
    expect(parseDvcqgDate('20200705105756')).toBe(Date.parse('2020-07-05T10:57:56+07:00'));
    expect(formatDvcqgDate(Date.parse('2026-02-25T03:00:00Z'))).toBe('20260225100000');
    expect(formatDvcqgDate(null)).toBe('');
    for (const bad of ['', '2026022510000', '20260231100000', '20261301000000', '20260101250000', 20260101000000, null])
      expect(parseDvcqgDate(bad)).toBeNull();
  });

  it('maps every inbound status code to a status and the action that leads to it, and back', () => {
    for (const [code, { status }] of Object.entries(INBOUND_STATUS)) {
      expect(STATUSES).toContain(status);
      // Outbound, the same status has the same code (1 and 2 both mean received: 2 is ours).
      if (Number(code) > 2) expect(PORTAL_CODE[status]).toBe(Number(code));
    }
    expect(statusCode('4')).toBe(4);
    expect(statusCode(' 10 ')).toBe(10);
    expect(statusCode('0')).toBeNull();
    expect(statusCode('11')).toBeNull();
    expect(statusCode('abc')).toBeNull();
  });

  it('reaches a status from where the dossier stands, filling skipped steps as implied', () => {
    expect(actions(eventsToReach('received', false, 2, facts()))).toEqual([]);
    expect(actions(eventsToReach('received', false, 4, facts()))).toEqual(['forward']);
    expect(actions(eventsToReach('in_progress', true, 4, facts()))).toEqual([]);
    // A progress item's 4 is the next step; a record's 4 is the status it is in already.
    expect(actions(eventsToReach('in_progress', false, 4, facts()))).toEqual(['forward']);
    expect(actions(eventsToReach('in_progress', false, 4, facts(), true))).toEqual([]);
    expect(actions(eventsToReach('received', false, 4, facts(), true))).toEqual(['forward']);
    expect(actions(eventsToReach('awaiting_supplement', false, 4, facts()))).toEqual(['receive_supplement']);
    expect(actions(eventsToReach('awaiting_payment', false, 4, facts()))).toEqual(['confirm_payment']);
    expect(actions(eventsToReach('received', false, 10, facts()))).toEqual(['resolve*', 'return']);
    expect(actions(eventsToReach('awaiting_supplement', false, 9, facts()))).toEqual([
      'receive_supplement*',
      'resolve',
    ]);
    expect(actions(eventsToReach('resolved', false, 10, facts()))).toEqual(['return']);
    expect(actions(eventsToReach('in_progress', false, 3, facts({ text: 'Sai thẩm quyền' })))).toEqual(['reject']);
    expect(actions(eventsToReach('received', false, 6, facts({ amount: 500000 })))).toEqual(['request_payment']);
    expect(actions(eventsToReach('received', false, 6, facts()))).toMatch(/số tiền/);
    expect(actions(eventsToReach('rejected', false, 9, facts()))).toMatch(/đã kết thúc/);
    expect(actions(eventsToReach('returned', false, 10, facts()))).toEqual([]);
  });

  it('carries the item text as the reason or note', () => {
    const r = eventsToReach('in_progress', false, 5, facts({ text: 'Thiếu bản vẽ' }));
    expect('events' in r && r.events[0].payload).toEqual({ portalStatus: 5, reason: 'Thiếu bản vẽ', items: [] });
  });

  it('fingerprints records whatever the order of their keys', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(fingerprint('DongBoHoSoMC', { a: 1, b: 2 })).toBe(fingerprint('DongBoHoSoMC', { b: 2, a: 1 }));
    expect(fingerprint('DongBoHoSoMC', { a: 1 })).not.toBe(fingerprint('CapNhatTienDoHoSoMC', { a: 1 }));
  });

  it('redacts personal data at any depth and keeps the rest', () => {
    expect(
      redact({
        MaHoSo: 'X',
        ChuHoSo: 'Nguyễn Văn A',
        Email: '',
        DinhDanhCHS: [{ SoDinhDanh: '1' }],
        TaiLieuNop: [{ DuongDanTaiTepTin: 'u', TenTepDinhKem: 'a.pdf' }],
      }),
    ).toEqual({
      MaHoSo: 'X',
      ChuHoSo: '***',
      Email: '',
      DinhDanhCHS: '***',
      TaiLieuNop: [{ DuongDanTaiTepTin: '***', TenTepDinhKem: 'a.pdf' }],
    });
  });

  it("maps the record's 766 facts onto the intake flags, only where the record says something", () => {
    expect(recordFlags({})).toEqual({});
    expect(
      recordFlags({
        HoSoCoThanhPhanSoHoa: '0',
        TaiKhoanDuocXacThucVoiVNeID: '1',
        DuocThanhToanTrucTuyen: '2',
        TaiLieuNop: [{ DuocSoHoa: '1', DuocTaiSuDung: '2', DuocLayTuKhoDMQG: '0' }],
      }),
    ).toEqual({
      digitised: false, // components listed, none with a file
      reusedDigitisedData: true,
      linkedToPersonalDataStore: false,
      usedPopulationData: true,
      paidOnline: true,
    });
    expect(recordFlags({ DuocThanhToanTrucTuyen: '0' })).toEqual({ paidOnline: false });
    // 4.3: the portal's marker for a province's dossiers is HoSoCoThanhPhanSoHoa (reference §4.3).
    expect(recordFlags({ HoSoCoThanhPhanSoHoa: '1' })).toEqual({ reusedDigitisedData: true });
    expect(recordFlags({ HoSoCoThanhPhanSoHoa: '0', TaiLieuNop: [{ DuocSoHoa: '0' }] })).toEqual({
      digitised: false,
      reusedDigitisedData: false,
    });
    // 4.2: a file attached to a component, not deleted.
    expect(
      recordFlags({
        TaiLieuNop: [
          { DuongDanTaiTepTin: 'https://mc.example.vn/f/1', IsDeleted: 'True' },
          { DuongDanTaiTepTin: ' ', IsDeleted: 'False' },
        ],
      }),
    ).toEqual({ digitised: false });
    expect(
      recordFlags({ TaiLieuNop: [{ DuongDanTaiTepTin: 'https://mc.example.vn/f/2', IsDeleted: 'False' }] }),
    ).toEqual({ digitised: true });
  });

  it('sums the fees and reads the unit a code names', () => {
    expect(recordFee({ DanhSachLePhi: [{ Gia: '500000' }, { Gia: 100000 }, { Gia: 'x' }] })).toBe(600000);
    expect(recordFee({})).toBeNull();
    // A decimal part is not a thousands group (it made 150000.00 a fee of 15,000,000).
    expect(recordFee({ DanhSachLePhi: [{ Gia: '150000.00' }] })).toBe(150000);
    expect(recordFee({ DanhSachLePhi: [{ Gia: '1.500.000,00' }, { Gia: '200,000' }] })).toBe(1700000);
    expect(['150 000', '150000,00', '150,000.00'].map(vnd)).toEqual([150000, 150000, 150000]);
    expect(['15,00,000', '150.000.00', 'x', ''].map(vnd).every(Number.isNaN)).toBe(true);
    expect(unitPrefixOf('000.00.01.H22-260302-00012')).toBe('000.00.01.H22');
    expect(unitPrefixOf('HS-2026-1')).toBeNull();
  });
});
