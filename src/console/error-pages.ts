import { Injectable } from '@nestjs/common';
import { type ErrorBody, type HtmlErrorPages, NOT_FOUND_MESSAGE } from 'src/common/error.filter';
import { html } from 'src/console/html';
import { page } from 'src/console/layout';

/** Page titles by status; the message under the title is the error's own (already in Vietnamese). */
const TITLES: Record<number, string> = {
  400: 'Yêu cầu không hợp lệ',
  401: 'Cần đăng nhập',
  403: 'Không có quyền',
  404: 'Không tìm thấy',
  405: 'Không tìm thấy',
  409: 'Dữ liệu đã thay đổi',
  413: 'Dữ liệu gửi lên quá lớn',
  415: 'Yêu cầu không hợp lệ',
  429: 'Quá nhiều yêu cầu',
  503: 'Hệ thống tạm thời chưa phục vụ được',
};

/** The API's generic "not found" says too little to a person who followed a link or typed an address. */
const NOT_FOUND_HERE = 'Không có trang hoặc hồ sơ ở địa chỉ này; đường dẫn có thể bị gõ sai hoặc thiếu một phần.';

/** Where a person goes from the error: the area's first page. */
function areaOf(url: string): { home: string; label: string } | null {
  const path = url.split('?')[0];
  if (/^\/console(\/|$)/.test(path)) return { home: '/console', label: 'Về trang chính' };
  if (/^\/tra-cuu(\/|$)/.test(path)) return { home: '/tra-cuu', label: 'Về trang tra cứu' };
  return null;
}

/**
 * The console's and the citizens' pages, when a browser meets an error the page did not answer
 * itself: an unknown address, a malformed id in a link, a form refused before it reached the page
 * (400), the database unavailable (503, with "try again"), a fault (500). The page says what
 * happened in the error's own words, where to go, and the request id that the logs carry (for the
 * administrator; it reveals nothing else). No user menu: the page may answer before any session
 * was read.
 */
@Injectable()
export class ConsoleErrorPages implements HtmlErrorPages {
  render(method: string, url: string, body: ErrorBody): string | null {
    const area = areaOf(url);
    if (!area) return null;
    const title = TITLES[body.statusCode] ?? 'Lỗi hệ thống';
    const again = body.statusCode === 503 || body.statusCode === 429;
    const message = body.statusCode === 404 && body.message === NOT_FOUND_MESSAGE ? NOT_FOUND_HERE : body.message;
    return page({
      title,
      user: null,
      body: html`<div class="card" role="alert">
        <p>${message}</p>
        ${
          body.details?.length
            ? html`<ul>
                ${body.details.map((d) => html`<li>${d.field ? html`<strong>${d.field}</strong>: ` : ''}${d.message}</li>`)}
              </ul>`
            : ''
        }
        ${
          again
            ? method === 'GET'
              ? html`<p>Vui lòng đợi giây lát rồi <a href="${url}">thử lại</a>.</p>`
              : html`<p>
                  Vui lòng đợi giây lát, quay lại trang trước, xem thao tác đã được ghi nhận chưa rồi mới gửi lại.
                </p>`
            : ''
        }
        <p><a href="${area.home}">${area.label}</a></p>
        ${body.requestId ? html`<p class="muted">Mã yêu cầu (để báo quản trị hệ thống): <code>${body.requestId}</code></p>` : ''}
      </div>`,
    }).value;
  }
}
