import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { Clock } from '../../src/common/clock';
import { BookImportService } from '../../src/integrations/book/book-import.service';
import { PortalSyncSweepHandler } from '../../src/portal-sync/portal-sync-sweep.handler';
import { WorkerModule } from '../../src/worker.module';
import { Api, startApi } from '../support/http';
import { waitFor } from '../support/processes';
import { BUILDING_PERMIT, intakeBody, Province } from '../support/province';
import { FakePortal, exchangeProvince } from './support';

const SOURCE = 'Phần mềm một cửa cũ';
/** Dossiers of history in the book, and the outbox's rate (dossiers per second). */
const N = 40;
const RATE = 5;
/** Jobs one worker runs at once on the portal queue: the bound on overtaking below. */
const CONCURRENCY = 2;
const DAYS = ['02', '03', '04', '05', '06', '09', '10', '11', '12', '13'];

/**
 * A year of history backfilled from a source that does not sync to the national portal itself,
 * beside live intakes, drained by the real worker (BullMQ) to a fake portal (a real HTTP server):
 * live dossiers reach the portal before the history queued ahead of them, and the portal never
 * receives dossiers faster than PORTAL_SYNC_DOSSIERS_PER_SECOND. Timing is only bounded from below
 * (the limiter spaces the starts of jobs; a slow machine only spaces them more): the assertions hold
 * on any machine.
 */
