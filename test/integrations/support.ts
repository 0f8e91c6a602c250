import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { clockOf } from '../public/support';
import type { Api } from '../support/http';
import { buildProvince, BUILDING_PERMIT, Province } from '../support/province';

/**
 * The exchange suites' start: the clock at 20/03/2026 09:00, the test province, H15.50 known to the
 * portal by `portalCode` (and whatever else `unit` sets on it), and a direct connection to the
 * suite's database.
 */
export async function exchangeProvince(
  api: Api,
  portalCode: string,
  unit: (p: Province) => Record<string, unknown> = () => ({}),
): Promise<{ p: Province; pg: Client }> {
  const pg = new Client({ connectionString: api.env.DATABASE_URL });
  await pg.connect();
  clockOf(api)('2026-03-20T09:00:00');
  const p = await buildProvince(api);
  const units = (await api.request('GET', '/units?limit=500', { token: p.admin })).body.items as {
    id: string;
    code: string;
  }[];
  const h1550 = units.find((u) => u.code === 'H15.50')!;
  const patched = await api.request('PATCH', `/units/${h1550.id}`, {
    token: p.admin,
    body: { portalCode, ...unit(p) },
  });
  if (patched.status !== 200) throw new Error(`PATCH H15.50: ${patched.status}`);
  return { p, pg };
}

/** A seeded PRNG (mulberry32): the feed is the same at every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** yyyyMMddHHmmss of a local (+07:00) wall-clock time given as 'YYYY-MM-DDTHH:mm'. */
export function dvcqgDate(local: string): string {
  return local.replace(/[-:T]/g, '').padEnd(14, '0');
}

/** A progress item (CapNhatTienDoHoSoMC) of dossier `code`: status `status` at local time `at`. */
export const item = (code: string, status: number, at: string, text: string) => ({
  MaHoSo: code,
  NguoiXuLy: 'Trần Văn Minh',
  ChucDanh: 'Chuyên viên',
  ThoiDiemXuLy: dvcqgDate(at),
  PhongBanXuLy: 'Phòng Quản lý xây dựng',
  NoiDungXuLy: text,
  TrangThai: String(status),
  NgayBatDau: '',
  NgayKetThucTheoQuyDinh: '',
});

export interface PortalCall {
  service: string;
  isUpdating?: string;
  madonvi: string;
  session: string;
  data: Record<string, unknown>[];
  /** When the fake portal received the call (Date.now()). */
  at?: number;
}

/**
 * A fake national portal speaking the adapter's documented shapes: POST /login {username, password}
 * → {error_code, session}; POST /integration with the envelope {session, madonvi, service,
 * isUpdating?, data} → {error_code, message}. Its behaviour is switched by the test: "ok", "down"
 * (HTTP 503), "slow" (answers after `slowMs`), "error" (error_code -1), "expire" (the session is no
 * longer valid: every session issued so far is refused once), "exists" (a first DongBoHoSoMC with
 * isUpdating False is answered "đã tồn tại").
 * `throttle()` queues "slow down" answers (HTTP 429 or 503, with or without Retry-After) for the next
 * requests, whatever their URL, before the mode applies; like a real rate limiter, a request that
 * comes while one of those still holds (its `holdMs` after it) is answered 429 too (`early` in the
 * log). Every request is in `log`, with the status it was answered.
 */
export class FakePortal {
  mode: 'ok' | 'down' | 'slow' | 'error' | 'exists' = 'ok';
  slowMs = 2000;
  readonly accepted: PortalCall[] = [];
  readonly refused: PortalCall[] = [];
  readonly log: { at: number; url: string; status: number; early?: boolean; holdMs?: number }[] = [];
  private throttles: { status: 429 | 503; retryAfter: string | null; holdMs: number }[] = [];
  private holdUntil = 0;
  logins = 0;
  private sessions = new Set<string>();
  private server!: Server;
  url = '';

