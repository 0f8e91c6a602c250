/**
 * The transparency pages (no sign-in): the lobby board (/bang-tin), a Full-HD screen read from five
 * metres that refreshes itself and says when it lost the connection, and the public statistics
 * (/thong-ke), usable on a phone. Vietnamese; everything a person reads is here. No personal data:
 * the board shows applicants as a masked name only.
 */
import { html, Html, raw } from 'src/console/html';
import type { PublicBoardDto, PublicStatsDto } from 'src/transparency/dto/transparency.dto';

export const T = {
  boardTitle: 'Bảng thông tin giải quyết thủ tục hành chính',
  statsTitle: 'Thống kê giải quyết thủ tục hành chính',
  today: 'Hôm nay',
  unit: 'Đơn vị',
  received: 'Tiếp nhận',
  within: 'Đang giải quyết trong hạn',
  overdue: 'Đang quá hạn',
  ready: 'Có kết quả chờ trả',
  returned: 'Đã trả kết quả',
  monthRate: 'Tỷ lệ giải quyết trước hạn và đúng hạn tháng này',
  readyList: 'Hồ sơ đã có kết quả – mời công dân đến nhận',
  noneReady: 'Chưa có hồ sơ chờ trả kết quả.',
  updatedAt: 'Cập nhật lúc',
  offline: 'Mất kết nối tới máy chủ – số liệu có thể chưa mới. Đang thử kết nối lại…',
  code: 'Mã hồ sơ',
  procedure: 'Thủ tục',
  applicant: 'Người nộp',
  period: 'Kỳ thống kê',
  groupBy: 'Thống kê theo',
  byUnit: 'Đơn vị',
  byField: 'Lĩnh vực',
  unitCode: 'Mã đơn vị (để trống: toàn tỉnh)',
  show: 'Xem thống kê',
  download: 'Tải dữ liệu mở',
  field: 'Lĩnh vực',
  resolved: 'Đã giải quyết',
  early: 'Trước hạn',
  onTime: 'Đúng hạn',
  late: 'Quá hạn',
  overdueNow: 'Đang quá hạn',
  onTimeRate: 'Tỷ lệ đúng hạn',
  satisfaction: 'Hài lòng',
  rank: 'Xếp hạng chỉ số',
  computedAt: (at: string, from: string, to: string) => `Số liệu từ ${from} đến ${to}, tính lúc ${at}.`,
  frozen: 'Số liệu của kỳ đã chốt.',
  none: 'Không có số liệu trong kỳ này.',
};

const pct = (r: number | null) =>
  r === null ? '–' : `${(r * 100).toLocaleString('vi-VN', { maximumFractionDigits: 1 })}%`;
const dmy = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;
const hm = (iso: string) => `${iso.slice(11, 16)} ${dmy(iso.slice(0, 10))}`;

const FONTS = `
@font-face { font-family: 'ConsoleSans'; src: url('/console/assets/sans.ttf') format('truetype'); font-weight: 400; font-display: block; }
@font-face { font-family: 'ConsoleSans'; src: url('/console/assets/sans-bold.ttf') format('truetype'); font-weight: 700; font-display: block; }`;

const BOARD_CSS = `${FONTS}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font-family: 'ConsoleSans', sans-serif; background: #0b2540; color: #fff; font-size: 26px; line-height: 1.3; overflow: hidden; }
.wrap { display: grid; grid-template-rows: auto auto 1fr; height: 100vh; padding: 24px 40px; gap: 20px; }
header { display: flex; align-items: baseline; justify-content: space-between; border-bottom: 4px solid #f0b400; padding-bottom: 12px; }
h1 { font-size: 44px; margin: 0; } .sub { font-size: 28px; color: #d5e3f0; }
.status { font-size: 24px; color: #d5e3f0; }
.offline { display: none; background: #b3261e; color: #fff; font-weight: 700; padding: 10px 20px; border-radius: 8px; font-size: 28px; }
body.is-offline .offline { display: block; }
table { width: 100%; border-collapse: collapse; font-size: 30px; }
th, td { padding: 8px 14px; border-bottom: 2px solid #24496e; text-align: left; }
th { color: #f0b400; font-size: 24px; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; font-weight: 700; }
td.bad { color: #ffb4ab; } td.good { color: #a8f0c0; }
.rate { font-size: 30px; } .rate strong { font-size: 54px; color: #a8f0c0; margin-left: 12px; }
.bottom { display: grid; grid-template-columns: 1fr; min-height: 0; }
.readybox { background: #10345a; border-radius: 10px; padding: 12px 24px; min-height: 0; display: flex; flex-direction: column; }
.readybox h2 { font-size: 32px; margin: 4px 0 10px; color: #f0b400; }
.viewport { overflow: hidden; flex: 1; position: relative; }
.scroll { animation: scroll var(--scroll-seconds, 40s) linear infinite; }
.scroll.still { animation: none; }
.ready-row { display: grid; grid-template-columns: 380px 1fr 300px; gap: 20px; padding: 6px 0; border-bottom: 1px solid #24496e; font-size: 30px; }
@keyframes scroll { from { transform: translateY(0); } to { transform: translateY(-50%); } }
@media (prefers-reduced-motion: reduce) { .scroll { animation: none; } }`;

