import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { APP_CONFIG, type AppConfig } from '../../src/config/app-config';
import { MessagesSweepHandler } from '../../src/messages/messages-sweep.handler';
import { ZaloZnsClient } from '../../src/messages/providers/zalo-zns.client';
import { WorkerModule } from '../../src/worker.module';
import { citizen, freshAddress } from '../public/support';
import { Api, startApi } from '../support/http';
import { waitFor } from '../support/processes';
import { buildProvince, intakeBody, Province } from '../support/province';
import { FakeEsms, FakeZalo } from './fake-providers';

/**
 * Messages to citizens end to end: the real API and a real worker (in this process, so that both
 * share one controllable clock), real PostgreSQL and Redis, and real HTTP servers speaking Zalo's
 * and eSMS.vn's documented shapes, failures included.
 */
describe('messages to citizens: SMS and Zalo at every milestone', () => {
  let api: Api;
  let worker: INestApplicationContext;
  let p: Province;
  let db: DataSource;
  const zalo = new FakeZalo();
  const esms = new FakeEsms();
  let now = new Date('2026-03-10T09:00:00+07:00');
  let phoneSerial = 100;

  /** A fresh mobile number per test: the daily cap counts per number. */
  const freshPhone = () => `09123${String(++phoneSerial).padStart(5, '0')}`;
  const intl = (phone: string) => `84${phone.slice(1)}`;
  const setClock = (local: string) => {
    now = new Date(`${local}+07:00`);
  };

  async function intake(over: Record<string, unknown> = {}, phone = freshPhone()) {
    const body = intakeBody({ notify: { sms: true }, ...over });
    (body.applicant as Record<string, unknown>).phone = phone;
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body });
    if (res.status !== 201) throw new Error(`intake ${res.status} ${JSON.stringify(res.body)}`);
    return { ...(res.body as { id: string; code: string; lookupKey: string; version: number }), phone };
  }

  async function act(
    d: { id: string; version: number },
    action: string,
    body: Record<string, unknown> = {},
    token = p.tokens.head,
  ) {
    const res = await api.request('POST', `/dossiers/${d.id}/actions/${action}`, {
      token,
      body: { expectedVersion: d.version, ...body },
    });
    if (res.status !== 200) throw new Error(`${action} ${res.status} ${JSON.stringify(res.body)}`);
    d.version = res.body.version;
    return res.body;
  }

  async function messages(id: string, token = p.tokens.head) {
    const res = await api.request('GET', `/dossiers/${id}/messages`, { token });
    expect(res.status).toBe(200);
    return res.body.items as {
      id: string;
      milestone: string;
      channel: string;
      status: string;
      to: string;
      segments: number | null;
      costVnd: number | null;
      scheduledFor: string | null;
      error: string | null;
      attempts: number;
      fallbackOf: string | null;
    }[];
  }

  /** Waits until no message of the dossier is queued any more (sent, failed or skipped). */
  async function settled(id: string, count?: number) {
    return waitFor(
      async () => {
        const items = await messages(id);
        if (count !== undefined && items.length < count) return null;
        return items.every((m) => m.status !== 'queued') ? items : null;
      },
      30_000,
      `messages of ${id} settled`,
    );
  }

  beforeAll(async () => {
    await zalo.start();
    await esms.start();
    api = await startApi({
      ZALO_ZNS_URL: `${zalo.url}/message/template`,
      ZALO_OAUTH_URL: `${zalo.url}/v4/oa/access_token`,
      ZALO_APP_ID: zalo.appId,
      ZALO_SECRET_KEY: zalo.secretKey,
      ZALO_REFRESH_TOKEN: zalo.initialRefreshToken,
      SMS_GATEWAY_URL: esms.sendUrl,
      SMS_API_KEY: esms.apiKey,
      SMS_SECRET_KEY: esms.secretKey,
      SMS_BRANDNAME: esms.brandname,
      PUBLIC_BASE_URL: 'https://dichvucong.example.gov.vn',
      DELIVERY_MAX_ATTEMPTS: '4',
      DELIVERY_BACKOFF_MS: '50',
      MESSAGES_TIMEOUT_MS: '500',
    });
    api.app.get(Clock).now = () => now;
    db = api.app.get(DataSource);
    p = await buildProvince(api);
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    worker.get(Clock).now = () => now;
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await zalo.close();
    await esms.close();
  });

  it('refuses SMS or Zalo consent without a Vietnamese mobile number, naming applicant.phone', async () => {
    for (const phone of ['02838123456', '12345', '+14155550123']) {
      const body = intakeBody({ notify: { zalo: true } });
      (body.applicant as Record<string, unknown>).phone = phone;
      const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details[0].field).toBe('applicant.phone');
    }
    // A landline is fine without SMS or Zalo consent: stored, no messages.
    const body = intakeBody({ notify: { sms: false } });
    (body.applicant as Record<string, unknown>).phone = '02838123456';
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body });
    expect(res.status).toBe(201);
    expect(await messages(res.body.id)).toEqual([]);
    const bad = await api.request('POST', '/dossiers', {
      token: p.tokens.clerk,
      body: intakeBody({ notify: { sms: 'yes' } }),
    });
    expect(bad.status).toBe(400);
  });

  it('sends exactly one SMS per milestone, in Vietnamese without diacritics, with segments and cost recorded', async () => {
    const d = await intake();
    await act(d, 'request_supplement', { reason: 'Thiếu bản vẽ', items: ['Bản vẽ mặt bằng', 'Giấy tờ đất'] });
    await act(d, 'receive_supplement', {}, p.tokens.clerk);
    await act(d, 'request_payment', { amount: 500000 });
    await act(d, 'confirm_payment', { paidOnline: false }, p.tokens.clerk);
    await act(d, 'extend', {
      newPromisedAt: '2026-03-20T16:00:00+07:00',
      reason: 'Cần xác minh thực địa',
      responsibleUnitCode: 'H15.50',
    });
    await act(d, 'resolve', { resultSummary: 'Đã cấp giấy phép', electronicResult: false });
    await act(d, 'return', {}, p.tokens.clerk);
    const items = await settled(d.id, 6);
    expect(items.map((m) => [m.milestone, m.channel, m.status])).toEqual([
      ['received', 'sms', 'sent'],
      ['supplement_requested', 'sms', 'sent'],
      ['payment_requested', 'sms', 'sent'],
      ['extended', 'sms', 'sent'],
      ['result_ready', 'sms', 'sent'],
      ['returned', 'sms', 'sent'],
    ]);
    expect(items[0].to).toBe(`${d.phone.slice(0, 4)}…${d.phone.slice(-3)}`);
    const sms = esms.delivered.filter((s) => s.phone === intl(d.phone));
    expect(sms).toHaveLength(6);
    expect(sms.every((s) => s.brandname === 'UBND-TINH' && s.smsType === '2' && s.unicode === '0')).toBe(true);
    expect(sms[0].content).toContain(`Ho so ${d.code} da duoc tiep nhan`);
    expect(sms[0].content).toContain(d.lookupKey);
    expect(sms.every((s) => /^[\x20-\x7e]*$/.test(s.content))).toBe(true);
    expect(sms[1].content).toContain('Ban ve mat bang; Giay to dat');
    expect(sms[2].content).toContain('500.000 dong');
    expect(sms[3].content).toContain('20/03/2026 16:00');
    expect(sms[4].content).toContain('07:30');
    expect(sms[5].content).toContain(`https://dichvucong.example.gov.vn/tra-cuu/${d.code}`);
    for (const m of items) {
      expect(m.segments).toBeGreaterThanOrEqual(1);
      expect(m.costVnd).toBe(m.segments! * 850);
    }
    // The received message carried the lookup key; once sent, the row forgets it.
    const [row] = await db.query(`SELECT params FROM citizen_messages WHERE id = $1`, [items[0].id]);
    expect(row.params.lookupKey).toBeUndefined();
  });

  it('messages the rejection, stop or withdrawal with its reason, and nothing for channels without consent', async () => {
    const d = await intake({ notify: { sms: true, zalo: false } });
    await act(d, 'reject', { reason: 'Không thuộc thẩm quyền' });
    const items = await settled(d.id, 2);
    expect(items.map((m) => [m.milestone, m.channel])).toEqual([
      ['received', 'sms'],
      ['ended_unresolved', 'sms'],
    ]);
    const last = esms.delivered.filter((s) => s.phone === intl(d.phone)).pop()!;
    expect(last.content).toContain('tu choi giai quyet. Ly do: Khong thuoc tham quyen');
  });

  it('sends Zalo ZNS with the template and tracking id, getting its access token through OAuth v4', async () => {
    const d = await intake({ notify: { zalo: true } });
    const [m] = await settled(d.id, 1);
    expect(m).toMatchObject({ channel: 'zalo', status: 'sent', segments: 1, costVnd: 300 });
    const z = zalo.delivered.find((x) => x.trackingId === m.id)!;
    expect(z.phone).toBe(intl(d.phone));
    expect(z.templateId).toBe('301001');
    expect(z.data).toMatchObject({ ma_ho_so: d.code, ma_tra_cuu: d.lookupKey, don_vi: 'Sở Xây dựng' });
    expect(zalo.refreshes).toBeGreaterThanOrEqual(1);
  });

  it('refreshes an expired Zalo token (the rotated refresh token is kept) and sends once', async () => {
    await settled((await intake({ notify: { zalo: true } })).id, 1); // a valid token in hand
    const before = zalo.refreshes;
    zalo.expireAccessToken();
    const d = await intake({ notify: { zalo: true } });
    const [m] = await settled(d.id, 1);
    expect(m.status).toBe('sent');
    expect(zalo.refreshes).toBe(before + 1);
    expect(zalo.requests.filter((r) => r.trackingId === m.id).map((r) => r.accessToken)).toEqual([
      expect.stringMatching(/^at-/),
      `at-${zalo.refreshes}`,
    ]);
    const [tokens] = await db.query(`SELECT refresh_token FROM zalo_tokens`);
    expect(tokens.refresh_token).toBe(`rt-${zalo.refreshes}`);
  });

  it('shares one token lookup among the sends of a process: one connection waits on Zalo OAuth, not one per send', async () => {
    // A client of its own (an empty cache) over the worker's real DataSource, counting the
    // transactions it opens: each holds a pooled connection while it waits for the row lock or OAuth.
    const real = worker.get(DataSource);
    let transactions = 0;
    const counted = Object.create(real) as DataSource;
    counted.transaction = ((run: (m: EntityManager) => Promise<unknown>) => {
      transactions++;
      return real.transaction(run);
    }) as DataSource['transaction'];
    const client = new ZaloZnsClient(worker.get<AppConfig>(APP_CONFIG), counted, worker.get(Clock));
    await settled((await intake({ notify: { zalo: true } })).id, 1); // a valid token stored
    zalo.expireAccessToken(); // every send is refused once (-124), then needs the refreshed token
    const before = { refreshes: zalo.refreshes, oauth: zalo.oauthRequests, requests: zalo.requests.length };
    // OAuth answers only once all eight refusals are out: the eight refreshes wanted are concurrent.
    zalo.holdOAuth = async () => {
      await waitFor(() => zalo.requests.length >= before.requests + 8 || null, 10_000, 'eight refusals');
    };
    try {
      const ids = Array.from({ length: 8 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
      const results = await Promise.all(
        ids.map((id, i) =>
          client.send({ id, phone: `8491234${String(i).padStart(4, '0')}`, templateId: '301001', data: {} }),
        ),
      );
      expect(results.every((r) => r.ok)).toBe(true);
    } finally {
      zalo.holdOAuth = null;
    }
    // One lookup of the stored token for the eight first sends, one refresh for the eight retries.
    expect(transactions).toBe(2);
    expect(zalo.oauthRequests).toBe(before.oauth + 1);
    expect(zalo.refreshes).toBe(before.refreshes + 1);
    expect(zalo.requests.slice(before.requests + 8).map((r) => r.accessToken)).toEqual(
      Array(8).fill(`at-${zalo.refreshes}`),
    );
    const [tokens] = await db.query(`SELECT refresh_token FROM zalo_tokens`);
    expect(tokens.refresh_token).toBe(`rt-${zalo.refreshes}`);
  });

  it('falls back to SMS when the number has no Zalo account, and when the OA is out of quota', async () => {
    const noAccount = freshPhone();
    zalo.noZaloAccount.add(intl(noAccount));
    const d = await intake({ notify: { zalo: true } }, noAccount);
    const items = await settled(d.id, 2);
    expect(items.map((m) => [m.channel, m.status])).toEqual([
      ['zalo', 'failed'],
      ['sms', 'sent'],
    ]);
    expect(items[0].error).toContain('-118');
    expect(items[1].fallbackOf).toBe(items[0].id);
    expect(esms.delivered.filter((s) => s.phone === intl(noAccount))).toHaveLength(1);

    zalo.quotaExceeded = true;
    try {
      const q = await intake({ notify: { zalo: true, sms: true } });
      const both = await settled(q.id, 2);
      // The citizen consented to SMS as well: that SMS is the only one, no second as a fallback.
      expect(both.map((m) => [m.channel, m.status]).sort()).toEqual([
        ['sms', 'sent'],
        ['zalo', 'failed'],
      ]);
      expect(both.find((m) => m.channel === 'zalo')!.error).toContain('-144');
      expect(esms.delivered.filter((s) => s.phone === intl(q.phone))).toHaveLength(1);
    } finally {
      zalo.quotaExceeded = false;
    }
  });

  it('retries gateway errors, outages and timeouts with backoff, and the repeated RequestId sends nothing twice', async () => {
    esms.failNext = 1;
    esms.downNext = 1;
    const d = await intake();
    const [m] = await settled(d.id, 1);
    expect(m).toMatchObject({ status: 'sent', attempts: 3 });
    esms.slowNext = 1; // accepted, but the answer comes after our 500 ms timeout
    const t = await intake();
    const [s] = await settled(t.id, 1);
    expect(s.status).toBe('sent');
    expect(s.attempts).toBe(2);
    expect(esms.requests.filter((r) => r.requestId === s.id)).toHaveLength(2);
    expect(esms.delivered.filter((x) => x.requestId === s.id)).toHaveLength(1);
  });

  it('gives up after DELIVERY_MAX_ATTEMPTS and says why, without losing the row', async () => {
    esms.downNext = 10;
    try {
      const d = await intake();
      const [m] = await settled(d.id, 1);
      expect(m).toMatchObject({ status: 'failed', attempts: 4, error: 'eSMS HTTP 503' });
    } finally {
      esms.downNext = 0;
    }
  });

  it('holds messages during quiet hours (21:00–07:00) and sends them in the morning', async () => {
    setClock('2026-03-10T22:30:00');
    try {
      const d = await intake();
      const [m] = await messages(d.id);
      expect(m).toMatchObject({ status: 'queued', scheduledFor: '2026-03-11T07:00:00+07:00' });
      // The worker took the job and put it back for the morning: still queued, nothing sent.
      await waitFor(
        async () =>
          (
            await db.query(`SELECT 1 FROM citizen_messages WHERE id = $1 AND attempts = 0 AND claimed_until IS NULL`, [
              m.id,
            ])
          ).length,
        10_000,
        'job seen',
      );
      expect(esms.requests.filter((r) => r.requestId === m.id)).toEqual([]);
      setClock('2026-03-11T07:01:00');
      await worker.get(MessagesSweepHandler).handle({});
      const [after] = await settled(d.id, 1);
      expect(after.status).toBe('sent');
      expect(esms.delivered.filter((x) => x.requestId === m.id)).toHaveLength(1);
    } finally {
      setClock('2026-03-10T09:00:00');
    }
  });

  it('keeps to the daily cap per number: the eleventh message of the day waits for the next morning', async () => {
    setClock('2026-03-12T09:00:00');
    try {
      const phone = freshPhone();
      const ds: { id: string }[] = [];
      for (let i = 0; i < 11; i++) {
        ds.push(await intake({}, phone));
        if (i < 10) await settled(ds[i].id, 1);
      }
      const last = await waitFor(
        async () => (await messages(ds[10].id)).find((m) => m.error === 'daily cap reached'),
        30_000,
        'the eleventh message postponed',
      );
      expect(last).toMatchObject({
        status: 'queued',
        scheduledFor: '2026-03-13T07:00:00+07:00',
        error: 'daily cap reached',
      });
      expect(esms.delivered.filter((x) => x.phone === intl(phone))).toHaveLength(10);
    } finally {
      setClock('2026-03-10T09:00:00');
    }
  });

  it('lets the citizen stop a channel with the lookup key; what is still queued is skipped, later milestones get no rows', async () => {
    setClock('2026-03-10T23:00:00');
    let d;
    try {
      d = await intake({ notify: { sms: true, zalo: true } });
    } finally {
      setClock('2026-03-10T09:00:00');
    }
    const wrong = await citizen(api)('POST', `${d.code}/notifications`, { lookupKey: 'WRONGKEY2345', sms: false });
    expect(wrong.status).toBe(404);
    const res = await citizen(api)('POST', `${d.code}/notifications`, { lookupKey: d.lookupKey, sms: false });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: d.code, sms: false, zalo: true, email: false });
    const items = await messages(d.id);
    expect(items.find((m) => m.channel === 'sms')).toMatchObject({ status: 'skipped', error: 'consent withdrawn' });
    await act(d, 'request_payment', { amount: 100000 });
    const after = await messages(d.id);
    expect(after.filter((m) => m.milestone === 'payment_requested').map((m) => m.channel)).toEqual(['zalo']);
  });

  it('raises appointment_at_risk three working hours before the appointment when there is no result, once', async () => {
    // Received Tuesday 10/03 09:00, 3 working days: due Friday 13/03 09:00.
    const d = await intake();
    await settled(d.id, 1);
    const sweep = worker.get(MessagesSweepHandler);
    setClock('2026-03-12T14:00:00'); // 4 working hours left (14:00–17:00, then 08:00–09:00)
    try {
      await sweep.raiseAtRisk(now);
      expect((await messages(d.id)).map((m) => m.milestone)).toEqual(['received']);
      setClock('2026-03-12T15:30:00'); // 2.5 working hours left
      await sweep.raiseAtRisk(now);
      await sweep.raiseAtRisk(now);
      const items = await settled(d.id, 2);
      expect(items.map((m) => m.milestone)).toEqual(['received', 'appointment_at_risk']);
      const text = esms.delivered.filter((x) => x.phone === intl(d.phone)).pop()!.content;
      expect(text).toContain('13/03/2026 09:00');
    } finally {
      setClock('2026-03-10T09:00:00');
    }
  });

  it('records delivery reports: Zalo signed events and eSMS callbacks with their token; unverified callers get 401', async () => {
    const d = await intake({ notify: { zalo: true, sms: true } });
    const items = await settled(d.id, 2);
    const z = items.find((m) => m.channel === 'zalo')!;
    const s = items.find((m) => m.channel === 'sms')!;
    const event = {
      app_id: zalo.appId,
      event_name: 'user_received_message',
      timestamp: '1773111600000',
      message: {
        msg_id: zalo.delivered.find((x) => x.trackingId === z.id)!.msgId,
        tracking_id: z.id,
        delivery_time: '1773111600000',
      },
    };
    const signed = zalo.signedEvent(event);
    const forged = zalo.signedEvent(event, 'not-the-secret');
    const post = (provider: string, body: string, headers: Record<string, string> = {}, query = '') =>
      api.request('POST', `/integrations/${provider}/callback${query}`, {
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    expect((await post('zalo', signed.body)).status).toBe(401);
    expect((await post('zalo', signed.body, { 'x-zevent-signature': forged.signature })).status).toBe(401);
    const ok = await post('zalo', signed.body, { 'x-zevent-signature': signed.signature });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ received: true, updated: 1 });

    const sms = esms.delivered.find((x) => x.requestId === s.id)!;
    const callback = new URL(sms.callbackUrl!);
    expect(callback.pathname).toBe('/api/v1/integrations/sms/callback');
    const token = callback.searchParams.get('token')!;
    const report = `&RequestId=${s.id}&SMSID=${sms.smsId}&SendStatus=5&TypeId=2`;
    expect((await post('sms', '{}', {}, `?token=${'0'.repeat(64)}${report}`)).status).toBe(401);
    expect((await post('sms', '{}', {}, `?${report.slice(1)}`)).status).toBe(401);
    const delivered = await post('sms', '{}', {}, `?token=${token}${report}`);
    expect(delivered.status).toBe(200);
    expect(delivered.body.updated).toBe(1);
    expect((await messages(d.id)).map((m) => m.status)).toEqual(['delivered', 'delivered']);
    expect((await post('viber', '{}')).status).toBe(404);
  });

  it('takes eSMS delivery reports as eSMS sends them: an HTTP GET to the CallbackUrl, its fields appended', async () => {
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const address = api.app.getHttpServer().address() as { port: number };
    const origin = `http://127.0.0.1:${address.port}`;
    const [a, b, c] = [await intake(), await intake(), await intake()];
    const sent = async (d: { id: string }) => {
      const [m] = await settled(d.id, 1);
      return { m, sms: esms.delivered.find((x) => x.requestId === m.id)! };
    };
    const [sa, sb, sc] = [await sent(a), await sent(b), await sent(c)];
    // The CallbackUrl names our message id and its token: eSMS's own samples leave RequestId empty.
    const callback = new URL(sa.sms.callbackUrl!);
    expect(callback.searchParams.get('id')).toBe(sa.m.id);
    expect(callback.searchParams.get('token')).toMatch(/^[0-9a-f]{64}$/);
    // Delivered, with the fields joined by `?` as in eSMS's samples and RequestId empty.
    const delivered = await esms.report(sa.sms, '5', { origin, join: '?', requestId: false });
    expect(delivered).toEqual({ status: 200, body: { received: true, updated: 1 } });
    // Refused by the network (SendStatus 4), joined by `&`.
    const refused = await esms.report(sb.sms, '4', { origin, join: '&' });
    expect(refused).toEqual({ status: 200, body: { received: true, updated: 1 } });
    expect((await messages(a.id))[0].status).toBe('delivered');
    expect((await messages(b.id))[0]).toMatchObject({ status: 'failed', error: 'eSMS SendStatus 4: refused' });
    // A report whose URL was not ours: another message's id under this token, or no token.
    const forged = { ...sc.sms, callbackUrl: sa.sms.callbackUrl!.replace(sa.m.id, sc.m.id) };
    expect((await esms.report(forged, '5', { origin })).status).toBe(401);
    const bare = {
      ...sc.sms,
      callbackUrl: `https://dichvucong.example.gov.vn/api/v1/integrations/sms/callback?id=${sc.m.id}`,
    };
    expect((await esms.report(bare, '5', { origin })).status).toBe(401);
    expect((await messages(c.id))[0].status).toBe('sent');
    // A repeated report (eSMS retries up to 5 times) changes nothing more.
    expect(await esms.report(sa.sms, '5', { origin, join: '?' })).toEqual({
      status: 200,
      body: { received: true, updated: 0 },
    });
    // Zalo reports by POST only.
    expect((await fetch(`${origin}/api/v1/integrations/zalo/callback?x=1`)).status).toBe(404);
  });

  it('reports messages per unit and channel for the board: sent, delivered, failed, fallback, segments, cost', async () => {
    const res = await api.request('GET', '/reports/messages?period=2026-03', { token: p.tokens.board });
    expect(res.status).toBe(200);
    const rows = res.body.rows as {
      unitCode: string;
      channel: string;
      sent: number;
      delivered: number;
      failed: number;
      fallback: number;
      segments: number;
      costVnd: number;
    }[];
    const [counted] = await db.query(
      `SELECT count(*) FILTER (WHERE channel = 'sms' AND sent_at IS NOT NULL)::int AS sms_sent,
              count(*) FILTER (WHERE channel = 'zalo' AND status = 'failed')::int AS zalo_failed,
              count(*) FILTER (WHERE fallback_of IS NOT NULL)::int AS fallback,
              coalesce(sum(cost_vnd) FILTER (WHERE sent_at IS NOT NULL), 0)::int AS cost
       FROM citizen_messages`,
    );
    const sms = rows.find((r) => r.unitCode === 'H15.50' && r.channel === 'sms')!;
    const zaloRow = rows.find((r) => r.unitCode === 'H15.50' && r.channel === 'zalo')!;
    expect(sms.sent).toBe(counted.sms_sent);
    expect(sms.fallback).toBe(counted.fallback);
    expect(zaloRow.failed).toBe(counted.zalo_failed);
    expect(res.body.total.costVnd).toBe(counted.cost);
    expect(sms.delivered).toBeGreaterThanOrEqual(1);
    const csv = await api.request('GET', '/reports/messages?period=2026-03&format=csv', { token: p.tokens.board });
    expect(csv.status).toBe(200);
    expect(String(csv.body)).toContain(`"H15.50","Sở Xây dựng","sms",${sms.sent},`);
    expect((await api.request('GET', '/reports/messages?period=2026-13', { token: p.tokens.board })).status).toBe(400);
  });

  it('shows a dossier’s messages only to those who may see the dossier', async () => {
    const d = await intake();
    const other = await api.request('GET', `/dossiers/${d.id}/messages`, {
      token: p.tokens.otherClerk,
      remoteAddress: freshAddress(),
    });
    expect(other.status).toBe(404);
  });
});
