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

/** What a citizen typed in a form that failed (given back, so nothing is typed twice). */
export interface PublicTyped {
  form?: 'rate' | 'feedback';
  criteria?: string[];
  verdict?: string;
  comment?: string;
  feedbackKind?: string;
  content?: string;
  wrongKey?: boolean;
}

const checked = (on: boolean) => (on ? html`checked` : '');
const selected = (on: boolean) => (on ? html`selected` : '');

export function publicPage(
  code: string,
  d: PublicDossierDto | null,
  message: { kind: 'ok' | 'error'; text: string } | null,
  typed: PublicTyped = {},
): Html {
  const rate = typed.form === 'rate' ? typed : {};
  const fb = typed.form === 'feedback' ? typed : {};
  const keyAttrs = (form: PublicTyped['form']) =>
    typed.form === form && typed.wrongKey ? html`aria-invalid="true" autofocus` : '';
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
                Ngày tiếp nhận: ${dateTime(d.receivedAt)}<br />Hẹn trả kết quả:
                ${
                  (d.promisedAt ?? d.dueAt)
                    ? dateTime(d.promisedAt ?? d.dueAt)
                    : html`<span id="appointment-paused"
                        >tạm dừng tính thời gian trong khi chờ người nộp; ngày hẹn được tính lại khi nhận đủ hồ sơ</span
                      >`
                }
                ${d.endedAt ? html`<br />Đã có kết quả: ${dateTime(d.endedAt)}` : ''}
              </p>
              ${
                d.supplementRequest
                  ? html`<div class="flash error" id="supplement-request">
                      <strong>Cần bổ sung hồ sơ</strong> (yêu cầu ngày ${dateTime(d.supplementRequest.requestedAt)}). Lý
                      do: ${d.supplementRequest.reason}
                      ${
                        d.supplementRequest.items.length
                          ? html`<br />Giấy tờ cần nộp thêm:
                              <ul>
                                ${d.supplementRequest.items.map((i) => html`<li>${i}</li>`)}
                              </ul>`
                          : ''
                      }
                      Hãy mang giấy tờ đến Bộ phận Một cửa nơi đã nộp hồ sơ.
                    </div>`
                  : ''
              }
            </section>
            ${
              d.endedAt && !d.rated
                ? html`<section class="card" aria-labelledby="rate-h">
                    <h2 id="rate-h">Đánh giá mức độ hài lòng</h2>
                    <form method="post" action="/tra-cuu/${d.code}/danh-gia">
                      <label for="rate-key">Mã tra cứu (trên giấy tiếp nhận)</label
                      ><input id="rate-key" name="lookupKey" required autocomplete="off" ${keyAttrs('rate')} />
                      ${CRITERIA.map(
                        (c, i) =>
                          html`<fieldset style="border:0;padding:0;margin:8px 0">
                            <legend style="font-weight:700">${i + 1}. ${c}</legend>
                            <label style="display:inline;font-weight:400"
                              ><input
                                type="radio"
                                name="c${i}"
                                value="2"
                                required
                                ${checked(rate.criteria?.[i] === '2')}
                              />
                              Hài lòng</label
                            >
                            <label style="display:inline;font-weight:400;margin-left:10px"
                              ><input type="radio" name="c${i}" value="1" ${checked(rate.criteria?.[i] === '1')} /> Bình
                              thường</label
                            >
                            <label style="display:inline;font-weight:400;margin-left:10px"
                              ><input type="radio" name="c${i}" value="0" ${checked(rate.criteria?.[i] === '0')} />
                              Không hài lòng</label
                            >
                          </fieldset>`,
                      )}
                      <label for="verdict">Đánh giá chung</label
                      ><select id="verdict" name="verdict">
                        <option value="very_satisfied" ${selected(rate.verdict === 'very_satisfied')}>
                          Rất hài lòng
                        </option>
                        <option value="satisfied" ${selected(rate.verdict === 'satisfied')}>Hài lòng</option>
                        <option value="dissatisfied" ${selected(rate.verdict === 'dissatisfied')}>
                          Không hài lòng
                        </option>
                      </select>
                      <label for="comment">Ý kiến khác</label
                      ><textarea id="comment" name="comment" rows="2">${rate.comment ?? ''}</textarea>
                      <button type="submit">Gửi đánh giá</button>
                    </form>
                  </section>`
                : ''
            }
            <section class="card" aria-labelledby="fb-h">
              <h2 id="fb-h">Phản ánh, kiến nghị</h2>
              <form method="post" action="/tra-cuu/${d.code}/phan-anh">
                <label for="fb-key">Mã tra cứu (trên giấy tiếp nhận)</label
                ><input id="fb-key" name="lookupKey" required autocomplete="off" ${keyAttrs('feedback')} />
                <label for="kind">Nội dung liên quan đến</label
                ><select id="kind" name="kind">
                  <option value="regulation" ${selected(fb.feedbackKind === 'regulation')}>Quy định hành chính</option>
                  <option value="conduct" ${selected(fb.feedbackKind === 'conduct')}>
                    Hành vi, thái độ của cán bộ
                  </option>
                  <option value="other" ${selected(fb.feedbackKind === 'other')}>Khác</option>
                </select>
                <label for="content">Nội dung phản ánh</label
                ><textarea id="content" name="content" rows="3" required>${fb.content ?? ''}</textarea>
                <button type="submit">Gửi phản ánh</button>
              </form>
              ${d.feedback.length ? html`<p class="muted">Đã có ${d.feedback.length} phản ánh cho hồ sơ này.</p>` : ''}
            </section>`
        : ''
    }`;
}
