import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * Real HTTP servers speaking the providers' documented shapes, for the tests.
 *
 * Zalo: OAuth v4 `POST /v4/oa/access_token` (form refresh_token, app_id, grant_type=refresh_token;
 * header secret_key) → {access_token, refresh_token, expires_in}; the refresh token is single-use
 * (the old one is refused afterwards with error -14014). ZNS `POST /message/template` (header
 * access_token; JSON phone, template_id, template_data, tracking_id) → {error: 0, message,
 * data: {msg_id, sent_time}} or {error: -124} (token invalid), -118 (no Zalo account), -144 (daily
 * quota). A repeated tracking_id is answered with the first msg_id and not delivered again.
 *
 * eSMS.vn: `POST /MainService.svc/json/SendMultipleMessage_V4_post_json/` (JSON ApiKey, SecretKey,
 * Brandname, SmsType "2", Phone, Content, IsUnicode, RequestId, CallbackUrl) → {CodeResult: "100",
 * SMSID, CountRegenerate} or {CodeResult: "99"|"101"|…, ErrorMessage}; a repeated RequestId is not
 * sent again.
 */

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

export interface ZnsDelivery {
  phone: string;
  templateId: string;
  data: Record<string, string>;
  trackingId: string;
  msgId: string;
}

export class FakeZalo {
  readonly appId = '4291763606161179100';
  readonly secretKey = 'zalo-secret-key-0123456789';
  server!: Server;
  url = '';
  private refreshToken = 'rt-initial';
  private accessToken: string | null = null;
  private serial = 0;
  refreshes = 0;
  /** Every ZNS request, answered or not. */
  requests: { phone: string; trackingId: string; accessToken: string | undefined }[] = [];
  /** Messages Zalo accepted and delivered (a repeated tracking_id is not delivered again). */
  delivered: ZnsDelivery[] = [];
  private byTracking = new Map<string, string>();
  noZaloAccount = new Set<string>();
  quotaExceeded = false;
  /** Answers the next N requests with HTTP 500. */
  failNext = 0;
  /** OAuth requests received, answered or not. */
  oauthRequests = 0;
  /** While set, an OAuth request is answered only once the promise it returns settles (a slow OAuth server). */
  holdOAuth: (() => Promise<void>) | null = null;

  get initialRefreshToken(): string {
    return 'rt-initial';
  }

