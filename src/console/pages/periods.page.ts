import { ACTION_LABELS, dateTime, num } from 'src/console/format';
import { html, Html } from 'src/console/html';
import type { AdjustmentDto, ClosedPeriodDto } from 'src/reports/dto/closed-periods.dto';
import { formatDate, periodName, REPORT_LABELS as L } from 'src/reports/export/labels';

/**
 * Closed periods (chốt số liệu) for the reform board and admins: the list of every version of
 * every closed period with a form to close one, and per period its versions, the adjustments
 * recorded since (what later changed the frozen figures) summed per figure, and the reopening
 * (admins, with a reason and a confirmation). Only what the API answers: no applicant's name.
 */

/** The causes of an adjustment that are not a dossier's action (docs/http-api.md "Closed periods"). */
export const CAUSE_LABELS: Record<string, string> = {
  import: 'Nhập bổ sung dữ liệu hồ sơ (nhập muộn)',
  calendar: 'Sửa lịch làm việc (tính lại thời hạn)',
  feedback_answer: 'Trả lời phản ánh',
  feedback_overdue: 'Phản ánh quá hạn chưa được trả lời',
  rating: 'Người dân đánh giá hồ sơ',
  feedback: 'Có phản ánh khác về hồ sơ',
  catalogue: 'Thay đổi danh mục thủ tục',
  online_use: 'Thay đổi hồ sơ hoặc thanh toán trực tuyến của thủ tục',
};

export const causeLabel = (action: string): string =>
  CAUSE_LABELS[action] ?? (ACTION_LABELS[action] ? `Hồ sơ: ${ACTION_LABELS[action]}` : action);

export const STATUS_LABELS: Record<ClosedPeriodDto['status'], string> = {
  closed: 'Đã chốt',
  reopened: 'Đã mở lại',
};

export const partLabel = (part: AdjustmentDto['part']): string =>
  part === 'numerator' ? 'Tử số' : part === 'denominator' ? 'Mẫu số' : '—';

/** A change with its sign: "+1", "−2" (a true minus sign), "0". */
export function signed(n: number): string {
  return n > 0 ? `+${num(n)}` : n < 0 ? `−${num(-n)}` : '0';
}

/** The name of a figure without its part (the part has its own column). */
export const figureName = (figure: string): string => L.figure(figure);

export interface FigureSummary {
  version: number;
  figure: string;
  part: AdjustmentDto['part'];
  delta: number;
  adjustments: number;
  dossiers: number;
  feedback: number;
  procedures: number;
}

/**
 * The adjustments summed per version, figure and part (the note of the next period's report sums
 * them the same way): the net change, and how many dossiers, feedback and procedures are behind it.
 * Form-06a figures first, then the index's, each in the order first recorded.
 */
