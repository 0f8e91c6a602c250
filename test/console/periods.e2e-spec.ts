/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { act, clockOf, intake } from '../public/support';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';
import { ARTIFACTS, check, CHROMIUM_ARGS } from './browser';

/**
 * Closed periods in the console ("Chốt số liệu"), in Chromium against the real API: the board
 * closes February 2026 (refused before it ended, for a bad label and a second time, in Vietnamese),
 * a late import then changes what February's figures would be, and the period's page lists the
 * adjustments (summed per figure and one by one, each dossier linked); the reports page of the
 * frozen period links there, March's carries the note. Only an admin reopens, with a reason and a
 * confirmation; a board member cannot, a unit head does not see the pages at all.
 *
 *  A received 02/02 08:00, resolved 03/02 10:00                      -> February: direct 1, early 1
 *  C imported on 06/03: received 10/02 08:00, resolved 20/02 09:00 (late) -> +1 received, +1 late
 */
describe('closed periods in the console', () => {
  jest.setTimeout(300_000);
  let api: Api;
  let p: Province;
  let base: string;
  let browser: Browser;
  let setNow: (local: string) => void;
  const contexts: BrowserContext[] = [];
  const lateCode = 'H15.50-260210-0901';
  let lateId = '';

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    api = await startApi();
    setNow = clockOf(api);
    setNow('2026-02-02T08:00:00');
    p = await buildProvince(api);
    const a = await intake(api, p);
    setNow('2026-02-03T10:00:00');
    await act(api, a.id, 'resolve', p.tokens.head, {
      expectedVersion: a.version,
      resultSummary: 'Đã cấp phép',
      electronicResult: false,
    });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const address = api.app.getHttpServer().address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await api?.close();
  });

  async function signIn(username: string, password = `${username}-password`): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/console/login`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login')), page.click('button[type=submit]')]);
    return page;
  }

  async function closeForm(page: Page, label: string) {
    await page.fill('#period', label);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/console/periods/close') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Chốt số liệu' }).click(),
    ]);
    await page.waitForLoadState();
    return res;
  }

  const flash = (page: Page) => page.locator('.flash').first().innerText();
  const rowsOf = (page: Page, table: string) =>
    page
      .locator(`table[aria-label="${table}"] tbody tr`)
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td as HTMLElement).innerText.trim())),
      );

  /** The 06a table's total row: "Tổng cộng", received total, online, direct, carried, resolved, early, on time, late… */
  const totals = (page: Page) =>
    page.locator('section[aria-labelledby="r06a"] table tbody tr').last().locator('th').allInnerTexts();

  let board: Page;

  it('lets the board close a period that has ended, with the service’s refusals in Vietnamese', async () => {
    board = await signIn('board');
    await board.getByRole('link', { name: 'Chốt số liệu' }).click();
    await board.waitForURL(/\/console\/periods$/);
    expect(await board.getByText('Chưa có kỳ báo cáo nào được chốt số liệu.').count()).toBe(1);
    await check(board, 'periods-empty');

    // Not ended yet.
    setNow('2026-02-27T10:00:00');
    let res = await closeForm(board, '2026-02');
    expect(res.status()).toBe(422);
    expect(await flash(board)).toBe('Kỳ báo cáo 2026-02 chưa kết thúc (đến hết ngày 2026-02-28); chưa chốt được.');
    // A label that is not a period: named, the example given, what was typed kept and marked.
    res = await closeForm(board, '2026-13');
    expect(res.status()).toBe(400);
    expect(await flash(board)).toBe(
      'Kỳ báo cáo: phải là năm (2026), 6 tháng (2026-H1), quý (2026-Q3) hoặc tháng (2026-09).',
    );
    expect(await board.inputValue('#period')).toBe('2026-13');
    expect(await board.getAttribute('#period', 'aria-invalid')).toBe('true');
    await check(board, 'periods-bad-label');

    setNow('2026-03-05T09:00:00');
    res = await closeForm(board, '2026-02');
    expect(res.status()).toBe(303);
    await board.waitForURL(/\/console\/periods\/2026-02\?closed=1$/);
    const api1 = (await api.request('GET', '/reports/periods', { token: p.tokens.board })).body.items;
    expect(api1).toHaveLength(1);
    const hash = api1[0].hash as string;
    expect(await flash(board)).toBe(`Đã chốt số liệu kỳ 2026-02 (phiên bản 1, mã kiểm tra ${hash.slice(0, 12)}…).`);
    expect(await rowsOf(board, 'Các phiên bản số liệu đã chốt của kỳ 2026-02')).toEqual([
      [
        '2026-02\nTháng 02 năm 2026',
        '1',
        'Đã chốt',
        '01/02/2026 — 28/02/2026',
        'board',
        '09:00 05/03/2026',
        `${hash.slice(0, 12)}…`,
        '—',
      ],
    ]);
    expect(await board.getByText('Chưa có điều chỉnh nào sau khi chốt.').count()).toBe(1);

    await board.goto(`${base}/console/periods`);
    res = await closeForm(board, '2026-02');
    expect(res.status()).toBe(409);
    expect(await flash(board)).toBe('Kỳ báo cáo 2026-02 đã được chốt số liệu.');
    const list = await rowsOf(board, 'Các kỳ đã chốt số liệu');
    expect(list.map((r) => r.slice(1, 3))).toEqual([['1', 'Đã chốt']]);
    await check(board, 'periods-list');
  });

  it('lists what a late import changed: per figure and per dossier, linked, with its cause', async () => {
    setNow('2026-03-06T10:00:00');
    const imported = await api.request('POST', '/imports/dossiers', {
      token: p.admin,
      body: {
        dossiers: [
          {
            ...intakeBody(),
            code: lateCode,
            receivedAt: '2026-02-10T08:00:00+07:00',
            events: [
              {
                action: 'resolve',
                at: '2026-02-20T09:00:00+07:00',
                resultSummary: 'Đã cấp phép',
                electronicResult: false,
              },
            ],
          },
        ],
      },
    });
    expect(imported.body).toMatchObject({ imported: 1, failed: [] });
    const api2 = (await api.request('GET', '/reports/periods/2026-02/adjustments', { token: p.tokens.board })).body
      .items as { dossierId: string; figure: string; cause: { at: string | null }; recordedAt: string }[];
    // Recorded when the database saw the change (its own clock, not the test's).
    const late = api2.find((a) => a.figure === 'resolvedLate')!;
    const at = (iso: string | null) =>
      iso
        ? new Intl.DateTimeFormat('vi-VN', {
            timeZone: 'Asia/Ho_Chi_Minh',
            day: '2-digit',
            month: '2-digit',
            year: 'numeric',
            hour: '2-digit',
            minute: '2-digit',
            hour12: false,
          }).format(new Date(iso))
        : '—';
    lateId = api2[0].dossierId;

    await board.goto(`${base}/console/periods`);
    await board.getByRole('link', { name: 'Xem điều chỉnh sau khi chốt của kỳ 2026-02, phiên bản 1' }).click();
    await board.waitForURL(/\/console\/periods\/2026-02$/);
    const summary = await rowsOf(board, 'Tổng hợp điều chỉnh theo chỉ tiêu');
    // One row per figure and part, as many as the API's distinct figures and parts.
    expect(summary).toHaveLength(
      new Set(api2.map((a) => JSON.stringify([a.figure, (a as { part?: string }).part]))).size,
    );
    // Version, figure, part, net change, dossiers, feedback, procedures, adjustments.
    expect(summary.slice(0, 2).sort()).toEqual(
      [
        ['1', 'Số hồ sơ nhận giải quyết - Trực tiếp/bưu chính', '—', '+1', '1', '0', '0', '1'],
        ['1', 'Số hồ sơ đã giải quyết - Quá hạn', '—', '+1', '1', '0', '0', '1'],
      ].sort(),
    );
    expect(summary).toContainEqual(['1', expect.stringMatching(/^Chỉ số .+/), 'Mẫu số', '+1', '1', '0', '0', '1']);
    const detail = await rowsOf(board, 'Chi tiết điều chỉnh');
    expect(detail).toHaveLength(api2.length);
    expect(detail).toContainEqual([
      '1',
      'Số hồ sơ đã giải quyết - Quá hạn',
      '—',
      '+1',
      `Hồ sơ ${lateCode}`,
      'Nhập bổ sung dữ liệu hồ sơ (nhập muộn)',
      at(late.cause.at),
      at(late.recordedAt),
    ]);
    // Nothing personal: the applicant's name, id number and phone are not on the page.
    const text = await board.locator('body').innerText();
    expect(text).not.toMatch(/Nguyễn Văn Bình|001085012345|0912345678/);
    await check(board, 'period-adjustments');

    // One figure only; the summary stays whole.
    await board.selectOption('#figure', 'resolvedLate');
    await Promise.all([board.waitForURL(/figure=resolvedLate/), board.getByRole('button', { name: 'Lọc' }).click()]);
    expect((await rowsOf(board, 'Chi tiết điều chỉnh')).map((r) => r[1])).toEqual(['Số hồ sơ đã giải quyết - Quá hạn']);
    expect(await rowsOf(board, 'Tổng hợp điều chỉnh theo chỉ tiêu')).toEqual(summary);

    // The dossier's code opens the dossier's page.
    await Promise.all([
      board.waitForURL(new RegExp(`/console/dossiers/${lateId}$`)),
      board.getByRole('link', { name: lateCode }).click(),
    ]);
    expect(await board.locator('h1').innerText()).toContain(lateCode);
  });

  it('the reports page of the closed period says it is frozen and links to its adjustments; March carries them', async () => {
    await board.goto(`${base}/console/reports?period=2026-02`);
    const note = board.locator('.frozen-note').first();
    expect(await note.innerText()).toContain('Số liệu đã chốt ngày 05/03/2026 (lúc 09:00, phiên bản 1');
    // The frozen 06a: one received (the import is not in it), nothing late.
    const total = await totals(board);
    expect([total[1], total[8]]).toEqual(['1', '0']);
    await check(board, 'reports-frozen');
    await Promise.all([
      board.waitForURL(/\/console\/periods\/2026-02$/),
      note.getByRole('link', { name: 'Xem các điều chỉnh sau khi chốt kỳ 2026-02' }).click(),
    ]);
    await board.goto(`${base}/console/reports?period=2026-03`);
    expect(await board.locator('.frozen-note').count()).toBe(0);
    const carried = await board.locator('.carried-note').first().innerText();
    expect(carried).toContain('Ghi chú: điều chỉnh số liệu kỳ 2026-02 đã chốt:');
    expect(carried).toContain('Số hồ sơ đã giải quyết - Quá hạn +1');
    expect(
      await board
        .locator('.carried-note')
        .first()
        .getByRole('link', { name: 'Chi tiết điều chỉnh kỳ 2026-02' })
        .count(),
    ).toBe(1);
  });

  it('a board member cannot reopen; a unit head sees neither the menu entry nor the pages', async () => {
    await board.goto(`${base}/console/periods/2026-02`);
    expect(await board.getByRole('heading', { name: 'Mở lại kỳ báo cáo' }).count()).toBe(0);
    // The form sent anyway (from the console's own origin): refused, nothing reopened.
    const status = await board.evaluate(async () => {
      const r = await fetch('/console/periods/2026-02/reopen', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'reason=th%E1%BB%AD&confirm=yes',
      });
      return r.status;
    });
    expect(status).toBe(403);
    const still = (await api.request('GET', '/reports/periods', { token: p.tokens.board })).body.items;
    expect(still.map((v: { status: string }) => v.status)).toEqual(['closed']);

    const head = await signIn('head');
    expect(await head.getByRole('link', { name: 'Chốt số liệu' }).count()).toBe(0);
    for (const path of ['/console/periods', '/console/periods/2026-02']) {
      const res = await head.goto(`${base}${path}`);
      expect([path, res!.status()]).toEqual([path, 403]);
    }
    // The head's reports page says the figures are frozen, without the link they cannot follow.
    await head.goto(`${base}/console/reports?period=2026-02`);
    const note = head.locator('.frozen-note').first();
    expect(await note.innerText()).toContain('Số liệu đã chốt ngày');
    expect(await note.getByRole('link').count()).toBe(0);
  });

  it('an admin reopens with a reason, after confirming; audited; the reports answer live again', async () => {
    const admin = await signIn('admin', 'admin-password-1');
    await admin.getByRole('link', { name: 'Chốt số liệu' }).click();
    await admin.goto(`${base}/console/periods/2026-02`);
    // A blank reason (spaces pass the browser's "required"): refused, in Vietnamese.
    await admin.fill('#reason', '   ');
    const [blank] = await Promise.all([
      admin.waitForResponse((r) => r.url().endsWith('/reopen') && r.request().method() === 'POST'),
      admin.getByRole('button', { name: 'Mở lại kỳ 2026-02…' }).click(),
    ]);
    expect(blank.status()).toBe(400);
    await admin.waitForLoadState();
    expect(await flash(admin)).toBe('Lý do: không được để trống.');
    expect(await admin.getAttribute('#reason', 'aria-invalid')).toBe('true');

    await admin.fill('#reason', 'Bổ sung hồ sơ nhập muộn');
    await Promise.all([
      admin.waitForResponse((r) => r.url().endsWith('/reopen') && r.request().method() === 'POST'),
      admin.getByRole('button', { name: 'Mở lại kỳ 2026-02…' }).click(),
    ]);
    await admin.waitForLoadState();
    // The confirmation: nothing reopened yet.
    expect(await admin.locator('h1').innerText()).toBe('Mở lại kỳ báo cáo 2026-02');
    expect(await admin.locator('#confirm-reason').innerText()).toBe('Bổ sung hồ sơ nhập muộn');
    const before = (await api.request('GET', '/reports/periods', { token: p.admin })).body.items;
    expect(before.map((v: { status: string }) => v.status)).toEqual(['closed']);
    await check(admin, 'period-reopen-confirm');
    await Promise.all([
      admin.waitForURL(/\/console\/periods\/2026-02\?reopened=1$/),
      admin.getByRole('button', { name: 'Xác nhận mở lại kỳ 2026-02' }).click(),
    ]);
    expect(await flash(admin)).toContain('Đã mở lại kỳ 2026-02 (phiên bản 1)');
    const row = (await rowsOf(admin, 'Các phiên bản số liệu đã chốt của kỳ 2026-02'))[0];
    expect(row[2]).toBe('Đã mở lại');
    expect(row[7]).toMatch(/^\d\d:\d\d \d\d\/\d\d\/2026\nLý do: Bổ sung hồ sơ nhập muộn$/);
    expect(await admin.getByRole('heading', { name: 'Mở lại kỳ báo cáo' }).count()).toBe(0);
    await check(admin, 'period-reopened');

    const after = (await api.request('GET', '/reports/periods', { token: p.admin })).body.items;
    expect(after).toEqual([
      expect.objectContaining({ version: 1, status: 'reopened', reopenReason: 'Bổ sung hồ sơ nhập muộn' }),
    ]);
    const audit: { action: string; details: { period: string; reason: string } }[] = await api.app
      .get(DataSource)
      .query(`SELECT action, details FROM audit_log WHERE action LIKE 'report_period.%' ORDER BY id`);
    expect(audit.map((a) => [a.action, a.details.period])).toEqual([
      ['report_period.close', '2026-02'],
      ['report_period.reopen', '2026-02'],
    ]);
    expect(audit[1].details.reason).toBe('Bổ sung hồ sơ nhập muộn');

    // Reopened: the reports of February are live again (three received), no frozen note.
    await admin.goto(`${base}/console/reports?period=2026-02`);
    expect(await admin.locator('.frozen-note').count()).toBe(0);
    const live = await totals(admin);
    expect([live[1], live[8]]).toEqual(['2', '1']);
    // Reopening again: there is nothing closed.
    const again = await admin.evaluate(async () => {
      const r = await fetch('/console/periods/2026-02/reopen', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'reason=l%E1%BA%A7n%20n%E1%BB%AFa&confirm=yes',
      });
      return [r.status, await r.text()] as const;
    });
    expect(again[0]).toBe(409);
    expect(again[1]).toContain('chưa được chốt số liệu (hoặc đã được mở lại)');
  });
});
