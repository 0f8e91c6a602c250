import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { Clock } from '../../src/common/clock';
import { QueueService } from '../../src/jobs/queue.service';
import { WorkerModule } from '../../src/worker.module';
import { clockOf } from '../public/support';
import { Api, startApi } from '../support/http';
import { waitFor } from '../support/processes';
import { buildProvince, intakeBody, Province } from '../support/province';
import { FakePortal, PortalCall } from './support';

/** Jobs one worker runs at once on the portal queue: each may have one call in flight when a pause starts. */
const CONCURRENCY = 2;
const DOSSIERS = 6;

/**
 * The real worker (BullMQ) against a fake portal (a real HTTP server), with the sweep's cron set to
 * once a year: whatever reaches the portal here was handed over by the live dispatch, not by a sweep.
 * - A live intake reaches the portal within seconds, and so does an action after it.
 * - A portal answering 429 / 503 with Retry-After pauses the whole sync: while its answer holds, the
 *   portal sees no request but the ones already on their way (at most one per other running job),
 *   nothing is lost or sent out of order, and no dossier reaches the failed-sync list.
 * Nothing here waits for a duration: the assertions are on the portal's log (what came while a
 * "slow down" held), on order and on counts.
 */
describe('the portal sync: live changes at once, and a portal that says "slow down"', () => {
  let api: Api;
  let p: Province;
  let pg: Client;
  let worker: INestApplicationContext | undefined;
  const portal = new FakePortal();

  const admin = (method: string, url: string, body?: unknown) => api.request(method, url, { token: p.admin, body });
  const status = async () => (await admin('GET', '/portal-sync/status')).body;
  const callsFor = (code: string, service: string, list: PortalCall[] = portal.accepted) =>
    list.filter((c) => c.service === service && c.data.some((d) => d.MaHoSo === code));
  const progressOf = (code: string) =>
    callsFor(code, 'CapNhatTienDoHoSoMC').flatMap((c) => c.data.map((d) => d.TrangThai));
  const intake = async () => {
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    expect(res.status).toBe(201);
    return res.body as { id: string; code: string };
  };
  const act = async (id: string, action: string, body: Record<string, unknown> = {}) => {
    const d = (await admin('GET', `/dossiers/${id}`)).body;
    const res = await admin('POST', `/dossiers/${id}/actions/${action}`, { expectedVersion: d.version, ...body });
    expect(res.status).toBe(200);
  };
  const startWorker = async () => {
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    worker.get(Clock).now = () => new Date('2026-03-20T09:00:00+07:00');
  };
  const stopWorker = async () => {
    await worker?.close();
    worker = undefined;
  };

  beforeAll(async () => {
    await portal.start();
    api = await startApi({
      ...portal.env(),
      // The sweep ticks once a year: it never runs during this suite.
      PORTAL_SYNC_CRON: 'off',
      PORTAL_SYNC_LIVE_POLL_MS: '200',
      PORTAL_SYNC_DOSSIERS_PER_SECOND: '20',
      PORTAL_SYNC_PAUSE_DEFAULT_SECONDS: '1',
      WORKER_CONCURRENCY: String(CONCURRENCY),
    });
    pg = new Client({ connectionString: api.env.DATABASE_URL });
    await pg.connect();
    clockOf(api)('2026-03-20T09:00:00');
    p = await buildProvince(api);
  }, 240_000);

  afterAll(async () => {
    await stopWorker();
    await pg?.end();
    await api?.close();
    await portal.close();
  });

  it('sends a live intake, then an action on it, without waiting for a sweep', async () => {
    await startWorker();
    const d = await intake();
    await waitFor(() => progressOf(d.code).length === 1, 30_000, 'the intake to reach the portal');
    expect(callsFor(d.code, 'DongBoHoSoMC').map((c) => [c.isUpdating, c.data[0].TrangThaiHoSo])).toEqual([
      ['False', '2'],
    ]);
    await act(d.id, 'forward');
    await waitFor(() => progressOf(d.code).length === 2, 30_000, 'the action to reach the portal');
    expect(progressOf(d.code)).toEqual(['2', '4']);
    // No sweep ran: the portal queue never held a portal.sweep job.
    const jobs = await api.app
      .get(QueueService)
      .queue('portal')
      .getJobs(['completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized']);
    expect(jobs.filter((j) => j.name === 'portal.sweep')).toEqual([]);
    expect(jobs.filter((j) => j.name === 'portal.sync').length).toBeGreaterThanOrEqual(2);
    expect(await status()).toMatchObject({ pending: 0, failed: 0 });
  }, 60_000);

  it('pauses the whole sync on 429 / 503 with Retry-After, loses nothing, keeps the order, lists no failure', async () => {
    await stopWorker();
    // Dossiers with three events each (intake, forward, resolve), waiting for the portal.
    const codes: string[] = [];
    for (let i = 0; i < DOSSIERS; i++) {
      const d = await intake();
      await act(d.id, 'forward');
      await act(d.id, 'resolve', { resultSummary: 'Đã cấp phép', electronicResult: true });
      codes.push(d.code);
    }
    expect((await status()).pending).toBe(DOSSIERS);
    const from = portal.log.length;
    // The new worker logs in first: the login itself is told to slow down, then calls are.
    portal.throttle(
      { status: 429, retryAfter: '1', holdMs: 1000 },
      { status: 503, retryAfter: '1', holdMs: 1000 },
      { status: 429, retryAfter: null, holdMs: 1000 }, // PORTAL_SYNC_PAUSE_DEFAULT_SECONDS
      { status: 429, retryAfter: new Date(Date.now() + 2000).toUTCString(), holdMs: 1000 }, // an HTTP-date
      { status: 429, retryAfter: '1', holdMs: 1000 },
    );
    await startWorker();
    await waitFor(async () => (await status()).pending === 0, 120_000, 'the outbox to drain');

    // Nothing lost, nothing twice, nothing out of order.
    for (const code of codes) {
      expect(progressOf(code)).toEqual(['2', '4', '9']);
      expect(callsFor(code, 'DongBoHoSoMC')[0].isUpdating).toBe('False');
    }
    // No dossier counted a failed try for being throttled.
    expect((await admin('GET', '/portal-sync/failures')).body.items).toEqual([]);
    const rows = await pg.query(
      `SELECT count(*)::int AS n FROM portal_sync WHERE attempts > 0 OR failing_since IS NOT NULL OR last_error IS NOT NULL`,
    );
    expect(rows.rows[0].n).toBe(0);

    // While a "slow down" held, the portal saw only calls already on their way when it was answered:
    // at most one per other running job. (The old behaviour, one failed try per dossier and the next
    // dossier at once, made every waiting dossier call within the first hold.)
    const log = portal.log.slice(from);
    const told = log.filter((l) => l.holdMs !== undefined);
    const early = log.filter((l) => l.early);
    expect(told).toHaveLength(5);
    expect(early.length).toBeLessThanOrEqual((CONCURRENCY - 1) * told.length);
    for (const t of told) {
      const during = log.filter((l) => l.at > t.at && l.at < t.at + t.holdMs!);
      expect(during.every((l) => l.early)).toBe(true);
      expect(during.length).toBeLessThanOrEqual(CONCURRENCY - 1);
    }
    const metrics = (await api.request('GET', '/metrics')).body as string;
    const count = (s: string) =>
      Number(metrics.match(new RegExp(`^portal_sync_throttled_total\\{status="${s}"\\} (\\S+)$`, 'm'))?.[1] ?? 0);
    expect(count('429') + count('503')).toBe(told.length + early.length);
    expect(count('503')).toBe(1);
    expect(metrics).toMatch(/^portal_sync_paused_seconds \S+$/m);
  }, 240_000);
});
