/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { Browser, chromium, Page } from 'playwright-core';
import { QueueService } from '../../src/jobs/queue.service';
import { PortalSyncHandler, PortalSyncRetry } from '../../src/portal-sync/portal-sync.handler';
import { PortalSyncSweepHandler } from '../../src/portal-sync/portal-sync-sweep.handler';
import { FakePortal } from '../integrations/support';
import { clockOf } from '../public/support';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';
import { ARTIFACTS, check, CHROMIUM_ARGS } from './browser';

/**
 * The failed-sync list ("hồ sơ đồng bộ lỗi") as an admin uses it, in Chromium against the real API
 * and a fake national portal (a real HTTP server answering error_code -1): the list with each
 * dossier's last error and attempts, "retry" for one and for all (jobs queued), the metric of the
 * list's length, and the admins' alert once the list grows past PORTAL_SYNC_ALERT_THRESHOLD (2).
 */
describe('the failed-sync list in the console', () => {
  let api: Api;
  let p: Province;
  let base: string;
  let browser: Browser;
  const portal = new FakePortal();
  const ids: { id: string; code: string }[] = [];

  const handler = () => api.app.get(PortalSyncHandler);
  const sweep = () => api.app.get(PortalSyncSweepHandler).handle({} as never);
  const failedMetric = async () => {
    const res = await api.request('GET', '/metrics');
    return Number(/^portal_sync_failed_dossiers (\d+)$/m.exec(res.body as string)?.[1]);
  };
  const alerts = async () =>
    (await api.request('GET', '/alerts?kind=portal_sync_failing', { token: p.admin })).body.items as {
      closedAt: string | null;
      dossierId: string | null;
      recipientUserId: string;
    }[];
  const queued = async () =>
    (await api.app.get(QueueService).queue('portal').getJobs(['waiting', 'delayed', 'prioritized'])).map(
      (j) => j.data.dossierId as string,
    );

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await portal.start();
    api = await startApi({
      ...portal.env(),
      PORTAL_SYNC_ALERT_THRESHOLD: '2',
    });
    clockOf(api)('2026-03-20T09:00:00');
    p = await buildProvince(api);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const address = api.app.getHttpServer().address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await portal.close();
  });

  async function signIn(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
    const page = await context.newPage();
    await page.goto(`${base}/console/login`);
    await page.fill('#username', 'admin');
    await page.fill('#password', 'admin-password-1');
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login')), page.click('button[type=submit]')]);
    return page;
  }

  it('alerts admins and counts in the metric once the list grows past the threshold', async () => {
    portal.mode = 'error';
    for (let i = 0; i < 3; i++) {
      const d = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
      ids.push({ id: d.id, code: d.code });
    }
    // Two failures: at the threshold, no alert yet.
    for (const d of ids.slice(0, 2))
      await expect(handler().handle({ dossierId: d.id })).rejects.toBeInstanceOf(PortalSyncRetry);
    await sweep();
    expect(await alerts()).toEqual([]);
    expect(await failedMetric()).toBe(2);
    // A third: past it. One open system alert per admin, not a second one at the next tick.
    await expect(handler().handle({ dossierId: ids[2].id })).rejects.toBeInstanceOf(PortalSyncRetry);
    await expect(handler().handle({ dossierId: ids[2].id })).rejects.toBeInstanceOf(PortalSyncRetry);
    expect(await failedMetric()).toBe(3);
    await sweep();
    await sweep();
    const open = await alerts();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ closedAt: null, dossierId: null });
    // Addressed to the admins only (the board sees every alert, none of them its own).
    const board = await api.request('GET', '/alerts?kind=portal_sync_failing', { token: p.tokens.board });
    const recipients = (board.body.items as { recipientUserId: string }[]).map((a) => a.recipientUserId);
    expect(recipients).not.toContain(p.userIds.board);
    expect(Object.values(p.userIds)).not.toContain(open[0].recipientUserId);
  });

  it('lists each failed dossier with its last error and attempts; retries one, then all', async () => {
    const page = await signIn();
    await page.getByRole('link', { name: 'Đồng bộ lỗi' }).click();
    await page.waitForURL(/\/console\/portal-sync$/);
    const rows = page.locator('table[aria-label="Hồ sơ đồng bộ lỗi"] tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await page.locator('#failed-count').textContent()).toBe('3');
    const last = page.locator(`#sync-${ids[2].id}`);
    expect(await last.locator('td').nth(1).textContent()).toBe(
      'DongBoHoSoMC: error_code -1: Dữ liệu không hợp lệ: MaTTHC',
    );
    expect(await last.locator('td.n').textContent()).toBe('2');
    await check(page, 'portal-sync-failures');

    const before = await queued();
    await page.getByRole('button', { name: `Đồng bộ lại hồ sơ ${ids[0].code}` }).click();
    await page.waitForURL(/queued=1/);
    expect(await page.getByText('Đã đưa 1 hồ sơ vào hàng đợi đồng bộ lại.').count()).toBe(1);
    const after = await queued();
    expect(after.filter((id) => id === ids[0].id).length).toBe(before.filter((id) => id === ids[0].id).length + 1);

    // The portal is back: the retried dossier syncs and leaves the list.
    portal.mode = 'ok';
    expect((await handler().handle({ dossierId: ids[0].id })).result).toBe('synced');
    await page.goto(`${base}/console/portal-sync`);
    expect(await rows.count()).toBe(2);

    await page.getByRole('button', { name: 'Đồng bộ lại tất cả (2)' }).click();
    await page.waitForURL(/queued=2/);
    const all = await queued();
    for (const d of ids.slice(1)) expect(all).toContain(d.id);
    for (const d of ids.slice(1)) expect((await handler().handle({ dossierId: d.id })).result).toBe('synced');
    await page.goto(`${base}/console/portal-sync`);
    expect(await page.getByText('Không có hồ sơ đồng bộ lỗi.').count()).toBe(1);
    await check(page, 'portal-sync-empty');
    // Back under the threshold: the next tick closes the alert; the metric says 0.
    await sweep();
    expect((await alerts()).every((a) => a.closedAt !== null)).toBe(true);
    expect(await failedMetric()).toBe(0);
  });

  it('is for admins only', async () => {
    const context = await browser.newContext({ locale: 'vi-VN' });
    const page = await context.newPage();
    await page.goto(`${base}/console/login`);
    await page.fill('#username', 'clerk');
    await page.fill('#password', 'clerk-password');
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login')), page.click('button[type=submit]')]);
    expect(await page.getByRole('link', { name: 'Đồng bộ lỗi' }).count()).toBe(0);
    const res = await page.goto(`${base}/console/portal-sync`);
    expect(res!.status()).toBe(403);
    await context.close();
  });
});
