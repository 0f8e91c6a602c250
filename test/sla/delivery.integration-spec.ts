import { Queue } from 'bullmq';
import { createHmac } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { DeliverHandler, DeliveryRetry } from '../../src/sla/delivery/deliver.handler';
import { DeliveryRepository } from '../../src/sla/delivery/delivery.repository';
import { DeliveryService } from '../../src/sla/delivery/delivery.service';
import { deliveryMessageId } from '../../src/sla/delivery/email.sender';
import { Api, startApi } from '../support/http';
import { Proc, startProcess, waitFor } from '../support/processes';
import { buildProvince, intakeBody, Province } from '../support/province';
import { freePort, RedisServer } from '../support/servers';

// ---------------------------------------------------------------------------------------------
// A real SMTP server and a real HTTP receiver, both started here.

interface Mail {
  to: string[];
  headers: Record<string, string>;
  subject: string;
  text: string;
}

function decodeQp(s: string): string {
  const bytes: number[] = [];
  const src = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < src.length; i++) {
    const hex = src.slice(i + 1, i + 3);
    if (src[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(src[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (=?UTF-8?B?...?= / =?UTF-8?Q?...?=), as nodemailer writes non-ASCII subjects. */
function decodeWords(s: string): string {
  return s
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQp(text.replace(/_/g, ' ')),
    );
}

/** A single-part text message as nodemailer composes it. */
function parseMail(raw: string, to: string[]): Mail {
  const split = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of raw
    .slice(0, split)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = raw.slice(split + 4);
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const text =
    cte === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : cte === 'quoted-printable'
        ? decodeQp(body)
        : body;
  return { to, headers, subject: decodeWords(headers.subject ?? ''), text: text.replace(/\r\n/g, '\n') };
}

interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** Paths decide the answer: /flaky… fails twice then accepts, /down… always fails, /slow… answers late. */
function startReceiver(hits: Map<string, Hit[]>): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const list = hits.get(path) ?? [];
      hits.set(path, list);
      const status = path.startsWith('/flaky') ? (list.length < 2 ? 500 : 200) : path.startsWith('/down') ? 503 : 200;
      list.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      const delay = path.startsWith('/slow') ? 500 : 0;
      setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end('ok'), delay);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const hmac = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

// ---------------------------------------------------------------------------------------------

describe('alert delivery by a real worker: e-mail and signed webhooks from the outbox', () => {
  const HEAD_EMAIL = 'truong.so.xay.dung@example.gov.vn';
  let redis: RedisServer;
  let smtp: SMTPServer;
  /** Messages the SMTP server accepted. */
  const mails: Mail[] = [];
  /** Every message transferred (DATA), accepted or refused. */
  const transfers: Mail[] = [];
  /** Decides, once a message is transferred, whether the server accepts it (default: yes). */
  let onMessage: ((mail: Mail) => Promise<boolean>) | null = null;
  let receiver: Server;
  const hits = new Map<string, Hit[]>();
  let api: Api;
  let p: Province;
  let db: DataSource;
  let worker: Proc;
  let dossier: { id: string; code: string; dueAt: string };
  let headId: string;
  let seq = 0;
  const hooks: Record<string, { id: string; secret: string; path: string }> = {};

  async function addWebhook(name: string, kinds = ['overdue', 'due_soon', 'stalled', 'escalated']) {
    const path = `/${name}`;
    const secret = `secret-of-${name}-0123456789`;
    const { port } = receiver.address() as AddressInfo;
    const res = await api.request('POST', '/webhooks', {
      token: p.admin,
      body: { url: `http://127.0.0.1:${port}${path}`, secret, kinds },
    });
    expect(res.status).toBe(201);
    hooks[name] = { id: res.body.id, secret, path };
    return hooks[name];
  }

  /** An alert and its outbox rows, written as the SLA scan writes them (one deadline per alert, so keys never clash). */
  async function alertWithDeliveries(
    targets: { channel: 'email' | 'webhook'; target: string }[],
    kind = 'overdue',
  ): Promise<{ alertId: string; deadline: Date; ids: string[] }> {
    const deadline = new Date(new Date(dossier.dueAt).getTime() + seq++ * 60_000);
    const [alert] = await db.query(
      `INSERT INTO alerts (kind, dossier_id, unit_id, recipient_user_id, deadline_at)
       SELECT $1, d.id, d.handling_unit_id, $3, $4 FROM dossiers d WHERE d.id = $2 RETURNING id`,
      [kind, dossier.id, headId, deadline],
    );
    const ids: string[] = [];
    for (const t of targets) {
      const [row] = await db.query(
        `INSERT INTO alert_deliveries (alert_id, alert_deadline_at, channel, target) VALUES ($1, $4, $2, $3) RETURNING id::text AS id`,
        [alert.id, t.channel, t.target, deadline],
      );
      ids.push(row.id);
    }
    return { alertId: alert.id, deadline, ids };
  }

  /** Makes rows look committed a minute ago, so the sweep (30 s grace) takes them. */
  async function age(ids: string[]) {
    await db.query(
      `UPDATE alert_deliveries SET created_at = now() - interval '1 minute' WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  async function delivery(id: string) {
    const [row] = await db.query(`SELECT status, attempts, last_error, sent_at FROM alert_deliveries WHERE id = $1`, [
      id,
    ]);
    return row as { status: string; attempts: number; last_error: string | null; sent_at: Date | null };
  }

  const settled = (id: string, status: 'sent' | 'failed') =>
    waitFor(
      async () => ((await delivery(id)).status === status ? delivery(id) : null),
      30_000,
      `delivery ${id} ${status}`,
    );

  beforeAll(async () => {
    // A private Redis: this suite stops it, and other suites share the global one.
    redis = await RedisServer.start();
    const smtpPort = await freePort();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const to = (session.envelope.rcptTo as { address: string }[]).map((r) => r.address);
          const mail = parseMail(Buffer.concat(chunks).toString('utf8'), to);
          transfers.push(mail);
          // A test may answer for the server (refuse, or do something at the instant of acceptance).
          void (onMessage ?? (async () => true))(mail).then(
            (accept) => {
              if (!accept) return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
              mails.push(mail);
              callback();
            },
            (err: Error) => callback(err),
          );
        });
      },
    });
    smtp.on('error', () => undefined); // a client that drops its connection is not a test failure
    await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', () => resolve()));
    receiver = await startReceiver(hits);

    api = await startApi({
      REDIS_URL: redis.url,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      SMTP_FROM: 'Hệ thống theo dõi hồ sơ <no-reply@example.gov.vn>',
      DELIVERY_MAX_ATTEMPTS: '3',
      DELIVERY_BACKOFF_MS: '200',
      WEBHOOK_TIMEOUT_MS: '2000',
    });
    db = api.app.get(DataSource);
    p = await buildProvince(api);
    headId = p.userIds.head;
    const patched = await api.request('PATCH', `/users/${headId}`, { token: p.admin, body: { email: HEAD_EMAIL } });
    expect(patched.status).toBe(200);
    // Received Friday 06/03/2026 09:00: 3 working days, due Wednesday 11/03 09:00.
    const at = new Date('2026-03-06T09:00:00+07:00');
    api.app.get(Clock).now = () => at;
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    expect(res.status).toBe(201);
    dossier = res.body;
    expect(dossier.dueAt).toBe('2026-03-11T09:00:00+07:00');
    for (const name of ['flaky', 'down', 'slow', 'ok-sweep', 'ok-failed-job']) await addWebhook(name);

    worker = startProcess('src/worker.js', { ...api.env, SWEEP_CRON: '* * * * * *', LOG_LEVEL: 'info' });
    await waitFor(() => /workers started/.test(worker.output()), 90_000, 'worker start');
  }, 240_000);

  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await api?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await redis?.stop();
  });

  it('e-mails the alert once, in Vietnamese, to the recipient, naming the dossier, procedure, due instant and step', async () => {
    const { ids } = await alertWithDeliveries([{ channel: 'email', target: HEAD_EMAIL }]);
    await api.app.get(DeliveryService).enqueue(ids);
    const row = await settled(ids[0], 'sent');
    expect(row.attempts).toBe(1);
    expect(mails).toHaveLength(1);
    const mail = mails[0];
    expect(mail.to).toEqual([HEAD_EMAIL]);
    expect(mail.headers['message-id']).toBe(`<delivery-${ids[0]}@sla-tracker>`);
    expect(mail.subject).toBe(`[Cảnh báo] Hồ sơ ${dossier.code} quá hạn`);
    expect(mail.text).toContain(`hồ sơ ${dossier.code} quá hạn.`);
    expect(mail.text).toContain('- Thủ tục: Cấp giấy phép xây dựng (mã 1.004227)');
    expect(mail.text).toContain('- Hạn giải quyết: 11/03/2026 09:00 (giờ Việt Nam, GMT+07:00)');
    expect(mail.text).toContain('- Bước hiện tại: Tiếp nhận – Sở Xây dựng (H15.50)');
    expect(mail.text).toContain('Kính gửi: Phạm Quốc Hùng,');
    // No applicant data in an alert.
    expect(mail.text).not.toContain('Nguyễn Văn Bình');

    // Enqueueing again and running the handler again send nothing more: the row is no longer pending.
    await api.app.get(DeliveryService).enqueue(ids);
    await expect(api.app.get(DeliverHandler).handle({ deliveryId: ids[0] })).resolves.toEqual({ result: 'skipped' });
    await new Promise((r) => setTimeout(r, 500));
    expect(mails).toHaveLength(1);
  });

  it('sends a directive comment’s alerts like every alert: e-mail to the assignee and the unit head, and subscribed webhooks', async () => {
    const OFFICER_EMAIL = 'chuyen.vien.tham.dinh@example.gov.vn';
    expect(
      (await api.request('PATCH', `/users/${p.userIds.officer}`, { token: p.admin, body: { email: OFFICER_EMAIL } }))
        .status,
    ).toBe(200);
    // The head of H15.50 heads its divisions too (the nearest ancestor with a head).
    const units = (await api.request('GET', '/units?limit=500', { token: p.admin })).body.items as {
      id: string;
      code: string;
    }[];
    const unit = units.find((u) => u.code === 'H15.50')!;
    expect(
      (await api.request('PATCH', `/units/${unit.id}`, { token: p.admin, body: { headUserId: headId } })).status,
    ).toBe(200);
    const hook = await addWebhook('comments', ['directive_comment']);
    const other = await addWebhook('overdue-only', ['overdue']);
    const created = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    const d = created.body as { id: string; code: string; version: number };
    const forwarded = await api.request('POST', `/dossiers/${d.id}/actions/forward`, {
      token: p.tokens.clerk,
      body: { expectedVersion: d.version, assigneeUserId: p.userIds.officer },
    });
    expect(forwarded.status).toBe(200);
    const before = mails.length;
    const commented = await api.request('POST', `/dossiers/${d.id}/actions/comment`, {
      token: p.tokens.board,
      body: { expectedVersion: forwarded.body.version, text: 'Đề nghị thẩm định xong trong ngày 09/03.' },
    });
    expect(commented.status).toBe(200);

    // Two in-app alerts, and for each an e-mail; one signed POST per alert to the subscribed webhook.
    const alerts = (await api.request('GET', `/alerts?kind=directive_comment&dossierId=${d.id}`, { token: p.admin }))
      .body.items as { id: string; recipientUserId: string }[];
    expect(alerts.map((a) => a.recipientUserId).sort()).toEqual([headId, p.userIds.officer].sort());
    const received = await waitFor(
      () => (mails.length - before >= 2 && (hits.get(hook.path)?.length ?? 0) >= 2 ? mails.slice(before) : null),
      30_000,
      'comment alerts delivered',
    );
    expect(received.map((m) => m.to[0]).sort()).toEqual([HEAD_EMAIL, OFFICER_EMAIL].sort());
    for (const mail of received) {
      expect(mail.subject).toBe(`[Cảnh báo] Hồ sơ ${d.code} có ý kiến chỉ đạo`);
      expect(mail.text).toContain('- Ý kiến chỉ đạo: “Đề nghị thẩm định xong trong ngày 09/03.”');
      expect(mail.text).toContain('- Thời điểm cho ý kiến: 06/03/2026 09:00 (giờ Việt Nam, GMT+07:00)');
      expect(mail.text).toContain('Đề nghị nghiên cứu, thực hiện ý kiến chỉ đạo.');
    }
    const posts = hits.get(hook.path)!;
    expect(posts).toHaveLength(2);
    for (const post of posts) {
      expect(post.headers['x-signature']).toBe(hmac(hook.secret, post.body));
      const body = JSON.parse(post.body);
      expect(body).toMatchObject({
        kind: 'directive_comment',
        dossierCode: d.code,
        comment: { text: 'Đề nghị thẩm định xong trong ngày 09/03.', authorUserId: p.userIds.board },
      });
    }
    expect(posts.map((x) => JSON.parse(x.body).recipientUserId).sort()).toEqual([headId, p.userIds.officer].sort());
    // A webhook not subscribed to directive comments gets nothing; the author is never alerted.
    expect(hits.get(other.path)).toBeUndefined();
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM alert_deliveries ad JOIN alerts a ON a.id = ad.alert_id
       WHERE a.dossier_id = $1 AND ad.status = 'sent'`,
      [d.id],
    );
    expect(n).toBe(4);
  });

  it('retries a webhook that fails twice with backoff: one delivery accepted, signed, with the same id each time', async () => {
    const hook = hooks.flaky;
    const { alertId, deadline, ids } = await alertWithDeliveries([{ channel: 'webhook', target: hook.id }]);
    await api.app.get(DeliveryService).enqueue(ids);
    const row = await settled(ids[0], 'sent');
    expect(row.attempts).toBe(3);
    const seen = hits.get(hook.path)!;
    expect(seen.map((h) => h.status)).toEqual([500, 500, 200]);
    for (const h of seen) {
      expect(h.headers['content-type']).toBe('application/json');
      expect(h.headers['x-delivery-id']).toBe(ids[0]);
      expect(h.headers['x-signature']).toBe(hmac(hook.secret, h.body));
      expect(h.body).toBe(seen[0].body);
    }
    expect(JSON.parse(seen[0].body)).toEqual({
      id: alertId,
      kind: 'overdue',
      dossierId: dossier.id,
      dossierCode: dossier.code,
      unitCode: 'H15.50',
      recipientUserId: headId,
      deadlineAt: expect.stringMatching(/\+07:00$/),
      createdAt: expect.stringMatching(/\+07:00$/),
    });
    expect(new Date(JSON.parse(seen[0].body).deadlineAt).getTime()).toBe(deadline.getTime());
    // The earlier failures are no longer the delivery's state.
    expect(row.last_error).toBe('HTTP 500');
  });

  it('gives up after DELIVERY_MAX_ATTEMPTS tries and shows the failure through the webhook endpoints', async () => {
    const hook = hooks.down;
    const { ids } = await alertWithDeliveries([{ channel: 'webhook', target: hook.id }]);
    await api.app.get(DeliveryService).enqueue(ids);
    const row = await settled(ids[0], 'failed');
    expect(row).toMatchObject({ status: 'failed', attempts: 3, last_error: 'HTTP 503', sent_at: null });
    expect(hits.get(hook.path)).toHaveLength(3);

    const list = await api.request('GET', `/webhooks/${hook.id}/deliveries?status=failed`, { token: p.admin });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: ids[0], status: 'failed', attempts: 3, lastError: 'HTTP 503', sentAt: null }),
    ]);
    const all = (await api.request('GET', '/webhooks', { token: p.admin })).body.items as any[];
    expect(all.find((w) => w.id === hook.id)).toMatchObject({
      deliveries: { pending: 0, sent: 0, failed: 1 },
      lastError: 'HTTP 503',
    });
    // Given up means given up: no further tries arrive.
    await new Promise((r) => setTimeout(r, 1000));
    expect(hits.get(hook.path)).toHaveLength(3);
  });

  it('never sends one delivery twice when two workers run it at once (the row is claimed before the send)', async () => {
    const hook = hooks.slow;
    const { ids } = await alertWithDeliveries([{ channel: 'webhook', target: hook.id }]);
    const handler = api.app.get(DeliverHandler);
    const results = await Promise.all([handler.handle({ deliveryId: ids[0] }), handler.handle({ deliveryId: ids[0] })]);
    expect(results.map((r) => r.result).sort()).toEqual(['sent', 'skipped']);
    expect(hits.get(hook.path)).toHaveLength(1);
    expect(await delivery(ids[0])).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('re-adds a delivery whose job ended in failure while the row is still pending', async () => {
    const hook = hooks['ok-failed-job'];
    const { ids } = await alertWithDeliveries([{ channel: 'webhook', target: hook.id }]);
    // A job with the delivery's id that fails without touching the row (no handler for its name):
    // BullMQ keeps it, so a plain add with the same id would be ignored.
    const queue = new Queue('delivery', { connection: { url: redis.url }, prefix: api.env.QUEUE_PREFIX });
    try {
      const jobId = `delivery-${ids[0]}`;
      await queue.add('no-such-job', { deliveryId: ids[0] }, { jobId, attempts: 1 });
      await waitFor(async () => (await queue.getJobState(jobId)) === 'failed', 15_000, 'job failed');
      expect((await delivery(ids[0])).status).toBe('pending');
      await age(ids);
      await settled(ids[0], 'sent');
    } finally {
      await queue.close();
    }
    expect(hits.get(hook.path)).toHaveLength(1);
  });

  it('walks pending deliveries in keyset batches, each exactly once, across ids of different lengths', async () => {
    const { alertId } = await alertWithDeliveries([]);
    // Two statements: two created_at values, 60 rows each (ids crossing 99 -> 100 and beyond).
    const insert = () =>
      db.query(
        `INSERT INTO alert_deliveries (alert_id, alert_deadline_at, channel, target)
         SELECT $1, a.deadline_at, 'webhook', 'keyset-' || g || '-' || clock_timestamp()
         FROM generate_series(1, 60) g, alerts a WHERE a.id = $1 RETURNING id::text AS id`,
        [alertId],
      ) as Promise<{ id: string }[]>;
    const ids = [...(await insert()), ...(await insert())].map((r) => r.id);
    try {
      // A cutoff ahead of now takes these fresh rows (the worker's sweep, 30 s behind, leaves them alone).
      const repo = api.app.get(DeliveryRepository);
      const cutoff = new Date(Date.now() + 60_000);
      const seen: string[] = [];
      let after: { createdAt: string; id: string } | null = null;
      for (;;) {
        const batch = await repo.stalePending(cutoff, after, 7);
        seen.push(...batch.map((r) => r.id));
        if (batch.length < 7) break;
        after = { createdAt: batch[6].created_at, id: batch[6].id };
      }
      const mine = seen.filter((id) => ids.includes(id));
      expect(mine).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
      expect(new Set(seen).size).toBe(seen.length);
    } finally {
      await db.query(`UPDATE alert_deliveries SET status = 'failed' WHERE id = ANY($1::bigint[])`, [ids]);
    }
  });

  it('sends deliveries whose jobs Redis lost once Redis is back, through the sweep; enqueue never throws meanwhile', async () => {
    const hook = hooks['ok-sweep'];
    const mailsBefore = mails.length;
    const { ids } = await alertWithDeliveries(
      [
        { channel: 'email', target: HEAD_EMAIL },
        { channel: 'webhook', target: hook.id },
      ],
      'due_soon',
    );
    await redis.stop();
    await expect(api.app.get(DeliveryService).enqueue(ids)).resolves.toBeUndefined();
    expect((await delivery(ids[0])).status).toBe('pending');
    // As if the scan had committed them a minute ago; Redis comes back empty (no persistence).
    await age(ids);
    await redis.start();
    await settled(ids[0], 'sent');
    await settled(ids[1], 'sent');
    expect(mails.slice(mailsBefore)).toHaveLength(1);
    expect(mails[mailsBefore].subject).toBe(`[Cảnh báo] Hồ sơ ${dossier.code} sắp đến hạn`);
    expect(hits.get(hook.path)).toHaveLength(1);
  });

  it('records an e-mail the SMTP server accepted while PostgreSQL was unreachable once it is back: sent once, not again', async () => {
    const target = 'crash.during.send@example.gov.vn';
    const { ids } = await alertWithDeliveries([{ channel: 'email', target }]);
    const [id] = ids;
    const other = new Client({ connectionString: api.env.DATABASE_URL });
    await other.connect();
    let terminated = 0;
    onMessage = async (mail) => {
      if (!mail.to.includes(target)) return true;
      await other.query('BEGIN');
      // Nothing may hold the row while the message is being sent; if something does (a transaction
      // around the send), that session dies here, as in a crash.
      const free = await other.query(`SELECT 1 FROM alert_deliveries WHERE id = $1 FOR UPDATE SKIP LOCKED`, [id]);
      if (!free.rowCount) {
        await other.query(
          `SELECT pg_terminate_backend(pid) FROM pg_locks
           WHERE relation = 'alert_deliveries'::regclass AND pid <> pg_backend_pid()
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        await other.query('ROLLBACK');
        return true;
      }
      // Accepted; the worker's record of it then meets a database that is gone (its session killed
      // while waiting on the row), and comes back a moment later.
      setTimeout(() => {
        void (async () => {
          const me = (await other.query(`SELECT pg_backend_pid() AS pid`)).rows[0].pid as number;
          const blocked = await waitFor(
            async () => {
              const rows = (
                await other.query(`SELECT pid FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))`, [me])
              ).rows as { pid: number }[];
              return rows.length ? rows : null;
            },
            10_000,
            'the record waiting on the row',
          ).catch(() => null);
          if (!blocked) return void (await other.query('COMMIT'));
          for (const r of blocked) await other.query(`SELECT pg_terminate_backend($1)`, [r.pid]);
          terminated += blocked.length;
          await new Promise((r) => setTimeout(r, 500));
          await other.query('COMMIT');
        })();
      }, 0);
      return true;
    };
    try {
      const result = await api.app.get(DeliverHandler).handle({ deliveryId: id });
      expect(result).toMatchObject({ result: 'sent', attempts: 1 });
      expect(terminated).toBeGreaterThan(0);
      expect(await delivery(id)).toMatchObject({ status: 'sent', attempts: 1 });
      // A retry of the job (or the sweep) finds it sent: no second message.
      expect(await api.app.get(DeliverHandler).handle({ deliveryId: id })).toEqual({ result: 'skipped' });
      expect(mails.filter((m) => m.to.includes(target))).toHaveLength(1);
    } finally {
      onMessage = null;
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  });

  it('sends one Message-ID per delivery, derived from its row id, on every try by any process', async () => {
    const target = 'busy.server@example.gov.vn';
    const { ids } = await alertWithDeliveries([{ channel: 'email', target }]);
    const [id] = ids;
    let refused = 0;
    // The server refuses the first transfer (451); the retry is accepted.
    onMessage = async (mail) => !mail.to.includes(target) || refused++ > 0;
    try {
      // First try in this process (the API's handler), refused: a retry is due.
      await expect(api.app.get(DeliverHandler).handle({ deliveryId: id })).rejects.toBeInstanceOf(DeliveryRetry);
      expect(await delivery(id)).toMatchObject({ status: 'pending', attempts: 1 });
      // The retry by another process (the worker, through the sweep), as after a restart.
      await db.query(
        `UPDATE alert_deliveries SET created_at = now() - interval '1 minute', last_attempt_at = now() - interval '1 minute'
         WHERE id = $1`,
        [id],
      );
      await settled(id, 'sent');
    } finally {
      onMessage = null;
    }
    const tries = transfers.filter((m) => m.to.includes(target));
    expect(tries.map((m) => m.headers['message-id'])).toEqual([deliveryMessageId(id), deliveryMessageId(id)]);
    expect(tries.map((m) => m.headers['x-delivery-id'])).toEqual([id, id]);
    expect(deliveryMessageId(id)).toBe(`<delivery-${id}@sla-tracker>`);
    expect(mails.filter((m) => m.to.includes(target))).toHaveLength(1);
  });
});
