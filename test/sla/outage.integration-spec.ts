import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { Api, startApi } from '../support/http';
import { Proc, startProcess, waitFor } from '../support/processes';
import { buildProvince, intakeBody, Province } from '../support/province';
import { freePort, RedisServer } from '../support/servers';

/**
 * Redis is down while the scan runs: alerts and their deliveries are rows in PostgreSQL, so once
 * Redis is back the worker's sweep sends each of them exactly once, and intake never stopped.
 */
describe('alerts across a Redis outage', () => {
  let redis: RedisServer;
  let api: Api;
  let p: Province;
  let worker: Proc;
  let smtp: SMTPServer;
  let hook: Server;
  const mails: string[] = [];
  const hooks: { deliveryId: string; body: string; signature: string }[] = [];
  const SECRET = 'webhook-secret-0123456789';

  beforeAll(async () => {
    redis = await RedisServer.start();
    const smtpPort = await freePort();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, cb) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          mails.push(data);
          cb();
        });
      },
    });
    smtp.on('error', () => undefined); // a client that drops its connection is not a test failure
    await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', r));
    hook = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooks.push({
          deliveryId: String(req.headers['x-delivery-id']),
          body,
          signature: String(req.headers['x-signature']),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const env = {
      REDIS_URL: redis.url,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      SWEEP_CRON: '* * * * * *',
      DELIVERY_BACKOFF_MS: '200',
    };
    api = await startApi(env);
    p = await buildProvince(api);
    const units = (await api.request('GET', '/units?limit=500', { token: p.admin })).body.items as {
      id: string;
      code: string;
    }[];
    await api.request('PATCH', `/units/${units.find((u) => u.code === 'H15.50')!.id}`, {
      token: p.admin,
      body: { headUserId: p.userIds.head },
    });
    await api.request('PATCH', `/users/${p.userIds.head}`, {
      token: p.admin,
      body: { email: 'giamdoc.sxd@example.gov.vn' },
    });
    const wh = await api.request('POST', '/webhooks', {
      token: p.admin,
      body: {
        url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`,
        secret: SECRET,
        kinds: ['overdue'],
      },
    });
    expect(wh.status).toBe(201);
    // Ten dossiers received Mon 2026-03-02 08:00, overdue since Thu 05/03 08:00.
    const dossiers = Array.from({ length: 10 }, (_, i) => ({
      ...intakeBody(),
      code: `H15.50-260302-${5000 + i}`,
      receivedAt: '2026-03-02T08:00:00+07:00',
      events: [],
    }));
    expect(
      (await api.request('POST', '/imports/dossiers', { token: p.admin, body: { dossiers } })).body.failed,
    ).toEqual([]);
    worker = startProcess('src/worker.js', { ...api.env, LOG_LEVEL: 'info' });
    // A worker's start on a busy machine (the whole suite runs beside it): the budget the
    // reliability suites use.
    await waitFor(() => /workers started/.test(worker.output()), 90_000, 'worker start');
  }, 240_000);

  afterAll(async () => {
    if (worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await api.close();
    await redis.stop();
    await new Promise<void>((r) => smtp.close(() => r()));
    await new Promise<void>((r) => hook.close(() => r()));
  });

  it('keeps accepting intake and records every alert while Redis is down, then delivers each exactly once', async () => {
    await redis.stop();
    const now = new Date('2026-03-05T09:00:00+07:00');
    api.app.get(Clock).now = () => now;
    const intake = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    expect(intake.status).toBe(201);
    const scan = await api.request('POST', '/sla/scan', { token: p.admin });
    expect(scan.status).toBe(200);
    // Per dossier: overdue (head) and stalled at the counter step (head): 20 alerts.
    expect(scan.body.alertsCreated).toBe(20);
    const ds = api.app.get(DataSource);
    const pending = await ds.query(
      `SELECT channel, count(*)::int AS n FROM alert_deliveries WHERE status = 'pending' GROUP BY 1 ORDER BY 1`,
    );
    expect(pending).toEqual([
      { channel: 'email', n: 20 },
      { channel: 'webhook', n: 10 },
    ]);
    expect(mails).toHaveLength(0);

    // The sweep takes deliveries older than its grace period (30 s): these were written just now.
    // Aged past it, the wait is only for Redis, the sweep and the sends.
    await ds.query(`UPDATE alert_deliveries SET created_at = created_at - interval '1 minute'`);
    await redis.start();
    await waitFor(
      async () => (await ds.query(`SELECT count(*)::int AS n FROM alert_deliveries WHERE status = 'sent'`))[0].n === 30,
      90_000,
      'all deliveries sent after Redis returned',
    );
    // A few more sweeps must not send anything twice.
    await new Promise((r) => setTimeout(r, 2500));
    expect(mails).toHaveLength(20);
    expect(new Set(mails.map((m) => /Message-ID: (.*)/i.exec(m)?.[1])).size).toBe(20);
    expect(hooks).toHaveLength(10);
    expect(new Set(hooks.map((h) => h.deliveryId)).size).toBe(10);
    for (const h of hooks) {
      expect(h.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(h.body).digest('hex')}`);
      expect(JSON.parse(h.body).kind).toBe('overdue');
    }
    // A rescan creates nothing new.
    expect((await api.request('POST', '/sla/scan', { token: p.admin })).body.alertsCreated).toBe(0);
  }, 180_000);
});
