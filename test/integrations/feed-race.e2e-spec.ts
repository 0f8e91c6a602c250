import { Client } from 'pg';
import { Api, startApi } from '../support/http';
import { BUILDING_PERMIT, Province } from '../support/province';
import { dvcqgDate, item, exchangeProvince } from './support';

const PORTAL_CODE = '000.00.50.H15';
const ROUNDS = 6;
/** Dossiers raced per round (and as many fed one request after the other, to compare with). */
const K = 8;

const record = (code: string, receivedAt: string, summary: string) => ({
  MaHoSo: code,
  MaTTHC: BUILDING_PERMIT.code,
  TenTTHC: 'Cấp giấy phép xây dựng',
  KenhThucHien: '1',
  ChuHoSo: 'Nguyễn Văn Công',
  LoaiDoiTuong: '1',
  SoGiayToChuHoSo: '001085012345',
  TrichYeuHoSo: summary,
  NgayTiepNhan: dvcqgDate(receivedAt),
  NgayHenTra: '',
  TrangThaiHoSo: '1',
  HinhThuc: '0',
  DonViXuLy: 'Sở Xây dựng',
  TaiLieuNop: [],
  DanhSachLePhi: [],
});

/**
 * Two feeds racing on the same dossiers: a source's records and progress items for one dossier
 * arriving at once through several requests (the full envelope, the bare-array URLs), overlapping,
 * in parallel, several rounds. The end state of every raced dossier must be the one the same
 * requests give one after the other (compared with twin dossiers fed sequentially): no duplicate
 * event, a gapless sequence, the same status, due instant and history; and every request answered
 * 200 in the portal's shape.
 */
describe('two feeds racing on one dossier end as if they came one after the other', () => {
  let api: Api;
  let p: Province;
  let pg: Client;
  let key: string;

  const admin = (method: string, url: string, body?: unknown) => api.request(method, url, { token: p.admin, body });
  const asSource = (url: string, body: unknown) => api.request('POST', url, { body, headers: { 'x-api-key': key } });

  beforeAll(async () => {
    api = await startApi({});
    ({ p, pg } = await exchangeProvince(api, PORTAL_CODE));
    const src = await admin('POST', '/integrations/sources', { name: 'Một cửa tỉnh', unitCodes: ['H15.50'] });
    expect(src.status).toBe(201);
    key = src.body.apiKey;
  }, 240_000);

  afterAll(async () => {
    await pg?.end();
    await api?.close();
  });

  /** What a dossier came to, without what names it (id, code): comparable between twins. */
  const endState = async (code: string) => {
    const found = (await admin('GET', `/dossiers?code=${encodeURIComponent(code)}`)).body.items;
    expect(found.map((x: { code: string }) => x.code)).toEqual([code]);
    const d = found[0];
    const full = (await admin('GET', `/dossiers/${d.id}`)).body;
    const events = (await admin('GET', `/dossiers/${d.id}/events`)).body as Record<string, unknown>[];
    const seqs = await pg.query(`SELECT seq FROM dossier_events WHERE dossier_id = $1 ORDER BY seq`, [d.id]);
    const rows = await pg.query(`SELECT count(*)::int AS n FROM dossiers WHERE code = $1`, [code]);
    return {
      dossiers: rows.rows[0].n as number,
      seq: seqs.rows.map((r) => r.seq as number),
      version: full.version,
      status: full.status,
      dueAt: full.dueAt,
      receivedAt: full.receivedAt,
      summary: full.summary,
      supplementCount: full.supplementCount,
      // The history: what happened when. (Not the status each event row recorded: the ledger is
      // append-only, so a row keeps the status the fold gave when it was written; an item placed
      // before it later, as a race may order them, re-folds the dossier, not the rows already there.)
      events: events.map((e) => [e.action, e.at]),
    };
  };

  for (let round = 0; round < ROUNDS; round++) {
    it(`round ${round + 1}: records and progress racing in parallel requests`, async () => {
      const day = `2026-03-0${2 + round}`;
      const receivedAt = `${day}T08:00`;
      const code = (twin: 'r' | 's', k: number) =>
        `${PORTAL_CODE}-${day.slice(2).replace(/-/g, '')}-${twin}${round}${k}`;
      const raced = Array.from({ length: K }, (_, k) => code('r', k));
      const serial = Array.from({ length: K }, (_, k) => code('s', k));
      const at = (h: number) => `${day}T${String(8 + h).padStart(2, '0')}:00`;
      // Two batches of progress that overlap (the supplement request and its answer are in both),
      // and a record update that changes only the summary.
      const first = (c: string) => [
        item(c, 4, at(1), 'Chuyển thẩm định'),
        item(c, 5, at(2), 'Thiếu bản vẽ mặt bằng'),
        item(c, 4, at(3), 'Đã bổ sung'),
      ];
      const second = (c: string) => [
        item(c, 5, at(2), 'Thiếu bản vẽ mặt bằng'),
        item(c, 4, at(3), 'Đã bổ sung'),
        item(c, 9, at(4), 'Đã có kết quả'),
      ];
      const requests = (codes: string[]) => ({
        // The same new records through two envelope shapes.
        create: [
          () =>
            asSource('/integrations/dvcqg', {
              madonvi: PORTAL_CODE,
              service: 'DongBoHoSoMC',
              isUpdating: 'False',
              data: codes.map((c) => record(c, receivedAt, 'Xin cấp phép xây nhà ở')),
            }),
          () =>
            asSource(
              '/integrations/dvcqg/create',
              codes.map((c) => record(c, receivedAt, 'Xin cấp phép xây nhà ở')),
            ),
        ],
        progress: [
          () =>
            asSource('/integrations/dvcqg', {
              madonvi: PORTAL_CODE,
              service: 'CapNhatTienDoHoSoMC',
              data: codes.flatMap(first),
            }),
          () => asSource('/integrations/dvcqg/progress', codes.flatMap(second)),
          () =>
            asSource(
              `/integrations/dvcqg/DongBoHoSoMC?MaDinhDanhDV=${PORTAL_CODE}&isUpdating=True`,
              codes.map((c) => record(c, receivedAt, 'Xin cấp phép xây nhà ở riêng lẻ')),
            ),
        ],
      });

      // One after the other.
      const s = requests(serial);
      for (const send of [...s.create, ...s.progress]) {
        const res = await send();
        expect([res.status, res.body.error_code]).toEqual([200, '0']);
      }
      // All at once: the creations together, then the progress and the update together (rotated
      // every round, so that each request is first in one of them).
      const r = requests(raced);
      const rot = <T>(list: T[]) => [...list.slice(round % list.length), ...list.slice(0, round % list.length)];
      for (const batch of [rot(r.create), rot(r.progress)]) {
        const answers = await Promise.all(batch.map((send) => send()));
        expect(answers.map((a) => [a.status, a.body.error_code])).toEqual(answers.map(() => [200, '0']));
      }

      for (let k = 0; k < K; k++) {
        const want = await endState(serial[k]);
        const got = await endState(raced[k]);
        expect(want).toMatchObject({ dossiers: 1, status: 'resolved', supplementCount: 1 });
        expect(want.seq).toEqual(want.events.map((_, i) => i + 1));
        expect(got).toEqual(want);
      }
      // Nothing a source sent went to the rejected list.
      expect((await admin('GET', '/integrations/rejected')).body.items).toEqual([]);
    }, 60_000);
  }
});