  /** The access token stops working (expired or revoked on Zalo's side). */
  expireAccessToken(): void {
    this.accessToken = `revoked-${this.serial}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then(async (raw) => {
        const send = (status: number, body: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.method === 'POST' && req.url === '/v4/oa/access_token') {
          this.oauthRequests++;
          if (this.holdOAuth) await this.holdOAuth();
          const form = new URLSearchParams(raw);
          if (req.headers.secret_key !== this.secretKey || form.get('app_id') !== this.appId)
            return send(200, {
              error: -14002,
              error_name: 'Invalid app',
              error_description: 'app id or secret invalid',
            });
          if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== this.refreshToken)
            return send(200, {
              error: -14014,
              error_name: 'Invalid refresh token',
              error_description: 'refresh token invalid',
            });
          this.refreshes++;
          this.serial++;
          this.accessToken = `at-${this.serial}`;
          this.refreshToken = `rt-${this.serial}`;
          return send(200, { access_token: this.accessToken, refresh_token: this.refreshToken, expires_in: '90000' });
        }
        if (req.method === 'POST' && req.url === '/message/template') {
          const body = JSON.parse(raw) as {
            phone: string;
            template_id: string;
            template_data: Record<string, string>;
            tracking_id: string;
          };
          const token = req.headers.access_token as string | undefined;
          this.requests.push({ phone: body.phone, trackingId: body.tracking_id, accessToken: token });
          if (this.failNext > 0) {
            this.failNext--;
            return send(500, { error: -1, message: 'internal error' });
          }
          if (!token || token !== this.accessToken)
            return send(200, { error: -124, message: 'Access token is invalid' });
          const seen = this.byTracking.get(body.tracking_id);
          if (seen)
            return send(200, { error: 0, message: 'Success', data: { msg_id: seen, sent_time: String(Date.now()) } });
          if (this.noZaloAccount.has(body.phone))
            return send(200, { error: -118, message: 'Zalo account not existed' });
          if (this.quotaExceeded) return send(200, { error: -144, message: 'OA has exceeded the daily quota' });
          const msgId = `zmsg-${this.delivered.length + 1}`;
          this.byTracking.set(body.tracking_id, msgId);
          this.delivered.push({
            phone: body.phone,
            templateId: body.template_id,
            data: body.template_data,
            trackingId: body.tracking_id,
            msgId,
          });
          return send(200, {
            error: 0,
            message: 'Success',
            data: { msg_id: msgId, sent_time: String(Date.now()), quota: { dailyQuota: '500', remainingQuota: '499' } },
          });
        }
        send(404, { error: -1, message: 'not found' });
      });
    });
    this.url = await listen(this.server);
    return this;
  }

  /** An OA event as Zalo posts it, with its X-ZEvent-Signature (sha256 of app id + body + timestamp + secret). */
  signedEvent(event: Record<string, unknown>, secret = this.secretKey): { body: string; signature: string } {
    const body = JSON.stringify(event);
    const mac = createHash('sha256')
      .update(`${this.appId}${body}${String(event.timestamp)}${secret}`)
      .digest('hex');
    return { body, signature: `mac=${mac}` };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface SmsDelivery {
  phone: string;
  content: string;
  unicode: string;
  requestId: string;
  smsId: string;
  callbackUrl?: string;
  brandname: string;
  smsType: string;
}

export class FakeEsms {
  readonly apiKey = 'esms-api-key';
  readonly secretKey = 'esms-secret-key';
  readonly brandname = 'UBND-TINH';
  server!: Server;
  url = '';
  requests: { requestId: string; phone: string }[] = [];
  delivered: SmsDelivery[] = [];
  private byRequest = new Map<string, string>();
  /** Answers the next N requests with CodeResult 99 (unknown error). */
  failNext = 0;
  /** Answers the next N requests with HTTP 503. */
  downNext = 0;
  /** Accepts the next N requests but answers after `slowMs` (past the client's timeout). */
  slowNext = 0;
  slowMs = 1500;
  /** Every answer to an accepted message leaves after this many ms (a real gateway's latency). */
  latencyMs = 0;
  /** TCP connections opened to this server (keep-alive: far fewer than requests). */
  connections = 0;
  /** Called when a message is accepted, before the answer leaves (a test may kill the sender then). */
  onAccept: ((d: SmsDelivery) => Promise<void>) | null = null;

  get sendUrl(): string {
    return `${this.url}/MainService.svc/json/SendMultipleMessage_V4_post_json/`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then(async (raw) => {
        const send = (status: number, body: unknown, delay = 0) =>
          setTimeout(() => {
            if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
          }, delay);
        if (req.method !== 'POST' || req.url !== '/MainService.svc/json/SendMultipleMessage_V4_post_json/')
          return send(404, { CodeResult: '-1' });
        const b = JSON.parse(raw) as Record<string, string>;
        this.requests.push({ requestId: b.RequestId, phone: b.Phone });
        if (this.downNext > 0) {
          this.downNext--;
          return send(503, { Message: 'Service Unavailable' });
        }
        if (this.failNext > 0) {
          this.failNext--;
          return send(200, { CodeResult: '99', ErrorMessage: 'Loi khong xac dinh' });
        }
        if (b.ApiKey !== this.apiKey || b.SecretKey !== this.secretKey)
          return send(200, { CodeResult: '101', ErrorMessage: 'Sai ApiKey hoac SecretKey' });
        if (b.Brandname !== this.brandname || b.SmsType !== '2')
          return send(200, { CodeResult: '104', ErrorMessage: 'Brandname chua dang ky' });
        const seen = this.byRequest.get(b.RequestId);
        const delay = this.slowNext > 0 ? (this.slowNext--, this.slowMs) : this.latencyMs;
        if (seen) return send(200, { CodeResult: '100', SMSID: seen, CountRegenerate: 0 }, delay);
        const smsId = `sms-${this.delivered.length + 1}`;
        this.byRequest.set(b.RequestId, smsId);
        const d: SmsDelivery = {
          phone: b.Phone,
          content: b.Content,
          unicode: b.IsUnicode,
          requestId: b.RequestId,
          smsId,
          callbackUrl: b.CallbackUrl,
          brandname: b.Brandname,
          smsType: b.SmsType,
        };
        this.delivered.push(d);
        if (this.onAccept) await this.onAccept(d);
        send(200, { CodeResult: '100', SMSID: smsId, CountRegenerate: 0 }, delay);
      });
    });
    this.server.on('connection', () => this.connections++);
    this.url = await listen(this.server);
    return this;
  }

  /**
   * A delivery report as eSMS sends it (developers.esms.vn, "Callback Url"): an HTTP GET to the
   * message's CallbackUrl with the documented fields appended to its query string (`join` between
   * the URL and them: eSMS's samples show `?`). `origin` stands in for DNS: the URL names the
   * service's public address, the test's API listens on loopback. `requestId` false: sent empty,
   * as eSMS's samples show it.
   */
  async report(
    d: SmsDelivery,
    sendStatus: '4' | '5',
    o: { origin: string; join?: '&' | '?'; requestId?: boolean },
  ): Promise<{ status: number; body: unknown }> {
    const target = new URL(d.callbackUrl!);
    const ok = sendStatus === '5';
    const fields = new URLSearchParams({
      SMSID: d.smsId,
      SendFailed: ok ? '0' : '1',
      SendStatus: sendStatus,
      SendSuccess: ok ? '1' : '0',
      TotalPrice: ok ? '800.0000' : '0.0000',
      TotalReceiver: '1',
      TotalSent: '1',
      RequestId: o.requestId === false ? '' : d.requestId,
      TypeId: d.smsType,
      telcoid: '1',
      phonenumber: `0${d.phone.slice(2)}`,
      switchsmsid: '',
    });
    const res = await fetch(`${o.origin}${target.pathname}${target.search}${o.join ?? '&'}${fields.toString()}`);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
