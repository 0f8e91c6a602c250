import { num, percent } from 'src/console/format';
import { escapeHtml, html, Html, raw } from 'src/console/html';
import { signed } from 'src/console/pages/periods.page';
import { formatDate, REPORT_LABELS as L } from 'src/reports/export/labels';
import type { CarriedAdjustment, IndexReport, ProcessingReport } from 'src/reports/report.types';

export interface TrendPoint {
  label: string;
  onTimeShare: number | null;
}

/** Horizontal bars drawn as SVG (no chart library: a few rectangles and labels). */
function hbars(title: string, rows: { label: string; value: number; text: string }[], max: number): Html {
  const rowH = 24;
  const labelW = 220;
  const barW = 380;
  const h = rows.length * rowH + 10;
  const bars = rows
    .map((r, i) => {
      const w = max > 0 ? Math.max(0, (r.value / max) * barW) : 0;
      const y = i * rowH + 5;
      return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end" font-size="12">${escapeHtml(r.label)}</text>
<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="#0b4f8a"></rect>
<text x="${(labelW + w + 4).toFixed(1)}" y="${y + 15}" font-size="12">${escapeHtml(r.text)}</text>`;
    })
    .join('\n');
  return html`<figure>
    <figcaption>${title}</figcaption>
    <svg
      role="img"
      aria-label="${title}"
      width="100%"
      viewBox="0 0 ${labelW + barW + 80} ${h}"
      style="font-family:ConsoleSans,sans-serif;max-width:700px"
    >
      ${raw(bars)}
    </svg>
  </figure>`;
}

function vbars(title: string, points: TrendPoint[]): Html {
  const w = 40;
  const h = 160;
  const bars = points
    .map((p, i) => {
      const v = p.onTimeShare ?? 0;
      const bh = v * (h - 30);
      const x = 30 + i * w;
      return `<rect x="${x}" y="${(h - 20 - bh).toFixed(1)}" width="${w - 10}" height="${bh.toFixed(1)}" fill="#11512a"></rect>
<text x="${x + (w - 10) / 2}" y="${h - 6}" text-anchor="middle" font-size="11">${escapeHtml(p.label)}</text>
<text x="${x + (w - 10) / 2}" y="${(h - 24 - bh).toFixed(1)}" text-anchor="middle" font-size="10">${p.onTimeShare === null ? '—' : Math.round(v * 100) + '%'}</text>`;
    })
    .join('\n');
  return html`<figure>
    <figcaption>${title}</figcaption>
    <svg
      role="img"
      aria-label="${title}"
      width="100%"
      viewBox="0 0 ${40 + points.length * w} ${h}"
      style="font-family:ConsoleSans,sans-serif;max-width:700px"
    >
      ${raw(bars)}
    </svg>
  </figure>`;
}

const COLS: [keyof ProcessingReport['total'], string][] = [
  ['receivedTotal', 'Tổng nhận'],
  ['receivedOnline', 'Trực tuyến'],
  ['receivedDirect', 'Trực tiếp/BC'],
  ['carriedOver', 'Kỳ trước chuyển qua'],
  ['resolvedTotal', 'Đã giải quyết'],
  ['resolvedEarly', 'Trước hạn'],
  ['resolvedOnTime', 'Đúng hạn'],
  ['resolvedLate', 'Quá hạn'],
  ['withdrawn', 'Rút'],
  ['inProgressTotal', 'Đang giải quyết'],
  ['inProgressWithin', 'Trong hạn'],
  ['inProgressOverdue', 'Quá hạn'],
];

const onTime = (c: ProcessingReport['total']) =>
  c.resolvedTotal === 0 ? null : (c.resolvedEarly + c.resolvedOnTime) / c.resolvedTotal;

const periodLink = (period: string) => `/console/periods/${encodeURIComponent(period)}`;

/**
 * A closed period's report says so (when, which version, its hash) and, for those who may read
 * them (the board, admins), links to the adjustments recorded since it was closed.
 */
function frozenNote(
  period: string,
  r: { frozen?: boolean; version?: number; hash?: string; closedAt?: string },
  canSeePeriods: boolean,
): Html | '' {
  if (!r.frozen) return '';
  return html`<p class="flash ok frozen-note">
    Số liệu đã chốt ngày ${formatDate((r.closedAt ?? '').slice(0, 10))} (lúc ${(r.closedAt ?? '').slice(11, 16)}, phiên
    bản ${r.version ?? ''}, mã kiểm tra
    <code title="${r.hash ?? ''}">${(r.hash ?? '').slice(0, 12)}…</code>); thay đổi sau ngày chốt không làm đổi số liệu
    này. ${canSeePeriods ? html`<a href="${periodLink(period)}">Xem các điều chỉnh sau khi chốt kỳ ${period}</a>` : ''}
  </p>`;
}

/** The note of the period after a closed one: the adjustments carried from it. */
function carriedNote(items: CarriedAdjustment[] | undefined, canSeePeriods: boolean): Html | '' {
  if (!items?.length) return '';
  const periods = [...new Set(items.map((a) => a.period))];
  return html`<div class="flash ok carried-note">
    ${periods.map(
      (p) =>
        html`<p style="margin:0">
          Ghi chú: điều chỉnh số liệu kỳ ${p} đã chốt:
          ${items
            .filter((a) => a.period === p)
            .map((a) => `${L.figure(a.figure, a.part)} ${signed(a.delta)}`)
            .join('; ')}.
          ${canSeePeriods ? html`<a href="${periodLink(p)}">Chi tiết điều chỉnh kỳ ${p}</a>` : ''}
        </p>`,
    )}
  </div>`;
}

export function reportsPage(
  period: string,
  unitCode: string,
  processing: ProcessingReport,
  index: IndexReport,
  trend: TrendPoint[],
  canSeePeriods = false,
): Html {
  const q = (kind: string, format: string) =>
    `/console/reports/export?report=${kind}&period=${encodeURIComponent(period)}&unitCode=${encodeURIComponent(unitCode)}&format=${format}`;
  const exports = (kind: string, label: string) =>
    html`<p class="noprint">
      ${label}:
      ${['xlsx', 'csv', 'pdf'].map(
        (f) => html`<a class="button secondary" href="${q(kind, f)}" download>Tải ${f.toUpperCase()}</a> `,
      )}
    </p>`;
  return html`<form method="get" action="/console/reports" class="card row">
      <div>
        <label for="period">Kỳ báo cáo (năm, 6 tháng, quý hoặc tháng)</label>
        <input
          id="period"
          name="period"
          value="${period}"
          pattern="\\d{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?"
          aria-describedby="period-hint"
        />
      </div>
      <div>
        <label for="unitCode">Mã đơn vị (để trống: toàn bộ phạm vi của bạn)</label
        ><input id="unitCode" name="unitCode" value="${unitCode}" />
      </div>
      <div><button type="submit">Xem báo cáo</button></div>
      <p id="period-hint" class="muted" style="flex-basis:100%">
        Ví dụ: 2026, 2026-H1, 2026-Q1, 2026-03. Từ ${processing.from} đến ${processing.to}.
      </p>
    </form>
    <section class="card" aria-labelledby="r06a">
      <h2 id="r06a">Tình hình, kết quả giải quyết TTHC (Mẫu 06a) — ${processing.unitName}</h2>
      ${frozenNote(period, processing, canSeePeriods)} ${carriedNote(processing.carriedAdjustments, canSeePeriods)}
      ${exports('processing', 'Xuất báo cáo 06a')}
      <div style="overflow-x:auto">
        <table>
          <thead>
            <tr>
              <th>Đơn vị</th>
              ${COLS.map(([, l]) => html`<th class="n">${l}</th>`)}
              <th class="n">Tỷ lệ đúng hạn</th>
            </tr>
          </thead>
          <tbody>
            ${processing.rows.map(
              (r) =>
                html`<tr>
                  <td>${r.unitCode} — ${r.unitName}</td>
                  ${COLS.map(([k]) => html`<td class="n">${num(r[k])}</td>`)}
                  <td class="n">${percent(onTime(r))}</td>
                </tr>`,
            )}
            <tr>
              <th>Tổng cộng</th>
              ${COLS.map(([k]) => html`<th class="n">${num(processing.total[k])}</th>`)}
              <th class="n">${percent(onTime(processing.total))}</th>
            </tr>
          </tbody>
        </table>
      </div>
      <div class="charts">
        ${hbars(
          'Tỷ lệ giải quyết đúng hạn và trước hạn theo đơn vị',
          processing.rows.map((r) => ({ label: r.unitName, value: onTime(r) ?? 0, text: percent(onTime(r)) })),
          1,
        )}
        ${vbars('Tỷ lệ đúng hạn theo tháng', trend)}
      </div>
    </section>
    <section class="card" aria-labelledby="r766">
      <h2 id="r766">Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766)</h2>
      ${frozenNote(period, index, canSeePeriods)} ${carriedNote(index.carriedAdjustments, canSeePeriods)}
      ${exports('index', 'Xuất bảng chỉ số')}
      <table>
        <thead>
          <tr>
            <th class="n">Hạng</th>
            <th>Đơn vị</th>
            <th class="n">Tổng điểm</th>
            <th>Xếp loại</th>
            ${index.units[0]?.groups.map((g) => html`<th class="n">${g.label} (${g.max})</th>`) ?? ''}
          </tr>
        </thead>
        <tbody>
          ${index.units.map(
            (u) =>
              html`<tr>
                <td class="n">${u.rank}</td>
                <td>${u.unitCode} — ${u.unitName}</td>
                <td class="n">${u.total.toFixed(2)}</td>
                <td>${u.band ?? ''}</td>
                ${u.groups.map((g) => html`<td class="n">${g.points.toFixed(2)}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
      ${hbars(
        'Tổng điểm chỉ số theo thứ hạng',
        index.units.map((u) => ({ label: `${u.rank}. ${u.unitName}`, value: u.total, text: u.total.toFixed(2) })),
        100,
      )}
      ${exports('officials', 'Xuất kết quả xử lý của cán bộ')}
    </section>`;
}
