import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';

export type PortalService = 'DongBoHoSoMC' | 'CapNhatTienDoHoSoMC';

/**
 * The outcome of one call. `error` is what lands in portal_sync.last_error and the logs: an HTTP
 * status, a timeout, the portal's error_code and message, never a URL, credentials or a record.
 */
export type PortalAnswer = { ok: true } | { ok: false; error: string; exists?: boolean };

const MAX_ERROR = 300;
/** error_code "0" (newer senders compare integers) or "00" (older ones): accepted. */
const isOk = (code: unknown) => ['0', '00'].includes(String(code ?? '').trim());

/**
 * The national portal's adapter (PORTAL_SYNC_*): a session from the login URL, then envelopes
 * {session, madonvi, service, isUpdating?, data} to the integration URL. The session is kept in the
 * process and fetched again when the portal no longer takes it (HTTP 401/403, or an answer that
 * speaks of the session): the call is then made once more with the new one.
 */
@Injectable()
export class PortalClient {
  private session: string | null = null;
  private login: Promise<string> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get configured(): boolean {
    return !!(this.config.PORTAL_SYNC_URL && this.config.PORTAL_SYNC_AUTH_URL);
  }

  async send(service: PortalService, data: unknown[], isUpdating?: boolean): Promise<PortalAnswer> {
    let session: string;
    try {
      session = await this.currentSession();
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    let answer = await this.post(service, data, isUpdating, session);
    if (answer.expired) {
      this.forget(session);
      try {
        session = await this.currentSession();
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
      answer = await this.post(service, data, isUpdating, session);
    }
    return answer.result;
  }

  private forget(session: string): void {
    if (this.session === session) this.session = null;
  }

  private currentSession(): Promise<string> {
    if (this.session) return Promise.resolve(this.session);
    // One login at a time per process: concurrent jobs share it.
    this.login ??= this.fetchSession().finally(() => (this.login = null));
    return this.login;
  }

  private async fetchSession(): Promise<string> {
    const res = await this.call(this.config.PORTAL_SYNC_AUTH_URL!, {
      username: this.config.PORTAL_SYNC_USERNAME ?? '',
      password: this.config.PORTAL_SYNC_PASSWORD ?? '',
    });
    if ('error' in res) throw new Error(`login: ${res.error}`);
    const body = res.body as { error_code?: unknown; session?: unknown; message?: unknown } | null;
    if (res.status < 200 || res.status >= 300) throw new Error(`login: HTTP ${res.status}`);
    if (!body || !isOk(body.error_code) || typeof body.session !== 'string' || !body.session)
      throw new Error(`login refused: error_code ${String(body?.error_code)} ${short(body?.message)}`.trim());
    this.session = body.session;
    return body.session;
  }

  private async post(
    service: PortalService,
    data: unknown[],
    isUpdating: boolean | undefined,
    session: string,
  ): Promise<{ result: PortalAnswer; expired: boolean }> {
    const envelope = {
      session,
      madonvi: this.config.PORTAL_SYNC_MADONVI ?? '',
      service,
      ...(service === 'DongBoHoSoMC' ? { isUpdating: isUpdating ? 'True' : 'False' } : {}),
      data,
    };
    const res = await this.call(this.config.PORTAL_SYNC_URL!, envelope);
    if ('error' in res) return { result: { ok: false, error: res.error }, expired: false };
    if (res.status === 401 || res.status === 403)
      return { result: { ok: false, error: `HTTP ${res.status} (session)` }, expired: true };
    if (res.status < 200 || res.status >= 300)
      return { result: { ok: false, error: `HTTP ${res.status}` }, expired: false };
    const body = res.body as { error_code?: unknown; message?: unknown } | null;
    if (!body || typeof body !== 'object')
      return { result: { ok: false, error: 'answer is not JSON' }, expired: false };
    const message = typeof body.message === 'string' ? body.message : '';
    if (isOk(body.error_code) && !/đã tồn tại|already exists/i.test(message))
      return { result: { ok: true }, expired: false };
    const error = `error_code ${String(body.error_code)}: ${short(message)}`.slice(0, MAX_ERROR);
    return {
      result: { ok: false, error, exists: /đã tồn tại|already exists/i.test(message) },
      expired: /session|phiên/i.test(message),
    };
  }

  private async call(url: string, body: unknown): Promise<{ status: number; body: unknown } | { error: string }> {
    const ms = this.config.PORTAL_SYNC_TIMEOUT_MS;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', Charset: 'utf-8' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(ms),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      return { status: res.status, body: parsed };
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: unknown } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return { error: `timeout after ${ms} ms` };
      const code = typeof e.cause?.code === 'string' ? e.cause.code : (e.name ?? 'Error');
      return { error: `network error: ${code}` };
    }
  }
}

function short(v: unknown): string {
  return typeof v === 'string' ? v.slice(0, 200) : '';
}
