import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from 'src/common/clock';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { jsonBody, networkError, providerFailure, type ProviderResult } from 'src/messages/providers/provider-result';

/** Zalo's ZNS error codes that mean this person cannot be reached on Zalo: fall back to SMS. */
const UNDELIVERABLE: Record<number, string> = {
  [-108]: 'phone number invalid',
  [-118]: 'no Zalo account (or disabled)',
  [-119]: 'account cannot receive ZNS',
  [-139]: 'user refused ZNS',
};
/** Codes retrying cannot fix today: the OA's daily quota, a template not approved or not owned. */
const PERMANENT: Record<number, string> = {
  [-144]: 'OA daily quota exceeded',
  [-115]: 'out of balance',
  [-112]: 'template data invalid',
  [-117]: 'template not approved',
};
const TOKEN_INVALID = -124;
/** An access token is refreshed this long before Zalo says it expires. */
const EXPIRY_MARGIN_MS = 60_000;

type TokenResult = { ok: true; value: string } | { ok: false; result: ProviderResult };

export interface ZnsToSend {
  /** Our message id: the ZNS tracking_id (Zalo echoes it in the delivery event). */
  id: string;
  phone: string;
  templateId: string;
  data: Record<string, string>;
}

/**
 * Zalo Notification Service: template messages through the official HTTP API with an Official
 * Account access token (header `access_token`), refreshed through OAuth v4 (POST form
 * `refresh_token`, `app_id`, `grant_type=refresh_token`, header `secret_key`). Zalo rotates the
 * refresh token at every refresh and the old one stops working, so the pair lives in the database
 * (zalo_tokens) and a refresh happens under that row's lock: two workers never spend the same
 * refresh token, and a restart keeps the newest. Within one process the sends that need a token at
 * the same time share one lookup (single flight): one pooled connection waits on Zalo's OAuth, not
 * one per send queued behind the row lock.
 */
