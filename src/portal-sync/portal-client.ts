import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { retryAfterMs } from 'src/portal-sync/portal-rate';
import { portalSyncThrottled } from 'src/portal-sync/portal-sync.metrics';
import { PortalThrottle } from 'src/portal-sync/portal-throttle';

export type PortalService = 'DongBoHoSoMC' | 'CapNhatTienDoHoSoMC';

/**
 * The outcome of one call. `error` is what lands in portal_sync.last_error and the logs: an HTTP
 * status, a timeout, the portal's error_code and message, never a URL, credentials or a record.
 */
export type PortalAnswer = { ok: true } | { ok: false; error: string; exists?: boolean; throttled?: boolean };

/**
 * The portal asked us to slow down (see PortalClient): `throttled` answers are no failure of the
 * dossier (the job goes back to the queue and the failed-sync list does not hear of it).
 */
class Throttled extends Error {
  constructor(readonly answer: PortalAnswer & { ok: false }) {
    super(answer.error);
  }
}

const MAX_ERROR = 300;
/** error_code "0" (newer senders compare integers) or "00" (older ones): accepted. */
const isOk = (code: unknown) => ['0', '00'].includes(String(code ?? '').trim());

/**
 * The national portal's adapter (PORTAL_SYNC_*): a session from the login URL, then envelopes
 * {session, madonvi, service, isUpdating?, data} to the integration URL. The session is kept in the
 * process and fetched again when the portal no longer takes it (HTTP 401/403, or an answer that
 * speaks of the session): the call is then made once more with the new one.
 *
 * A portal that says "slow down" slows the whole sync down: an HTTP 429, or a 503 with Retry-After,
 * pauses every call of every worker for the Retry-After (seconds or an HTTP-date; absent,
 * PORTAL_SYNC_PAUSE_DEFAULT_SECONDS; at most PORTAL_SYNC_PAUSE_MAX_SECONDS) through PortalThrottle,
 * and the answer is `throttled`, not a failure. A 503 without Retry-After is an outage: the same
 * pause, and a failure of the dossier (it reaches the failed-sync list, as a portal down does).
 * Before every call the pause is asked for: none is made while it lasts.
 */
@Injectable()
export class PortalClient {
  private session: string | null = null;
  private login: Promise<string> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly throttle: PortalThrottle,
  ) {}

  get configured(): boolean {
    return !!(this.config.PORTAL_SYNC_URL && this.config.PORTAL_SYNC_AUTH_URL);
  }

  async send(service: PortalService, data: unknown[], isUpdating?: boolean): Promise<PortalAnswer> {
    try {
      let session: string;
      try {
        session = await this.currentSession();
      } catch (err) {
        if (err instanceof Throttled) throw err;
        return { ok: false, error: (err as Error).message };
      }
      let answer = await this.post(service, data, isUpdating, session);
      if (answer.expired) {
        this.forget(session);
        try {
          session = await this.currentSession();
        } catch (err) {
          if (err instanceof Throttled) throw err;
          return { ok: false, error: (err as Error).message };
        }
        answer = await this.post(service, data, isUpdating, session);
      }
      return answer.result;
    } catch (err) {
      if (err instanceof Throttled) return err.answer;
      throw err;
    }
  }

  /** Milliseconds left of a pause the portal asked for (0: calls may be made). */
  pausedMs(): Promise<number> {
    return this.throttle.pausedMs();
  }

  /**
   * A 429, or a 503: pauses the whole sync. Returns the answer, or null when the status is neither.
   * A 503 without Retry-After pauses for the default too, but is a failure of the dossier.
   */
  private async slowDown(
    what: string,
    res: { status: number; retryAfter: string | null; date: string | null },
  ): Promise<(PortalAnswer & { ok: false }) | null> {
    if (res.status !== 429 && res.status !== 503) return null;
    const ms = retryAfterMs(
      res.retryAfter,
      res.date,
      Date.now(),
      this.config.PORTAL_SYNC_PAUSE_DEFAULT_SECONDS * 1000,
      this.config.PORTAL_SYNC_PAUSE_MAX_SECONDS * 1000,
    );
    portalSyncThrottled.inc({ status: String(res.status) });
    // Redis unreachable: the answer still stops this dossier's calls; its job is retried by BullMQ.
    await this.throttle.pause(ms).catch(() => undefined);
    const throttled = res.status === 429 || res.retryAfter !== null;
    return { ok: false, error: `${what}HTTP ${res.status} (paused ${Math.round(ms / 1000)} s)`, throttled };
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
    const slow = await this.slowDown('login: ', res);
    if (slow) throw new Throttled(slow);
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
    const slow = await this.slowDown('', res);
    if (slow) return { result: slow, expired: false };
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

  private async call(
    url: string,
    body: unknown,
  ): Promise<{ status: number; body: unknown; retryAfter: string | null; date: string | null } | { error: string }> {
    const ms = this.config.PORTAL_SYNC_TIMEOUT_MS;
    // While the portal's pause lasts, no call leaves (another job, another replica may have set it).
    const paused = await this.throttle.pausedMs();
    if (paused > 0) throw new Throttled({ ok: false, error: `paused ${Math.ceil(paused / 1000)} s`, throttled: true });
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
      return {
        status: res.status,
        body: parsed,
        retryAfter: res.headers.get('retry-after'),
        date: res.headers.get('date'),
      };
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