function boardRows(b: PublicBoardDto): Html {
  return html`${b.today.map(
    (u) =>
      html`<tr>
        <td>${u.unitName}</td>
        <td class="n">${u.received}</td>
        <td class="n good">${u.inProgressWithin}</td>
        <td class="n ${u.inProgressOverdue > 0 ? 'bad' : ''}">${u.inProgressOverdue}</td>
        <td class="n">${u.readyForCollection}</td>
        <td class="n">${u.returned}</td>
      </tr>`,
  )}`;
}

function readyRows(b: PublicBoardDto): Html {
  if (b.ready.length === 0) return html`<p>${T.noneReady}</p>`;
  return html`${b.ready.map(
    (r) =>
      html`<div class="ready-row">
        <span>${r.code}</span><span>${r.procedureName}</span><span>${r.applicantMasked}</span>
      </div>`,
  )}`;
}

/** The lobby board. The script re-reads /api/v1/public/board every `refreshSeconds` and redraws it. */
export function boardPage(b: PublicBoardDto, unitCode: string | null, refreshSeconds: number): Html {
  const api = `/api/v1/public/board${unitCode ? `?unitCode=${encodeURIComponent(unitCode)}` : ''}`;
  return html`<!doctype html>
    <html lang="vi">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${T.boardTitle} · ${b.unitName}</title>
        <style>
          ${raw(BOARD_CSS)}
        </style>
      </head>
      <body>
        <main class="wrap" id="main">
          <header>
            <div>
              <h1>${T.boardTitle}</h1>
              <div class="sub">${b.unitName}</div>
            </div>
            <div class="status" role="status" aria-live="polite">
              ${T.updatedAt} <span id="updated">${hm(b.computedAt)}</span>
            </div>
          </header>
          <div>
            <div class="offline" id="offline" role="alert">${T.offline}</div>
            <table>
              <caption class="rate" style="text-align:left;caption-side:bottom;padding-top:10px">
                ${T.monthRate}:
                <strong id="rate">${pct(b.monthOnTimeRate)}</strong>
              </caption>
              <thead>
                <tr>
                  <th scope="col">${T.unit} – ${T.today}</th>
                  <th scope="col" class="n">${T.received}</th>
                  <th scope="col" class="n">${T.within}</th>
                  <th scope="col" class="n">${T.overdue}</th>
                  <th scope="col" class="n">${T.ready}</th>
                  <th scope="col" class="n">${T.returned}</th>
                </tr>
              </thead>
              <tbody id="today">
                ${boardRows(b)}
              </tbody>
            </table>
          </div>
          <section class="readybox" aria-labelledby="ready-h">
            <h2 id="ready-h">${T.readyList}</h2>
            <div class="viewport"><div class="scroll" id="ready">${readyRows(b)}</div></div>
          </section>
        </main>
        <script>
          ${raw(boardScript(api, refreshSeconds))};
        </script>
      </body>
    </html>`;
}

/** The board's own script: polling, redraw, the offline banner, and the scrolling list. */
function boardScript(api: string, refreshSeconds: number): string {
  return `(() => {
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const pct = (r) => r === null ? '–' : (r * 100).toLocaleString('vi-VN', { maximumFractionDigits: 1 }) + '%';
  const hm = (iso) => iso.slice(11, 16) + ' ' + iso.slice(8, 10) + '/' + iso.slice(5, 7) + '/' + iso.slice(0, 4);
  const list = document.getElementById('ready');
  const fit = () => {
    // Scroll only when the list is taller than its box; then it is doubled so the loop is seamless.
    const box = list.parentElement;
    list.classList.add('still');
    list.querySelectorAll('[data-copy]').forEach((n) => n.remove());
    if (list.scrollHeight > box.clientHeight) {
      for (const n of [...list.children]) { const c = n.cloneNode(true); c.setAttribute('data-copy', ''); c.setAttribute('aria-hidden', 'true'); list.appendChild(c); }
      list.style.setProperty('--scroll-seconds', Math.max(20, list.children.length * 2) + 's');
      list.classList.remove('still');
    }
  };
  const draw = (b) => {
    document.getElementById('today').innerHTML = b.today.map((u) => '<tr><td>' + esc(u.unitName) + '</td><td class="n">' + u.received +
      '</td><td class="n good">' + u.inProgressWithin + '</td><td class="n ' + (u.inProgressOverdue > 0 ? 'bad' : '') + '">' + u.inProgressOverdue +
      '</td><td class="n">' + u.readyForCollection + '</td><td class="n">' + u.returned + '</td></tr>').join('');
    document.getElementById('rate').textContent = pct(b.monthOnTimeRate);
    document.getElementById('updated').textContent = hm(b.computedAt);
    list.innerHTML = b.ready.length ? b.ready.map((r) => '<div class="ready-row"><span>' + esc(r.code) + '</span><span>' + esc(r.procedureName) +
      '</span><span>' + esc(r.applicantMasked) + '</span></div>').join('') : '<p>${T.noneReady}</p>';
    fit();
  };
  const tick = async () => {
    try {
      const res = await fetch(${JSON.stringify(api)}, { cache: 'no-store' });
      if (!res.ok) throw new Error(String(res.status));
      draw(await res.json());
      document.body.classList.remove('is-offline');
    } catch {
      document.body.classList.add('is-offline');
    } finally {
      setTimeout(tick, ${refreshSeconds * 1000});
    }
  };
  fit();
  setTimeout(tick, ${refreshSeconds * 1000});
})();`;
}

