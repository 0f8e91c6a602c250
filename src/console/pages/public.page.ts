import { dateTime } from 'src/console/format';
import { html, Html } from 'src/console/html';
import type { PublicDossierDto } from 'src/public/dto/public.dto';

const CRITERIA = [
  'Thời gian giải quyết so với quy định',
  'Thời gian tại từng cơ quan tham gia',
  'Số lần liên hệ để hoàn thiện hồ sơ',
  'Số cơ quan phải liên hệ',
  'Việc tiếp nhận tại Bộ phận Một cửa',
  'Việc công khai thủ tục hành chính',
  'Thái độ của công chức',
  'Việc tiếp nhận, xử lý phản ánh, kiến nghị',
  'Tiến độ, chất lượng dịch vụ công trực tuyến',
];

export function publicPage(
  code: string,
  d: PublicDossierDto | null,
  message: { kind: 'ok' | 'error'; text: string } | null,
): Html {
  return html`${message ? html`<div class="flash ${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}">${message.text}</div>` : ''}
    <form method="get" action="/tra-cuu" class="card" role="search">
      <label for="code">Mã hồ sơ (in trên giấy tiếp nhận)</label>
      <input id="code" name="code" value="${code}" required placeholder="H15.50-260213-0007" />
      <button type="submit">Tra cứu</button>
    </form>
    ${
      d
        ? html`<section class="card" aria-labelledby="result-h">
              <h2 id="result-h">Hồ sơ ${d.code}</h2>
              <p>${d.procedureName}</p>
              <p>Trạng thái: <strong>${d.statusLabel}</strong></p>
              <p>
                Ngày tiếp nhận: ${dateTime(d.receivedAt)}<br />Hẹn trả kết quả: ${dateTime(d.promisedAt ?? d.dueAt)}
                ${d.endedAt ? html`<br />Đã có kết quả: ${dateTime(d.endedAt)}` : ''}
              </p>
            </section>
            ${
              d.endedAt && !d.rated
                ? html`<section class="card" aria-labelledby="rate-h">
                    <h2 id="rate-h">Đánh giá mức độ hài lòng</h2>
                    <form method="post" action="/tra-cuu/${d.code}/danh-gia">
                      <label for="rate-key">Mã tra cứu (trên giấy tiếp nhận)</label
                      ><input id="rate-key" name="lookupKey" required autocomplete="off" />
                      ${CRITERIA.map(
                        (c, i) =>
                          html`<fieldset style="border:0;padding:0;margin:8px 0">
                            <legend style="font-weight:700">${i + 1}. ${c}</legend>
                            <label style="display:inline;font-weight:400"
                              ><input type="radio" name="c${i}" value="2" required /> Hài lòng</label
                            >
                            <label style="display:inline;font-weight:400;margin-left:10px"
                              ><input type="radio" name="c${i}" value="1" /> Bình thường</label
                            >
                            <label style="display:inline;font-weight:400;margin-left:10px"
                              ><input type="radio" name="c${i}" value="0" /> Không hài lòng</label
                            >
                          </fieldset>`,
                      )}
                      <label for="verdict">Đánh giá chung</label
                      ><select id="verdict" name="verdict">
                        <option value="very_satisfied">Rất hài lòng</option>
                        <option value="satisfied">Hài lòng</option>
                        <option value="dissatisfied">Không hài lòng</option>
                      </select>
                      <label for="comment">Ý kiến khác</label><textarea id="comment" name="comment" rows="2"></textarea>
                      <button type="submit">Gửi đánh giá</button>
                    </form>
                  </section>`
                : ''
            }
            <section class="card" aria-labelledby="fb-h">
              <h2 id="fb-h">Phản ánh, kiến nghị</h2>
              <form method="post" action="/tra-cuu/${d.code}/phan-anh">
                <label for="fb-key">Mã tra cứu (trên giấy tiếp nhận)</label
                ><input id="fb-key" name="lookupKey" required autocomplete="off" />
                <label for="kind">Nội dung liên quan đến</label
                ><select id="kind" name="kind">
                  <option value="regulation">Quy định hành chính</option>
                  <option value="conduct">Hành vi, thái độ của cán bộ</option>
                  <option value="other">Khác</option>
                </select>
                <label for="content">Nội dung phản ánh</label
                ><textarea id="content" name="content" rows="3" required></textarea>
                <button type="submit">Gửi phản ánh</button>
              </form>
              ${d.feedback.length ? html`<p class="muted">Đã có ${d.feedback.length} phản ánh cho hồ sơ này.</p>` : ''}
            </section>`
        : ''
    }`;
}
