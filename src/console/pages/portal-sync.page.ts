import { dateTime } from 'src/console/format';
import { html, Html } from 'src/console/html';
import type { FailureDto, SyncStatus } from 'src/portal-sync/portal-sync.service';

/** "2 giờ 05 phút" / "4 phút" / "dưới 1 phút". */
function duration(seconds: number): string {
  if (seconds < 60) return 'dưới 1 phút';
  const h = Math.floor(seconds / 3600);
  const m = Math.ceil((seconds % 3600) / 60);
  return h ? `${h} giờ ${String(m).padStart(2, '0')} phút` : `${m} phút`;
}

/**
 * The failed-sync list ("hồ sơ đồng bộ lỗi") for admins: per dossier the last error of its sync to
 * the national portal and the attempts so far, a retry per dossier and one for the whole list.
 */
export function portalSyncPage(items: FailureDto[], status: SyncStatus, next: string | null): Html {
  return html`<p>
      Đang chờ đồng bộ: <strong>${status.pending}</strong> hồ
      sơ${status.oldestPendingAt ? html` (cũ nhất từ ${dateTime(status.oldestPendingAt)})` : ''}. Đồng bộ lỗi:
      <strong id="failed-count">${status.failed}</strong> hồ sơ.
    </p>
    <p id="sync-backlog">
      Hồ sơ phát sinh mới chờ gửi: <strong>${status.pending - status.backfillPending}</strong>${
        status.oldestLivePendingAt ? html` (cũ nhất từ ${dateTime(status.oldestLivePendingAt)})` : ''
      }.
      Lịch sử nạp từ tệp chờ gửi: <strong>${status.backfillPending}</strong> hồ sơ (gửi sau hồ sơ phát sinh mới).
      ${
        status.dossiersPerSecond !== null
          ? html`Tốc độ gửi tối đa ${status.dossiersPerSecond} hồ
            sơ/giây${status.drainSeconds ? html`; ước tính còn ${duration(status.drainSeconds)} để gửi hết` : ''}.`
          : 'Không giới hạn tốc độ gửi.'
      }
    </p>
    ${
      items.length
        ? html`<form method="post" action="/console/portal-sync/retry">
            <button type="submit">Đồng bộ lại tất cả (${status.failed})</button>
          </form>`
        : ''
    }
    <table aria-label="Hồ sơ đồng bộ lỗi">
      <thead>
        <tr>
          <th>Mã hồ sơ</th>
          <th>Lỗi gần nhất</th>
          <th class="n">Số lần thử</th>
          <th>Lần thử cuối</th>
          <th>Lỗi từ</th>
          <th><span class="muted">Thao tác</span></th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (f) =>
            html`<tr id="sync-${f.dossierId}" class="overdue">
              <td><a href="/console/dossiers/${f.dossierId}">${f.dossierCode}</a></td>
              <td>${f.lastError ?? '—'}</td>
              <td class="n">${f.attempts}</td>
              <td>${dateTime(f.lastAttemptAt)}</td>
              <td>${dateTime(f.failingSince)}</td>
              <td>
                <form method="post" action="/console/portal-sync/${f.dossierId}/retry">
                  <button type="submit" aria-label="Đồng bộ lại hồ sơ ${f.dossierCode}">Đồng bộ lại</button>
                </form>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${items.length === 0 ? html`<p>Không có hồ sơ đồng bộ lỗi.</p>` : ''}
    ${next ? html`<p><a href="/console/portal-sync?cursor=${encodeURIComponent(next)}">Trang sau</a></p>` : ''}`;
}