export function summarise(items: readonly AdjustmentDto[]): FigureSummary[] {
  const groups = new Map<
    string,
    FigureSummary & { dossierIds: Set<string>; feedbackIds: Set<string>; procedureCodes: Set<string> }
  >();
  for (const a of items) {
    const key = `${a.version}|${a.figure}|${a.part ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        version: a.version,
        figure: a.figure,
        part: a.part,
        delta: 0,
        adjustments: 0,
        dossiers: 0,
        feedback: 0,
        procedures: 0,
        dossierIds: new Set(),
        feedbackIds: new Set(),
        procedureCodes: new Set(),
      };
      groups.set(key, g);
    }
    g.delta += a.delta;
    g.adjustments += 1;
    if (a.dossierId) g.dossierIds.add(a.dossierId);
    if (a.feedbackId) g.feedbackIds.add(a.feedbackId);
    if (a.procedureCode) g.procedureCodes.add(a.procedureCode);
  }
  const isIndex = (f: string) => f.startsWith('index:');
  return [...groups.values()]
    .map(({ dossierIds, feedbackIds, procedureCodes, ...g }) => ({
      ...g,
      dossiers: dossierIds.size,
      feedback: feedbackIds.size,
      procedures: procedureCodes.size,
    }))
    .sort((a, b) => a.version - b.version || Number(isIndex(a.figure)) - Number(isIndex(b.figure)));
}

const shortHash = (hash: string) => html`<code title="${hash}">${hash.slice(0, 12)}…</code>`;

function versionsTable(items: readonly ClosedPeriodDto[], label: string, withLinks: boolean): Html {
  return html`<div class="scroll">
    <table aria-label="${label}">
      <thead>
        <tr>
          <th>Kỳ báo cáo</th>
          <th class="n">Phiên bản</th>
          <th>Trạng thái</th>
          <th>Từ ngày — đến ngày</th>
          <th>Người chốt</th>
          <th>Thời điểm chốt</th>
          <th>Mã kiểm tra (SHA-256)</th>
          <th>Mở lại</th>
          ${withLinks ? html`<th><span class="muted">Điều chỉnh</span></th>` : ''}
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (v) =>
            html`<tr id="period-${v.period}-v${v.version}" class="${v.status === 'reopened' ? 'ended' : ''}">
              <td>${v.period}<br /><span class="muted">${periodName(v.period)}</span></td>
              <td class="n">${v.version}</td>
              <td><span class="badge">${STATUS_LABELS[v.status]}</span></td>
              <td class="nowrap">${formatDate(v.from)} — ${formatDate(v.to)}</td>
              <td>${v.closedByUsername ?? '—'}</td>
              <td class="nowrap">${dateTime(v.closedAt)}</td>
              <td>${shortHash(v.hash)}</td>
              <td>
                ${
                  v.status === 'reopened'
                    ? html`${dateTime(v.reopenedAt)}<br /><span class="muted">Lý do:</span> ${v.reopenReason ?? ''}`
                    : '—'
                }
              </td>
              ${
                withLinks
                  ? html`<td>
                      <a
                        href="/console/periods/${encodeURIComponent(v.period)}"
                        aria-label="Xem điều chỉnh sau khi chốt của kỳ ${v.period}, phiên bản ${v.version}"
                        >Xem điều chỉnh</a
                      >
                    </td>`
                  : ''
              }
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** The list of closed periods (every version) and the form to close one. */
export function periodsPage(items: readonly ClosedPeriodDto[], typed: string, invalid: boolean): Html {
  return html`<form method="post" action="/console/periods/close" class="card" aria-labelledby="close-h">
      <h2 id="close-h" style="margin-top:0">Chốt số liệu một kỳ báo cáo</h2>
      <p class="muted">
        Khi chốt, số liệu Mẫu 06a (theo đơn vị, lĩnh vực, thủ tục) và bộ chỉ số của kỳ được giữ nguyên như lúc chốt, kèm
        mã kiểm tra SHA-256. Thay đổi về sau (nhập muộn, sự kiện ghi sau) không làm đổi số đã chốt mà được ghi thành
        điều chỉnh. Chỉ chốt được kỳ đã kết thúc.
      </p>
      <div class="row">
        <div>
          <label for="period">Kỳ báo cáo <span class="req" aria-hidden="true">*</span></label>
          <input
            id="period"
            name="period"
            value="${typed}"
            required
            maxlength="10"
            autocomplete="off"
            aria-describedby="period-hint"
            ${invalid ? html`aria-invalid="true"` : ''}
          />
        </div>
        <div><button type="submit">Chốt số liệu</button></div>
      </div>
      <p id="period-hint" class="muted">Năm (2026), 6 tháng (2026-H1), quý (2026-Q3) hoặc tháng (2026-09).</p>
    </form>
    <section class="card" aria-labelledby="list-h">
      <h2 id="list-h" style="margin-top:0">Các kỳ đã chốt số liệu</h2>
      ${
        items.length
          ? versionsTable(items, 'Các kỳ đã chốt số liệu', true)
          : html`<p>Chưa có kỳ báo cáo nào được chốt số liệu.</p>`
      }
    </section>`;
}

/** What an adjustment is about: its dossier (linked), the feedback and its dossier, or a procedure. */
function subject(a: AdjustmentDto): Html {
  const dossier = a.dossierId
    ? html`<a href="/console/dossiers/${a.dossierId}">${a.dossierCode ?? a.dossierId}</a>`
    : a.dossierCode
      ? html`${a.dossierCode}`
      : null;
  if (a.feedbackId) return html`Phản ánh về hồ sơ ${dossier ?? '—'}`;
  if (dossier) return html`Hồ sơ ${dossier}`;
  if (a.procedureCode) return html`Thủ tục ${a.procedureCode}`;
  return html`—`;
}

export const ADJUSTMENTS_PAGE_SIZE = 200;

export interface PeriodView {
  period: string;
  versions: readonly ClosedPeriodDto[];
  items: readonly AdjustmentDto[];
  /** Only the adjustments of this figure in the detailed list (the summary covers them all). */
  figure: string;
  page: number;
  canReopen: boolean;
  reason: string;
  reasonInvalid: boolean;
}

/** One period: its versions, the adjustments summed per figure and in detail, and the reopening. */
export function periodPage(v: PeriodView): Html {
  const summary = summarise(v.items);
  const figures = [...new Set(v.items.map((a) => a.figure))];
  const shown = v.figure ? v.items.filter((a) => a.figure === v.figure) : v.items;
  const pages = Math.max(1, Math.ceil(shown.length / ADJUSTMENTS_PAGE_SIZE));
  const pageNo = Math.min(Math.max(1, v.page), pages);
  const rows = shown.slice((pageNo - 1) * ADJUSTMENTS_PAGE_SIZE, pageNo * ADJUSTMENTS_PAGE_SIZE);
  const self = (page: number) =>
    `/console/periods/${encodeURIComponent(v.period)}?${v.figure ? `figure=${encodeURIComponent(v.figure)}&` : ''}page=${page}#detail-h`;
  const closed = v.versions.find((x) => x.status === 'closed');
  return html`<p class="noprint">
      <a href="/console/periods">← Các kỳ đã chốt</a> ·
      <a href="/console/reports?period=${encodeURIComponent(v.period)}">Xem báo cáo 06a và chỉ số của kỳ ${v.period}</a>
    </p>
    <section class="card" aria-labelledby="versions-h">
      <h2 id="versions-h" style="margin-top:0">Các phiên bản số liệu đã chốt</h2>
      ${versionsTable(v.versions, `Các phiên bản số liệu đã chốt của kỳ ${v.period}`, false)}
      ${
        closed
          ? html`<p>
              Số liệu đang có hiệu lực: phiên bản ${closed.version}, chốt ngày ${dateTime(closed.closedAt)}. Báo cáo của
              kỳ trả lời theo số liệu này.
            </p>`
          : html`<p>Kỳ đang được mở lại: báo cáo của kỳ tính theo dữ liệu hiện tại cho đến khi chốt lại.</p>`
      }
    </section>
    <section class="card" aria-labelledby="summary-h">
      <h2 id="summary-h" style="margin-top:0">Tổng hợp điều chỉnh theo chỉ tiêu (${v.items.length} điều chỉnh)</h2>
      <p class="muted">
        Những thay đổi ghi nhận sau khi chốt, lẽ ra đã làm đổi số liệu của kỳ; số đã chốt giữ nguyên. Báo cáo của kỳ
        tiếp theo ghi chú các điều chỉnh này.
      </p>
      ${
        summary.length
          ? html`<div class="scroll">
              <table aria-label="Tổng hợp điều chỉnh theo chỉ tiêu">
                <thead>
                  <tr>
                    <th class="n">Phiên bản</th>
                    <th>Chỉ tiêu</th>
                    <th>Phần</th>
                    <th class="n">Tổng thay đổi</th>
                    <th class="n">Số hồ sơ</th>
                    <th class="n">Số phản ánh</th>
                    <th class="n">Số thủ tục</th>
                    <th class="n">Số điều chỉnh</th>
                  </tr>
                </thead>
                <tbody>
                  ${summary.map(
                    (s) =>
                      html`<tr>
                        <td class="n">${s.version}</td>
                        <td>${figureName(s.figure)}</td>
                        <td class="nowrap">${partLabel(s.part)}</td>
                        <td class="n"><strong>${signed(s.delta)}</strong></td>
                        <td class="n">${num(s.dossiers)}</td>
                        <td class="n">${num(s.feedback)}</td>
                        <td class="n">${num(s.procedures)}</td>
                        <td class="n">${num(s.adjustments)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p>Chưa có điều chỉnh nào sau khi chốt.</p>`
      }
    </section>
    ${
      v.items.length
        ? html`<section class="card" aria-labelledby="detail-h">
            <h2 id="detail-h" style="margin-top:0">Chi tiết điều chỉnh</h2>
            <form method="get" action="/console/periods/${encodeURIComponent(v.period)}" class="row noprint">
              <div>
                <label for="figure">Chỉ tiêu</label>
                <select id="figure" name="figure">
                  <option value="">Tất cả chỉ tiêu</option>
                  ${figures.map(
                    (f) => html`<option value="${f}" ${f === v.figure ? html`selected` : ''}>${figureName(f)}</option>`,
                  )}
                </select>
              </div>
              <div><button type="submit" class="secondary">Lọc</button></div>
            </form>
            <div class="scroll">
              <table aria-label="Chi tiết điều chỉnh">
                <thead>
                  <tr>
                    <th class="n">Phiên bản</th>
                    <th>Chỉ tiêu</th>
                    <th>Phần</th>
                    <th class="n">Thay đổi</th>
                    <th>Liên quan</th>
                    <th>Nguyên nhân</th>
                    <th>Thời điểm phát sinh</th>
                    <th>Ghi nhận lúc</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows.map(
                    (a) =>
                      html`<tr>
                        <td class="n">${a.version}</td>
                        <td>${figureName(a.figure)}</td>
                        <td class="nowrap">${partLabel(a.part)}</td>
                        <td class="n">${signed(a.delta)}</td>
                        <td class="nowrap">${subject(a)}</td>
                        <td>${causeLabel(a.cause.action)}</td>
                        <td class="nowrap">${dateTime(a.cause.at)}</td>
                        <td class="nowrap">${dateTime(a.recordedAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>
            ${
              pages > 1
                ? html`<p class="pager">
                    ${pageNo > 1 ? html`<a href="${self(pageNo - 1)}">Trang trước</a>` : ''}
                    <span>Trang ${pageNo}/${pages} (${num(shown.length)} điều chỉnh)</span>
                    ${pageNo < pages ? html`<a href="${self(pageNo + 1)}">Trang sau</a>` : ''}
                  </p>`
                : ''
            }
          </section>`
        : ''
    }
    ${
      v.canReopen && closed
        ? html`<section class="card noprint" aria-labelledby="reopen-h">
            <h2 id="reopen-h" style="margin-top:0">Mở lại kỳ báo cáo</h2>
            <p>
              Mở lại phiên bản ${closed.version}: báo cáo của kỳ sẽ tính theo dữ liệu hiện tại cho đến khi chốt lại
              thành phiên bản ${closed.version + 1}. Cả hai phiên bản vẫn xem được; việc mở lại được ghi nhật ký.
            </p>
            <form method="post" action="/console/periods/${encodeURIComponent(v.period)}/reopen">
              <label for="reason">Lý do mở lại <span class="req" aria-hidden="true">*</span></label>
              <textarea
                id="reason"
                name="reason"
                rows="3"
                required
                maxlength="2000"
                ${v.reasonInvalid ? html`aria-invalid="true"` : ''}
              >
${v.reason}</textarea>
              <button type="submit">Mở lại kỳ ${v.period}…</button>
            </form>
          </section>`
        : ''
    }`;
}

/** The confirmation asked before a period is reopened (the reason is carried in the form). */
export function reopenConfirmPage(period: string, version: ClosedPeriodDto, adjustments: number, reason: string): Html {
  return html`<section class="card" aria-labelledby="confirm-h">
    <h2 id="confirm-h" style="margin-top:0">Xác nhận mở lại kỳ ${period} (${periodName(period)})</h2>
    <dl class="facts">
      <dt>Phiên bản đang có hiệu lực</dt>
      <dd>${version.version}, chốt ngày ${dateTime(version.closedAt)} bởi ${version.closedByUsername ?? '—'}</dd>
      <dt>Mã kiểm tra</dt>
      <dd>${shortHash(version.hash)}</dd>
      <dt>Điều chỉnh đã ghi nhận</dt>
      <dd>${num(adjustments)}</dd>
      <dt>Lý do mở lại</dt>
      <dd id="confirm-reason">${reason}</dd>
    </dl>
    <p>Sau khi mở lại, báo cáo của kỳ tính theo dữ liệu hiện tại; số liệu phiên bản ${version.version} vẫn xem được.</p>
    <form method="post" action="/console/periods/${encodeURIComponent(period)}/reopen">
      <input type="hidden" name="reason" value="${reason}" />
      <input type="hidden" name="confirm" value="yes" />
      <button type="submit">Xác nhận mở lại kỳ ${period}</button>
      <a class="button secondary" href="/console/periods/${encodeURIComponent(period)}">Không mở lại</a>
    </form>
  </section>`;
}