const STATS_CSS = `
.table-wrap { overflow-x: auto; }
.stats-form { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; }
.stats-form > div { flex: 1 1 160px; }
.downloads a { margin-right: 16px; }`;

/** The public statistics page (server-rendered; the downloads are the API's JSON and CSV). */
export function statsPage(s: PublicStatsDto, q: { period: string; unitCode: string; groupBy: string }): Html {
  const qs = new URLSearchParams({
    period: s.period,
    groupBy: s.groupBy,
    ...(q.unitCode ? { unitCode: q.unitCode } : {}),
  });
  const byField = s.groupBy === 'field';
  return html`<style>
      ${raw(STATS_CSS)}
    </style>
    <form method="get" action="/thong-ke" class="card stats-form" aria-label="${T.statsTitle}">
      <div>
        <label for="period">${T.period}</label>
        <input
          id="period"
          name="period"
          value="${q.period}"
          placeholder="2026-Q1"
          pattern="\\d{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?"
        />
      </div>
      <div>
        <label for="groupBy">${T.groupBy}</label>
        <select id="groupBy" name="groupBy">
          <option value="unit" ${byField ? '' : raw('selected')}>${T.byUnit}</option>
          <option value="field" ${byField ? raw('selected') : ''}>${T.byField}</option>
        </select>
      </div>
      <div>
        <label for="unitCode">${T.unitCode}</label>
        <input id="unitCode" name="unitCode" value="${q.unitCode}" />
      </div>
      <div><button type="submit">${T.show}</button></div>
    </form>
    <p class="muted">${T.computedAt(hm(s.computedAt), dmy(s.from), dmy(s.to))} ${s.frozen ? T.frozen : ''}</p>
    <p class="downloads">
      ${T.download}: <a href="/api/v1/public/stats?${qs.toString()}&amp;format=csv" download>CSV</a>
      <a href="/api/v1/public/stats?${qs.toString()}">JSON</a>
    </p>
    ${
      s.rows.length === 0
        ? html`<p>${T.none}</p>`
        : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Bảng số liệu">
            <table>
              <caption class="muted" style="text-align:left">
                ${s.unitName} · ${s.period}
              </caption>
              <thead>
                <tr>
                  <th scope="col">${byField ? T.field : T.unit}</th>
                  <th scope="col" class="n">${T.received}</th>
                  <th scope="col" class="n">${T.resolved}</th>
                  <th scope="col" class="n">${T.early}</th>
                  <th scope="col" class="n">${T.onTime}</th>
                  <th scope="col" class="n">${T.late}</th>
                  <th scope="col" class="n">${T.overdueNow}</th>
                  <th scope="col" class="n">${T.onTimeRate}</th>
                  <th scope="col" class="n">${T.satisfaction}</th>
                  ${byField ? '' : html`<th scope="col" class="n">${T.rank}</th>`}
                </tr>
              </thead>
              <tbody>
                ${s.rows.map(
                  (r) =>
                    html`<tr>
                      <th scope="row">${byField ? r.field : r.unitName}</th>
                      <td class="n">${r.received}</td>
                      <td class="n">${r.resolved}</td>
                      <td class="n">${r.resolvedEarly}</td>
                      <td class="n">${r.resolvedOnTime}</td>
                      <td class="n">${r.resolvedLate}</td>
                      <td class="n">${r.overdueNow}</td>
                      <td class="n">${pct(r.onTimeRate)}</td>
                      <td class="n">${pct(r.satisfaction)}</td>
                      ${byField ? '' : html`<td class="n">${r.indexRank ?? '–'}</td>`}
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
}