@Injectable()
export class ZaloZnsClient {
  readonly configured: boolean;
  private cached: { token: string; expiresAt: number } | null = null;
  /** The token lookup in flight in this process, if any (see the class comment). */
  private inflight: Promise<TokenResult> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    this.configured = !!(config.ZALO_APP_ID && config.ZALO_SECRET_KEY && config.ZALO_REFRESH_TOKEN);
  }

  async send(msg: ZnsToSend): Promise<ProviderResult> {
    if (!this.configured) return providerFailure('permanent', 'Zalo not configured');
    let token = await this.accessToken();
    if (!token.ok) return token.result;
    let result = await this.post(msg, token.value);
    // Expired or revoked token: refresh once and try again within this attempt.
    if (!result.ok && result.error.startsWith(`ZNS error ${TOKEN_INVALID}`)) {
      token = await this.accessToken(token.value);
      if (!token.ok) return token.result;
      result = await this.post(msg, token.value);
    }
    return result;
  }

  private async post(msg: ZnsToSend, accessToken: string): Promise<ProviderResult> {
    const ms = this.config.MESSAGES_TIMEOUT_MS;
    let res: Response;
    try {
      res = await fetch(this.config.ZALO_ZNS_URL, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', access_token: accessToken },
        body: JSON.stringify({
          phone: msg.phone,
          template_id: msg.templateId,
          template_data: msg.data,
          tracking_id: msg.id,
        }),
        redirect: 'manual',
        signal: AbortSignal.timeout(ms),
      });
    } catch (err) {
      return providerFailure('retry', networkError(err, ms));
    }
    const answer = await jsonBody(res);
    if (res.status < 200 || res.status >= 300) return providerFailure('retry', `ZNS HTTP ${res.status}`);
    const code = Number(answer?.error);
    if (code === 0) {
      const data = answer?.data as { msg_id?: unknown } | undefined;
      return { ok: true, providerMessageId: typeof data?.msg_id === 'string' ? data.msg_id : null };
    }
    if (!Number.isFinite(code)) return providerFailure('retry', 'ZNS answer without an error code');
    if (UNDELIVERABLE[code]) return providerFailure('undeliverable', `ZNS error ${code}: ${UNDELIVERABLE[code]}`);
    if (PERMANENT[code]) return providerFailure('permanent', `ZNS error ${code}: ${PERMANENT[code]}`);
    return providerFailure('retry', `ZNS error ${code}`);
  }

  /**
   * A valid access token. `rejected`: the token Zalo just refused: refresh unless another worker
   * already replaced it.
   */
  private async accessToken(rejected?: string): Promise<TokenResult> {
    // A lookup already running answers this caller too, unless it brings back the very token this
    // caller saw refused (then this caller looks again, under the row lock, which refreshes once).
    let seen: Promise<TokenResult> | null = null;
    for (;;) {
      const now = this.clock.now().getTime();
      if (this.cached && this.cached.token !== rejected && this.cached.expiresAt - EXPIRY_MARGIN_MS > now)
        return { ok: true, value: this.cached.token };
      const running = this.inflight;
      if (!running || running === seen) break;
      seen = running;
      const shared = await running;
      if (!shared.ok || shared.value !== rejected) return shared;
    }
    const own = this.lookup(this.clock.now().getTime(), rejected);
    this.inflight = own;
    try {
      return await own;
    } finally {
      if (this.inflight === own) this.inflight = null;
    }
  }

  /** The stored token if it is still good and not `rejected`, else a refresh, under the row's lock. */
  private async lookup(now: number, rejected?: string): Promise<TokenResult> {
    try {
      const token = await this.dataSource.transaction(async (m) => {
        await m.query(`INSERT INTO zalo_tokens (id, refresh_token) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [
          this.config.ZALO_REFRESH_TOKEN,
        ]);
        const [row]: { access_token: string | null; refresh_token: string; expires_at: Date | null }[] = await m.query(
          `SELECT access_token, refresh_token, expires_at FROM zalo_tokens WHERE id = 1 FOR UPDATE`,
        );
        if (
          row.access_token &&
          row.access_token !== rejected &&
          row.expires_at &&
          row.expires_at.getTime() - EXPIRY_MARGIN_MS > now
        ) {
          return { token: row.access_token, expiresAt: row.expires_at.getTime() };
        }
        const fresh = await this.refresh(row.refresh_token);
        if ('error' in fresh) return fresh;
        const expiresAt = new Date(now + fresh.expiresIn * 1000);
        await m.query(
          `UPDATE zalo_tokens SET access_token = $1, refresh_token = $2, expires_at = $3, updated_at = now() WHERE id = 1`,
          [fresh.accessToken, fresh.refreshToken, expiresAt],
        );
        return { token: fresh.accessToken, expiresAt: expiresAt.getTime() };
      });
      if ('error' in token) return { ok: false, result: providerFailure('retry', token.error) };
      this.cached = token;
      return { ok: true, value: token.token };
    } catch (err) {
      return {
        ok: false,
        result: providerFailure('retry', `Zalo token store: ${(err as { code?: string }).code ?? 'error'}`),
      };
    }
  }

  private async refresh(
    refreshToken: string,
  ): Promise<{ accessToken: string; refreshToken: string; expiresIn: number } | { error: string }> {
    const ms = this.config.MESSAGES_TIMEOUT_MS;
    let res: Response;
    try {
      res = await fetch(this.config.ZALO_OAUTH_URL, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', secret_key: this.config.ZALO_SECRET_KEY! },
        body: new URLSearchParams({
          refresh_token: refreshToken,
          app_id: this.config.ZALO_APP_ID!,
          grant_type: 'refresh_token',
        }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(ms),
      });
    } catch (err) {
      return { error: `Zalo OAuth ${networkError(err, ms)}` };
    }
    const answer = await jsonBody(res);
    if (res.status < 200 || res.status >= 300) return { error: `Zalo OAuth HTTP ${res.status}` };
    const access = answer?.access_token;
    const next = answer?.refresh_token;
    if (typeof access !== 'string' || typeof next !== 'string') {
      return { error: `Zalo OAuth error ${String(answer?.error ?? 'unknown')}` };
    }
    const expiresIn = Number(answer?.expires_in ?? 3600);
    return { accessToken: access, refreshToken: next, expiresIn: Number.isFinite(expiresIn) ? expiresIn : 3600 };
  }
}