describe('the portal outbox drains a backfill at its rate, behind live dossiers', () => {
  let api: Api;
  let p: Province;
  let pg: Client;
  let worker: INestApplicationContext | undefined;
  let dir: string;
  const portal = new FakePortal();

  const admin = (method: string, url: string, body?: unknown) => api.request(method, url, { token: p.admin, body });
  const sweep = () => api.app.get(PortalSyncSweepHandler).handle({});
  const status = async () => (await admin('GET', '/portal-sync/status')).body;
  const intake = async () => {
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    expect(res.status).toBe(201);
    return res.body.code as string;
  };
  /** Dossier codes in the order their first record reached the portal, with the instant. */
  const arrivals = () => {
    const seen = new Map<string, number>();
    for (const c of portal.accepted)
      if (c.service === 'DongBoHoSoMC') {
        const code = c.data[0].MaHoSo as string;
        if (!seen.has(code)) seen.set(code, c.at!);
      }
    return [...seen].map(([code, at]) => ({ code, at }));
  };

  beforeAll(async () => {
    await portal.start();
    api = await startApi({
      ...portal.env(),
      PORTAL_SYNC_DOSSIERS_PER_SECOND: String(RATE),
      WORKER_CONCURRENCY: String(CONCURRENCY),
    });
    ({ p, pg } = await exchangeProvince(api, '000.00.50.H15'));
    const src = await admin('POST', '/integrations/sources', {
      name: SOURCE,
      unitCodes: ['H15.50'],
      syncsToPortal: false,
    });
    expect(src.status).toBe(201);
    dir = mkdtempSync(join(tmpdir(), 'backlog-'));
  }, 240_000);

  afterAll(async () => {
    await worker?.close();
    await pg?.end();
    await api?.close();
    await portal.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('queues imported history in the backfill lane, live intakes ahead of it, and drains at the rate', async () => {
    const lines = ['Số hồ sơ,Mã TTHC,Đơn vị,Ngày nhận,Ngày có kết quả,Ngày trả kết quả,Trạng thái'];
    for (let i = 0; i < N; i++) {
      const day = DAYS[i % DAYS.length];
      lines.push(
        `BF-${String(i).padStart(4, '0')},${BUILDING_PERMIT.code},H15.50,${day}/03/2026 08:${String(i % 60).padStart(2, '0')},` +
          (i % 2 ? `${day}/03/2026 15:00,${day}/03/2026 16:00,Đã trả kết quả` : ',,Đang xử lý'),
      );
    }
    const file = join(dir, 'so-theo-doi.csv');
    writeFileSync(file, lines.join('\n'));
    const imported = await api.app.get(BookImportService).run({ file, source: SOURCE });
    expect(imported).toMatchObject({ status: 'done', applied: N, refused: 0 });

    const lanes = await pg.query(
      `SELECT backfill, count(*)::int AS n FROM portal_sync WHERE synced_seq < target_seq GROUP BY backfill`,
    );
    expect(lanes.rows).toEqual([{ backfill: true, n: N }]);
    // The history is handed to the queue first; live intakes come after it.
    expect(await sweep()).toEqual({ queued: N, backfill: N });
    const beforeLive = Date.now();
    const live = [await intake(), await intake(), await intake()];
    expect(await sweep()).toEqual({ queued: N + 3, backfill: N });
    const waiting = await status();
    expect(waiting).toMatchObject({
      pending: N + 3,
      backfillPending: N,
      dossiersPerSecond: RATE,
      drainSeconds: Math.ceil((N + 3) / RATE),
    });
    // The live lane's age counts from the live intakes (the database's clock), not from the history's.
    expect(Date.parse(waiting.oldestLivePendingAt)).toBeGreaterThanOrEqual(beforeLive - 1000);
    expect(Date.parse(waiting.oldestLivePendingAt)).toBeGreaterThan(Date.parse(waiting.oldestPendingAt));
    const metrics = (await api.request('GET', '/metrics')).body as string;
    expect(metrics).toMatch(new RegExp(`^portal_sync_backfill_pending_dossiers ${N}$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^portal_sync_pending_dossiers ${N + 3}$`, 'm'));

    // The worker starts: the jobs' priorities put the live dossiers first.
    const t0 = Date.now();
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    worker.get(Clock).now = () => new Date('2026-03-20T09:00:00+07:00');

    // A live intake while the history drains is taken before the history still waiting: at most
    // the jobs the worker had already taken (CONCURRENCY) reach the portal between.
    await waitFor(() => arrivals().length >= 8, 60_000, 'the drain to start');
    const late = await intake();
    await sweep();
    const before = arrivals().length;

    await waitFor(async () => (await status()).pending === 0, 120_000, 'the outbox to drain');
    const order = arrivals();
    expect(order).toHaveLength(N + 4);
    for (const code of live) expect(order.findIndex((a) => a.code === code)).toBeLessThan(3 + CONCURRENCY - 1);
    const lateAt = order.findIndex((a) => a.code === late);
    expect(lateAt).toBeGreaterThanOrEqual(0);
    expect(lateAt).toBeLessThanOrEqual(before + CONCURRENCY);
    expect(order.slice(lateAt + 1).every((a) => a.code.startsWith('BF-'))).toBe(true);
    expect(order.length - 1 - lateAt).toBeGreaterThan(N / 2);

    // The limiter starts one dossier every 1000 / RATE ms across the worker: the k-th cannot reach
    // the portal before k intervals after the worker started (10 % for timer granularity).
    const gaps = order.map((a, k) => ({ k, after: a.at - t0, floor: (k * 1000 * 0.9) / RATE }));
    expect(gaps.filter((g) => g.after < g.floor)).toEqual([]);
    expect(await status()).toMatchObject({ pending: 0, backfillPending: 0, oldestLivePendingAt: null });
    expect(
      ((await api.request('GET', '/metrics')).body as string).match(/^portal_sync_live_lag_seconds (\S+)$/m)?.[1],
    ).toBe('0');
  }, 240_000);

  it('moves a dossier waiting with the history to the live lane when it changes live', async () => {
    const csv = join(dir, 'so-2.csv');
    writeFileSync(
      csv,
      [
        'Số hồ sơ,Mã TTHC,Đơn vị,Ngày nhận,Trạng thái',
        `BF-LANE,${BUILDING_PERMIT.code},H15.50,16/03/2026 08:00,Mới tiếp nhận`,
      ].join('\n'),
    );
    // The worker would send it at once: it is stopped while the lanes are looked at.
    await worker?.close();
    worker = undefined;
    expect(await api.app.get(BookImportService).run({ file: csv, source: SOURCE })).toMatchObject({ applied: 1 });
    const lane = async () =>
      (
        await pg.query(
          `SELECT p.backfill FROM portal_sync p JOIN dossiers d ON d.id = p.dossier_id WHERE d.code = 'BF-LANE'`,
        )
      ).rows[0].backfill as boolean;
    expect(await lane()).toBe(true);
    const d = (await admin('GET', '/dossiers?code=BF-LANE')).body.items[0];
    const res = await api.request('POST', `/dossiers/${d.id}/actions/forward`, {
      token: p.tokens.clerk,
      body: { expectedVersion: d.version },
    });
    expect(res.status).toBe(200);
    expect(await lane()).toBe(false);
    expect(await status()).toMatchObject({ pending: 1, backfillPending: 0 });
  });
});