  /** The API's configuration pointing at this portal, with the credentials it accepts. */
  env(): Record<string, string> {
    return {
      PORTAL_SYNC_AUTH_URL: `${this.url}/login`,
      PORTAL_SYNC_URL: `${this.url}/integration`,
      PORTAL_SYNC_USERNAME: 'portal-user',
      PORTAL_SYNC_PASSWORD: 'portal-pass',
      PORTAL_SYNC_MADONVI: '000.00.00.H15',
    };
  }

  /** The next requests are answered with these statuses and Retry-After headers (null: none). */
  throttle(...answers: { status: 429 | 503; retryAfter: string | null; holdMs: number }[]): void {
    this.throttles.push(...answers);
  }

  expireSessions(): void {
    this.sessions.clear();
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw || 'null') as Record<string, unknown>;
    const reply = (status: number, value: unknown, headers: Record<string, string> = {}, extra = {}) => {
      this.log.push({ at: Date.now(), url: req.url ?? '', status, ...extra });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const now = Date.now();
    if (now < this.holdUntil)
      return reply(
        429,
        { message: 'Too Many Requests' },
        { 'retry-after': String(Math.ceil((this.holdUntil - now) / 1000)) },
        { early: true },
      );
    const slow = this.throttles.shift();
    if (slow) {
      this.holdUntil = now + slow.holdMs;
      return reply(
        slow.status,
        { message: slow.status === 429 ? 'Too Many Requests' : 'Service Unavailable' },
        slow.retryAfter === null ? {} : { 'retry-after': slow.retryAfter },
        { holdMs: slow.holdMs },
      );
    }
    if (this.mode === 'down') return reply(503, { message: 'Service Unavailable' });
    if (this.mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
    if (req.url === '/login') {
      if (body.username !== 'portal-user' || body.password !== 'portal-pass')
        return reply(200, { error_code: -1, message: 'Sai tài khoản' });
      this.logins++;
      const session = `S${this.logins}`;
      this.sessions.add(session);
      return reply(200, { error_code: 0, session });
    }
    const call = { ...(body as unknown as PortalCall), at: Date.now() };
    if (!this.sessions.has(call.session)) {
      this.refused.push(call);
      return reply(200, { error_code: '-1', message: 'Phiên làm việc không hợp lệ hoặc đã hết hạn' });
    }
    if (this.mode === 'error') {
      this.refused.push(call);
      return reply(200, { error_code: '-1', message: 'Dữ liệu không hợp lệ: MaTTHC' });
    }
    if (this.mode === 'exists' && call.service === 'DongBoHoSoMC' && call.isUpdating === 'False') {
      this.refused.push(call);
      return reply(200, { error_code: '0', message: 'Hồ sơ đã tồn tại trên hệ thống' });
    }
    this.accepted.push(call);
    return reply(200, { error_code: '0', message: 'Đồng bộ thành công' });
  }
}

/**
 * A DongBoHoSoMC record of a building permit at the unit known to the portal as `portalCode`:
 * number `n` of local day `day` (YYYY-MM-DD), received at 08:00, status 1 unless `over` says.
 */
export function permitRecord(portalCode: string, day: string, n: number, over: Record<string, unknown> = {}) {
  return {
    MaHoSo: `${portalCode}-${day.slice(2).replace(/-/g, '')}-${String(n).padStart(5, '0')}`,
    MaTTHC: BUILDING_PERMIT.code,
    TenTTHC: BUILDING_PERMIT.name,
    KenhThucHien: '1',
    ChuHoSo: 'Nguyễn Văn An',
    LoaiDoiTuong: '1',
    SoGiayToChuHoSo: `00108501${String(n).padStart(4, '0')}`,
    NgayTiepNhan: dvcqgDate(`${day}T08:00`),
    TrangThaiHoSo: '1',
    DanhSachLePhi: [],
    ...over,
  };
}
