import type { AuthUser } from 'src/auth/auth-user';
import type { DossierDto, DossierEventDto } from 'src/dossiers/dto/dossier.dto';
import { DossierStatus, LiveAction, STATUS_LABEL } from 'src/dossiers/lifecycle';
import type { AlertDto } from 'src/sla/dto/alert.dto';
import {
  ACTION_LABELS,
  ALERT_LABELS,
  CALENDAR_DAY_SNAPS,
  CLOCK_START_REASONS,
  dateTime,
  LIMIT_UNITS,
  minutesText,
  num,
  PAUSE_REASONS,
  timeLeft,
} from 'src/console/format';
import type { DeadlineDto } from 'src/dossiers/dto/deadline.dto';
import { html, Html } from 'src/console/html';
import { searchFold } from 'src/common/search-fold';
import { toLocalIso } from 'src/common/time';
import { QUEUE_PAGE_SIZE, QueueFilters, QueueFilterValues } from 'src/console/queue-filters';
import { DOSSIER_FACT_KEYS, DossierFactKey } from 'src/reports/portal-facts';

export interface ProcedureOption {
  code: string;
  name: string;
}

export function loginPage(error: string | null, username = '', next: string | null = null): Html {
  return html`<div class="card" style="max-width:420px">
    ${error ? html`<div class="flash error" role="alert">${error}</div>` : ''}
    ${next ? html`<p class="muted">Đăng nhập để mở tiếp trang bạn cần.</p>` : ''}
    <form method="post" action="/console/login${next ? `?next=${encodeURIComponent(next)}` : ''}">
      <label for="username">Tên đăng nhập</label>
      <input id="username" name="username" autocomplete="username" required value="${username}" autofocus />
      <label for="password">Mật khẩu</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <button type="submit">Đăng nhập</button>
    </form>
  </div>`;
}

export interface IntakeForm {
  /** What was typed in the procedure field, kept as typed. */
  procedureCode: string;
  channel: string;
  kind: string;
  fullName: string;
  idNumber: string;
  phone: string;
  email: string;
  address: string;
  summary: string;
  /** The 766 facts ticked (DOSSIER_FACT_KEYS). */
  facts: string[];
  /** The channels the applicant consents to be messaged on (NOTIFY_CHANNELS). */
  notify: string[];
  /** The form's own key: the Idempotency-Key of its save. */
  formKey: string;
}

/** The per-dossier facts of the 766 index, as the console names them (docs/index-766.md). */
export const FACT_LABELS: Record<DossierFactKey, string> = {
  digitised: 'Thành phần hồ sơ đã được số hóa',
  reusedDigitisedData: 'Tái sử dụng dữ liệu, giấy tờ đã số hóa',
  linkedToPersonalDataStore: 'Lấy từ / đưa vào kho dữ liệu cá nhân',
  usedPopulationData: 'Sử dụng dữ liệu dân cư (VNeID, CSDL quốc gia về dân cư)',
  eCertifiedCopies: 'Sử dụng bản sao chứng thực điện tử',
};

/** The channels of messages to the applicant, as the intake body's `notify` names them. */
export const NOTIFY_CHANNELS = ['sms', 'zalo', 'email'] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];
const NOTIFY_LABELS: Record<NotifyChannel, string> = {
  sms: 'Tin nhắn SMS (cần số di động)',
  zalo: 'Tin nhắn Zalo (cần số di động có Zalo)',
  email: 'Thư điện tử (cần địa chỉ thư điện tử)',
};

/**
 * The applicant's consent to messages at the dossier's milestones: asked at the counter, nothing
 * ticked by default (no message without the citizen's yes).
 */
function notifyBoxes(ticked: readonly string[]): Html {
  return html`<fieldset class="notify" id="notify">
    <legend>Người nộp đồng ý nhận thông báo về hồ sơ qua</legend>
    ${NOTIFY_CHANNELS.map(
      (c) =>
        html`<label
          ><input
            type="checkbox"
            id="notify-${c}"
            name="notify_${c}"
            value="true"
            ${ticked.includes(c) ? html`checked` : ''}
          />
          ${NOTIFY_LABELS[c]}</label
        >`,
    )}
    <span class="muted">(không gửi từ 21 giờ đến 7 giờ; dừng được bằng mã tra cứu)</span>
  </fieldset>`;
}

/** Checkboxes of the facts, ticked as given; a hidden marker says the form carried them. */
function factBoxes(prefix: string, ticked: (k: DossierFactKey) => boolean): Html {
  return html`<fieldset class="facts">
    <legend>Số hóa, dữ liệu (Bộ chỉ số 766)</legend>
    <input type="hidden" name="facts" value="1" />
    ${DOSSIER_FACT_KEYS.map(
      (k) =>
        html`<label
          ><input type="checkbox" id="${prefix}-${k}" name="${k}" value="true" ${ticked(k) ? html`checked` : ''} />
          ${FACT_LABELS[k]}</label
        >`,
    )}
  </fieldset>`;
}

export const EMPTY_INTAKE: IntakeForm = {
  procedureCode: '',
  channel: 'direct',
  kind: 'citizen',
  fullName: '',
  idNumber: '',
  phone: '',
  email: '',
  address: '',
  summary: '',
  facts: [],
  notify: [],
  formKey: '',
};

/** The appointment shown before saving, and what it was computed for. */
export interface IntakePreview {
  procedureCode: string;
  procedureName: string;
  clockStart: string;
  dueAt: string;
}

const option = (value: string, label: string, selected: string) =>
  html`<option value="${value}" ${value === selected ? html`selected` : ''}>${label}</option>`;

/** A required field's label: marked with a red asterisk that screen readers skip (the input says "required"). */
const requiredLabel = (id: string, text: string) =>
  html`<label for="${id}">${text} <span class="req" aria-hidden="true">*</span></label>`;

const invalidAttr = (invalid: Set<string>, field: string) => (invalid.has(field) ? html`aria-invalid="true"` : '');

export function intakePage(
  procedures: ProcedureOption[],
  form: IntakeForm,
  preview: IntakePreview | null,
  errors: string[],
  invalid: Set<string> = new Set(),
): Html {
  return html`<div class="card">
    ${
      errors.length
        ? html`<div class="flash error" role="alert" id="intake-errors">
            <ul>
              ${errors.map((e) => html`<li>${e}</li>`)}
            </ul>
          </div>`
        : ''
    }
    <p class="muted">Các mục có dấu <span class="req">*</span> là bắt buộc.</p>
    <form method="post" action="/console/intake" id="intake-form">
      <input type="hidden" name="formKey" value="${form.formKey}" />
      ${
        preview
          ? html`<input type="hidden" name="previewProcedure" value="${preview.procedureCode}" /><input
                type="hidden"
                name="previewDue"
                value="${toLocalIso(new Date(preview.dueAt)).slice(0, 10)}"
              />`
          : ''
      }
      ${requiredLabel('procedureCode', 'Thủ tục (gõ mã hoặc tên để tìm)')}
      <input
        id="procedureCode"
        name="procedureCode"
        list="procedure-list"
        required
        maxlength="300"
        value="${form.procedureCode}"
        aria-describedby="procedure-hint"
        ${invalidAttr(invalid, 'procedureCode')}
        ${preview || errors.length ? '' : html`autofocus`}
      />
      <datalist id="procedure-list">
        ${procedures.map((p) => html`<option value="${p.code} — ${p.name}" label="${searchFold(p.name)}"></option>`)}
      </datalist>
      <p id="procedure-hint" class="muted">Ví dụ: 1.004227 hoặc "giấy phép xây dựng" (gõ có dấu hoặc không dấu).</p>
      <div class="row">
        <div>
          <label for="channel">Kênh tiếp nhận</label>
          <select id="channel" name="channel">
            ${option('direct', 'Trực tiếp', form.channel)}${option('online', 'Trực tuyến', form.channel)}${option('postal', 'Bưu chính', form.channel)}
          </select>
        </div>
        <div>
          <label for="kind">Người nộp là</label>
          <select id="kind" name="kind">
            ${option('citizen', 'Công dân', form.kind)}${option('business', 'Doanh nghiệp', form.kind)}${option('organisation', 'Tổ chức', form.kind)}${option('agency', 'Cơ quan nhà nước', form.kind)}
          </select>
        </div>
      </div>
      ${requiredLabel('fullName', 'Họ và tên người nộp')}
      <input
        id="fullName"
        name="fullName"
        required
        maxlength="200"
        value="${form.fullName}"
        autocomplete="off"
        ${invalidAttr(invalid, 'applicant.fullName')}
      />
      <div class="row">
        <div>
          <label for="idNumber">Số định danh (CCCD 12 số)</label
          ><input
            id="idNumber"
            name="idNumber"
            value="${form.idNumber}"
            autocomplete="off"
            inputmode="numeric"
            maxlength="30"
            ${invalidAttr(invalid, 'applicant.idNumber')}
          />
        </div>
        <div>
          <label for="phone">Điện thoại</label
          ><input
            id="phone"
            name="phone"
            type="tel"
            value="${form.phone}"
            autocomplete="off"
            maxlength="20"
            ${invalidAttr(invalid, 'applicant.phone')}
          />
        </div>
        <div>
          <label for="email">Thư điện tử</label
          ><input
            id="email"
            name="email"
            type="email"
            value="${form.email}"
            autocomplete="off"
            maxlength="200"
            ${invalidAttr(invalid, 'applicant.email')}
          />
        </div>
      </div>
      <label for="address">Địa chỉ</label
      ><input
        id="address"
        name="address"
        value="${form.address}"
        autocomplete="off"
        maxlength="500"
        ${invalidAttr(invalid, 'applicant.address')}
      />
      <label for="summary">Nội dung hồ sơ</label
      ><textarea id="summary" name="summary" rows="2">${form.summary}</textarea>
      ${notifyBoxes(form.notify)} ${factBoxes('intake', (k) => form.facts.includes(k))}
      <div class="savebar">
        ${
          preview
            ? html`<div class="flash ok" role="status" id="appointment">
                  <strong>${preview.procedureName}</strong><br />
                  Thời điểm bắt đầu tính: ${dateTime(preview.clockStart)}<br />
                  <strong>Hẹn trả kết quả: ${dateTime(preview.dueAt)}</strong>
                </div>
                <button type="submit" name="step" value="save" autofocus>Lưu và in giấy tiếp nhận</button>
                <button type="submit" name="step" value="preview" class="secondary">Tính lại ngày hẹn</button>`
            : html`<button type="submit" name="step" value="preview">Xem ngày hẹn trả</button>`
        }
      </div>
    </form>
  </div>`;
}

export function intakeDonePage(d: DossierDto, lookupKey: string, printHref: string): Html {
  return html`<div class="card">
    <div class="flash ok" role="status">Đã tiếp nhận hồ sơ <strong id="dossier-code">${d.code}</strong>.</div>
    <p>Người nộp: <strong>${applicantName(d)}</strong> · Thủ tục: ${d.procedureCode}</p>
    <p>Hẹn trả kết quả: <strong>${dateTime(d.dueAt)}</strong></p>
    <p>
      Mã tra cứu của người nộp (in trên giấy tiếp nhận; trang này mở lại được trong phiên làm việc):
      <strong id="lookup-key">${lookupKey}</strong>
    </p>
    <p>
      <a href="${printHref}" id="print-receipt" class="button" target="_blank" rel="noopener" autofocus
        >In giấy tiếp nhận và hẹn trả kết quả</a
      >
      <a href="/console/intake" class="button secondary" id="next-intake">Tiếp nhận hồ sơ khác</a>
    </p>
    <p><a href="/console/dossiers/${d.id}">Xem hồ sơ</a></p>
  </div>`;
}

/** Urgency class of an open dossier: overdue, due soon (≤ 8 working hours left) or within. */
export function urgency(d: DossierDto): 'overdue' | 'due_soon' | 'within' {
  if (d.timeliness === 'overdue') return 'overdue';
  return d.remainingWorkingMinutes <= 8 * 60 ? 'due_soon' : 'within';
}

const URGENCY_LABEL = { overdue: 'Quá hạn', due_soon: 'Sắp đến hạn', within: 'Trong hạn' };

/** Working minutes past the due instant of the overdue dossiers of a page, by id. */
export type Lateness = Map<string, number>;

export interface FilterOption {
  value: string;
  label: string;
}

export interface QueueView {
  items: DossierDto[];
  code: string;
  filters: QueueFilterValues;
  options: { units: FilterOption[]; assignees: FilterOption[]; procedures: FilterOption[] };
  /** 1 on the first page. */
  page: number;
  previous: string | null;
  next: string | null;
  late: Lateness;
  role: AuthUser['role'];
  /** Procedure names by code. */
  procedureNames: Map<string, string>;
}

const select = (id: string, label: string, all: string, options: FilterOption[], selected: string) =>
  html`<div>
    <label for="${id}">${label}</label
    ><select id="${id}" name="${id}">
      <option value="">${all}</option>
      ${options.map((o) => option(o.value, o.label, selected))}
    </select>
  </div>`;

/** The applicant's name of a dossier (staff pages only: personal data is never public). */
export const applicantName = (d: DossierDto): string =>
  typeof d.applicant?.fullName === 'string' ? d.applicant.fullName : '';

export function queuePage(v: QueueView): Html {
  const statuses: DossierStatus[] = [
    'received',
    'in_progress',
    'awaiting_supplement',
    'awaiting_payment',
    'resolved',
    'returned',
    'rejected',
    'stopped',
    'withdrawn',
    'closed',
  ];
  const f = v.filters;
  const counter = v.role === 'counter_staff';
  const statusOptions = [
    ...(counter ? [{ value: 'open', label: 'Đang giải quyết (tất cả)' }] : []),
    ...statuses.map((s) => ({ value: s, label: STATUS_LABEL[s] })),
  ];
  const filtered = QueueFilters.active(f);
  const pager = (where: string) =>
    v.previous || v.next
      ? html`<nav class="pager" aria-label="Phân trang (${where})">
          ${v.previous ? html`<a href="${v.previous}" rel="prev">← Trang trước</a>` : ''}
          <span>Trang ${v.page}</span>
          ${v.next ? html`<a href="${v.next}" rel="next">Trang sau →</a>` : ''}
        </nav>`
      : '';
  return html`<form method="get" action="/console/queue" class="card" role="search" aria-label="Lọc hồ sơ">
      <div class="row">
        <div>
          <label for="code">Tìm hồ sơ (mã, họ tên, số định danh, điện thoại)</label
          ><input id="code" name="code" value="${v.code}" type="search" aria-describedby="code-hint" autofocus />
          <span id="code-hint" class="muted">Gõ một phần, có dấu hoặc không dấu; tìm trong mọi trạng thái.</span>
        </div>
        ${select(
          'status',
          'Trạng thái',
          counter ? 'Việc của Bộ phận Một cửa' : 'Đang giải quyết (tất cả)',
          statusOptions,
          f.status,
        )}
        ${select(
          'timeliness',
          'Thời hạn',
          'Tất cả',
          [
            { value: 'within', label: 'Trong hạn' },
            { value: 'overdue', label: 'Quá hạn' },
          ],
          f.timeliness,
        )}
      </div>
      <div class="row">
        ${select('stepUnit', 'Đơn vị đang xử lý (bước hiện tại)', 'Tất cả đơn vị', v.options.units, f.stepUnit)}
        ${select('assignee', 'Người được giao xử lý', 'Tất cả', v.options.assignees, f.assignee)}
        ${select('procedure', 'Thủ tục', 'Tất cả thủ tục', v.options.procedures, f.procedure)}
      </div>
      <div class="filter-actions">
        <button type="submit">Lọc</button>
        ${filtered ? html`<a href="/console/queue?clear" id="clear-filters" class="button secondary">Bỏ lọc</a>` : ''}
      </div>
    </form>
    <p class="muted" id="queue-summary">
      ${
        v.code
          ? html`Kết quả tìm “${v.code}” trong ${f.status ? 'trạng thái đã chọn' : 'mọi trạng thái'}. `
          : counter && !f.status
            ? 'Việc của Bộ phận Một cửa: hồ sơ chờ tiếp nhận, chuyển xử lý, chờ bổ sung hoặc nộp phí, và kết quả chờ trả. '
            : ''
      }
      Trang ${v.page}: ${v.items.length} hồ sơ (tối đa ${QUEUE_PAGE_SIZE} mỗi
      trang)${filtered ? ' theo bộ lọc đã chọn (được ghi nhớ cho lần sau)' : ''}, xếp theo mức độ khẩn: quá hạn lâu nhất
      trước, rồi hạn gần nhất; hồ sơ tạm dừng còn trong hạn xếp cuối.
    </p>
    ${pager('đầu danh sách')}
    <div class="scroll" role="region" aria-label="Danh sách hồ sơ" tabindex="0">
      <table>
        <caption class="muted" style="text-align:left">
          Màu: đỏ = quá hạn, vàng = còn dưới 8 giờ làm việc, xanh = trong hạn.
        </caption>
        <thead>
          <tr>
            <th>Mã hồ sơ</th>
            <th>Người nộp</th>
            <th>Thủ tục</th>
            <th>Trạng thái</th>
            <th>Bước hiện tại</th>
            <th>Hạn giải quyết</th>
            <th class="n">Thời gian còn lại / quá hạn (giờ làm việc)</th>
            <th>Tình trạng</th>
          </tr>
        </thead>
        <tbody>
          ${v.items.map((d) => {
            const u = urgency(d);
            return html`<tr class="${d.endedAt ? 'ended' : u}">
              <td class="nowrap"><a href="/console/dossiers/${d.id}">${d.code}</a></td>
              <td class="applicant">${applicantName(d)}</td>
              <td>
                ${d.procedureCode}${v.procedureNames.get(d.procedureCode) ? html`<br /><span class="muted">${v.procedureNames.get(d.procedureCode)}</span>` : ''}
              </td>
              <td>${d.statusLabel}</td>
              <td>${d.currentStep ? `${d.currentStep.name} (${d.currentStep.unitCode})` : ''}</td>
              <td>${dateTime(d.promisedAt ?? d.dueAt)}</td>
              <td class="n">${timeLeft(d, v.late.get(d.id))}</td>
              <td>
                ${
                  d.status === 'resolved'
                    ? html`<span class="badge">Chờ trả kết quả</span>`
                    : d.endedAt
                      ? ''
                      : html`<span class="badge">${URGENCY_LABEL[u]}</span>`
                }
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
    ${v.items.length === 0 ? html`<p>Không có hồ sơ nào.</p>` : ''} ${pager('cuối danh sách')}`;
}

const field = (id: string, label: string, input: Html, required = false) =>
  html`<label for="${id}">${label}${required ? html` <span class="req" aria-hidden="true">*</span>` : ''}</label
    >${input}`;

/** What was typed in an action's form that failed: given back with the form open. */
export interface TypedAction {
  action: string;
  values: Record<string, string>;
}

/** A pending supplement request, for the clerk who receives the papers. */
export interface SupplementAsked {
  at: string;
  reason: string;
  items: string[];
}

export interface ActionContext {
  units: { code: string; name: string }[];
  /** The unit answering for the delay by default: the current step's (the late one). */
  defaultResponsibleUnit: string | null;
  typed: TypedAction | null;
  asked: SupplementAsked | null;
  formKey: () => string;
}

/** The form of each action (the fields of its API DTO). */
function actionForm(d: DossierDto, action: LiveAction, c: ActionContext): Html {
  const id = (n: string) => `${action}-${n}`;
  const facts = factBoxes(action, (k) => d.flags[k] === true);
  const typed = c.typed?.action === action ? c.typed.values : {};
  const v = (k: string) => typed[k] ?? '';
  const text = (k: string, required = false) =>
    html`<input id="${id(k)}" name="${k}" value="${v(k)}" ${required ? html`required` : ''} maxlength="2000" />`;
  let fields: Html;
  switch (action) {
    case 'forward':
      fields = html`${field(id('note'), 'Ghi chú', text('note'))} ${facts}`;
      break;
    case 'request_supplement':
      fields = html`${field(id('reason'), 'Lý do', text('reason', true), true)}
      ${field(id('items'), 'Giấy tờ cần bổ sung (mỗi dòng một loại)', html`<textarea id="${id('items')}" name="items" rows="3" required>${v('items')}</textarea>`, true)}`;
      break;
    case 'receive_supplement':
      fields = html`${
        c.asked
          ? html`<div class="asked" id="supplement-asked">
              <p>Đã yêu cầu ngày ${dateTime(c.asked.at)}. Lý do: <strong>${c.asked.reason}</strong></p>
              ${
                c.asked.items.length
                  ? html`<p>Giấy tờ cần nhận:</p>
                      <ul>
                        ${c.asked.items.map((i) => html`<li>${i}</li>`)}
                      </ul>`
                  : ''
              }
            </div>`
          : ''
      }
      ${field(id('note'), 'Ghi chú', text('note'))} ${facts}`;
      break;
    case 'request_payment':
      fields = field(
        id('amount'),
        'Số tiền (đồng)',
        html`<input
          id="${id('amount')}"
          name="amount"
          type="number"
          min="0"
          step="1"
          required
          value="${v('amount')}"
        />`,
        true,
      );
      break;
    case 'confirm_payment':
      fields = html`<label
          ><input type="checkbox" name="paidOnline" value="true" ${v('paidOnline') === 'true' ? html`checked` : ''} />
          Đã thanh toán trực tuyến</label
        >
        ${facts}`;
      break;
    case 'extend': {
      const chosen = v('responsibleUnitCode') || c.defaultResponsibleUnit || '';
      fields = html`${field(id('newPromisedAt'), 'Thời hạn hẹn mới', html`<input id="${id('newPromisedAt')}" name="newPromisedAt" type="datetime-local" required value="${v('newPromisedAt')}" />`, true)}
      ${field(id('reason'), 'Lý do xin lỗi và gia hạn', text('reason', true), true)}
      ${field(
        id('responsibleUnitCode'),
        'Đơn vị chịu trách nhiệm',
        html`<select id="${id('responsibleUnitCode')}" name="responsibleUnitCode">
          ${c.units.map((u) => option(u.code, `${u.code} — ${u.name}`, chosen))}
        </select>`,
      )}`;
      break;
    }
    case 'resolve':
      fields = html`${field(id('resultSummary'), 'Kết quả giải quyết', text('resultSummary', true), true)}
        <label
          ><input
            type="checkbox"
            id="${id('electronicResult')}"
            name="electronicResult"
            value="true"
            ${v('electronicResult') === 'true' ? html`checked` : ''}
          />
          Cấp kết quả điện tử</label
        >
        ${field(
          id('resultFileUrl'),
          'Đường dẫn tệp kết quả điện tử (bắt buộc để được tính là kết quả điện tử, chỉ số 766 4.1)',
          html`<input
            id="${id('resultFileUrl')}"
            name="resultFileUrl"
            type="url"
            placeholder="https://"
            value="${v('resultFileUrl')}"
          />`,
        )}
        ${facts}`;
      break;
    case 'reject':
    case 'stop':
    case 'withdraw':
    case 'close':
      fields = field(
        id('reason'),
        'Lý do',
        text('reason', action !== 'withdraw' && action !== 'close'),
        action !== 'withdraw' && action !== 'close',
      );
      break;
    case 'comment':
      fields = field(
        id('text'),
        'Nội dung chỉ đạo',
        html`<textarea id="${id('text')}" name="text" rows="3" required maxlength="4000">${v('text')}</textarea>`,
        true,
      );
      break;
    case 'recall':
      fields = field(id('reason'), 'Lý do thu hồi', text('reason', true), true);
      break;
    case 'correct_deadline':
      fields = html`${field(id('dueAt'), 'Thời hạn đúng', html`<input id="${id('dueAt')}" name="dueAt" type="datetime-local" required value="${v('dueAt')}" />`, true)}
      ${field(id('reason'), 'Lý do đính chính', text('reason', true), true)}
      ${field(id('documentRef'), 'Văn bản làm căn cứ', text('documentRef', true), true)}`;
      break;
    default:
      fields = field(id('note'), 'Ghi chú', text('note'));
  }
  return html`<details class="action" ${c.typed?.action === action ? html`open` : ''}>
    <summary>${ACTION_LABELS[action]}</summary>
    <form method="post" action="/console/dossiers/${d.id}/actions/${action}">
      <input type="hidden" name="expectedVersion" value="${d.version}" />
      <input type="hidden" name="formKey" value="${c.formKey()}" />
      ${fields}
      <button type="submit">${ACTION_LABELS[action]}</button>
    </form>
  </details>`;
}

/** The words of an event's payload a person reads on the timeline (reasons, notes, papers asked). */
function eventNotes(e: DossierEventDto): Html {
  const p = e.payload ?? {};
  const str = (k: string) => (typeof p[k] === 'string' && (p[k] as string).trim() ? (p[k] as string) : null);
  const parts: Html[] = [];
  if (str('reason')) parts.push(html`<span class="note">Lý do: ${str('reason')}</span>`);
  if (Array.isArray(p.items) && p.items.length)
    parts.push(html`<span class="note">Giấy tờ cần bổ sung: ${p.items.map(String).join('; ')}</span>`);
  if (typeof p.amount === 'number') parts.push(html`<span class="note">Số tiền: ${num(p.amount)} đồng</span>`);
  if (str('newPromisedAt')) parts.push(html`<span class="note">Hẹn mới: ${dateTime(str('newPromisedAt'))}</span>`);
  if (str('resultSummary')) parts.push(html`<span class="note">Kết quả: ${str('resultSummary')}</span>`);
  if (str('note')) parts.push(html`<span class="note">Ghi chú: ${str('note')}</span>`);
  if (str('text')) parts.push(html`<span class="note">Ý kiến chỉ đạo: ${str('text')}</span>`);
  if (e.action === 'correct_deadline' && str('dueAt'))
    parts.push(html`<span class="note">Thời hạn đính chính: ${dateTime(str('dueAt'))}</span>`);
  if (str('documentRef')) parts.push(html`<span class="note">Căn cứ: ${str('documentRef')}</span>`);
  return html`${parts}`;
}

const KIND_LABELS: Record<string, string> = {
  citizen: 'Công dân',
  business: 'Doanh nghiệp',
  organisation: 'Tổ chức',
  agency: 'Cơ quan nhà nước',
};
const CHANNEL_LABELS: Record<string, string> = { direct: 'Trực tiếp', online: 'Trực tuyến', postal: 'Bưu chính' };

export interface DossierView {
  d: DossierDto;
  procedureName: string | null;
  events: DossierEventDto[];
  names: Map<string, string>;
  actions: LiveAction[];
  /** Why an action the role has is not offered now (e.g. an extension once overdue). */
  refused: { action: LiveAction; why: string }[];
  context: ActionContext;
  late: Lateness;
  deadline: DeadlineDto | null;
  /** Counter staff of the receiving unit (reprint, a new lookup key). */
  counter: boolean;
}

export function dossierPage(v: DossierView): Html {
  const { d, events, names, late, deadline } = v;
  const u = d.endedAt ? null : urgency(d);
  const a = d.applicant ?? {};
  const s = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : '');
  return html`<div class="card">
      <p>
        <strong>${d.code}</strong> · <span class="badge">${d.statusLabel}</span>
        ${u ? html`<span class="badge ${u}">${URGENCY_LABEL[u]}</span>` : ''}
      </p>
      <dl class="facts" id="dossier-facts">
        <dt>Thủ tục</dt>
        <dd id="procedure-name">${d.procedureCode}${v.procedureName ? ` — ${v.procedureName}` : ''}</dd>
        <dt>Người nộp</dt>
        <dd id="applicant-name">
          ${s('fullName')}${KIND_LABELS[s('kind')] ? html` <span class="muted">(${KIND_LABELS[s('kind')]})</span>` : ''}
        </dd>
        ${
          s('idNumber')
            ? html`<dt>Số định danh</dt>
                <dd id="applicant-id">${s('idNumber')}</dd>`
            : ''
        }
        ${
          s('phone')
            ? html`<dt>Điện thoại</dt>
                <dd id="applicant-phone">${s('phone')}</dd>`
            : ''
        }
        ${
          s('email')
            ? html`<dt>Thư điện tử</dt>
                <dd>${s('email')}</dd>`
            : ''
        }
        ${
          s('address')
            ? html`<dt>Địa chỉ</dt>
                <dd>${s('address')}</dd>`
            : ''
        }
        ${
          d.summary
            ? html`<dt>Nội dung</dt>
                <dd>${d.summary}</dd>`
            : ''
        }
        <dt>Kênh tiếp nhận</dt>
        <dd>${CHANNEL_LABELS[d.channel] ?? d.channel} · ${d.receivingUnitCode}</dd>
      </dl>
      <p>
        Tiếp nhận: ${dateTime(d.receivedAt)} · Hạn giải quyết:
        <strong>${dateTime(d.dueAt)}</strong>
        ${d.promisedAt ? html` · Hẹn mới sau gia hạn: <strong>${dateTime(d.promisedAt)}</strong>` : ''}
        ${d.endedAt ? html` · Kết thúc: ${dateTime(d.endedAt)}` : html` · Thời gian làm việc: <strong id="time-left">${timeLeft(d, late.get(d.id))}</strong>`}
      </p>
      ${d.currentStep ? html`<p>Bước hiện tại: ${d.currentStep.name} (${d.currentStep.unitCode}), hạn bước: ${dateTime(d.currentStep.dueAt)}</p>` : ''}
      <p class="noprint">
        <a href="/console/dossiers/${d.id}/giay-tiep-nhan" id="reprint-receipt" target="_blank" rel="noopener"
          >In lại giấy tiếp nhận</a
        >
        · <a href="/console/dossiers/${d.id}/control-slip.pdf">Phiếu kiểm soát quá trình giải quyết (PDF)</a>
        ${Array.from({ length: d.extensionCount }, (_, i) => html` · <a href="/console/dossiers/${d.id}/extension-letter/${i + 1}.pdf">Văn bản xin lỗi và gia hạn số ${i + 1} (PDF)</a>`)}
      </p>
      ${
        v.counter
          ? html`<form
              method="post"
              action="/console/dossiers/${d.id}/cap-lai-ma-tra-cuu"
              class="noprint"
              target="_blank"
            >
              <button type="submit" class="secondary" id="reissue-key">Cấp lại mã tra cứu và in giấy tiếp nhận</button>
              <span class="muted">Mã tra cứu cũ sẽ không dùng được nữa.</span>
            </form>`
          : ''
      }
      ${deadline ? deadlineBlock(deadline) : ''}
    </div>
    <div class="row" style="align-items:flex-start">
      <section class="card" style="flex:2 1 420px" aria-labelledby="timeline-h">
        <h2 id="timeline-h">Quá trình xử lý</h2>
        <ol class="timeline">
          ${events.map(
            (e) =>
              html`<li>
                <strong>${ACTION_LABELS[e.action] ?? e.action}</strong> — ${dateTime(e.at)}
                ${e.actorUserId ? html`· ${names.get(e.actorUserId) ?? ''}` : ''} ·
                ${STATUS_LABEL[e.toStatus as DossierStatus] ?? e.toStatus} ${eventNotes(e)}
              </li>`,
          )}
        </ol>
      </section>
      <section class="card noprint" style="flex:1 1 320px" aria-labelledby="actions-h">
        <h2 id="actions-h">Thao tác</h2>
        ${v.actions.length ? v.actions.map((x) => actionForm(d, x, v.context)) : html`<p class="muted">Bạn không có thao tác nào với hồ sơ này trong trạng thái hiện tại.</p>`}
        ${v.refused.map((r) => html`<p class="muted refused">${ACTION_LABELS[r.action]}: ${r.why}</p>`)}
      </section>
    </div>`;
}

/** "Vì sao hạn là ngày này?": the explanation of the due instant, one click away on the dossier page. */
function deadlineBlock(x: DeadlineDto): Html {
  return html`<details id="deadline-why">
    <summary>Vì sao hạn là ngày này?</summary>
    <p>
      Thời hạn giải quyết:
      <strong>${x.timeLimit.amount} ${LIMIT_UNITS[x.timeLimit.unit] ?? x.timeLimit.unit}</strong>
      ${x.limitWorkingMinutes !== null ? html` (${minutesText(x.limitWorkingMinutes)} làm việc)` : ''}. Tiếp nhận lúc
      ${dateTime(x.receivedAt)}; bắt đầu tính từ <strong>${dateTime(x.clockStart)}</strong>
      (${CLOCK_START_REASONS[x.clockStartReason] ?? x.clockStartReason}).
    </p>
    <table>
      <caption>
        Thời gian làm việc được tính
      </caption>
      <thead>
        <tr>
          <th>Từ</th>
          <th>Đến</th>
          <th>Thời gian</th>
        </tr>
      </thead>
      <tbody>
        ${x.segments.map(
          (s) =>
            html`<tr>
              <td>${dateTime(s.from)}</td>
              <td>${dateTime(s.to)}</td>
              <td>${minutesText(s.workingMinutes)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      x.skippedDays.length
        ? html`<p>
            Ngày không tính:
            ${x.skippedDays.map((s, i) => html`${i ? '; ' : ''}${s.date.split('-').reverse().join('/')} (${s.name})`)}.
          </p>`
        : ''
    }
    ${
      x.pauses.length
        ? html`<p>
            Tạm dừng tính thời gian:
            ${x.pauses.map(
              (p, i) =>
                html`${i ? '; ' : ''}${dateTime(p.from)} – ${p.to ? dateTime(p.to) : 'đang tạm dừng'}
                (${PAUSE_REASONS[p.reason] ?? p.reason}, ${minutesText(p.workingMinutes)} làm việc không tính)`,
            )}.
          </p>`
        : ''
    }
    ${x.calendarDays ? html`<p>Thời hạn tính theo ngày: ${CALENDAR_DAY_SNAPS[x.calendarDays.snap] ?? x.calendarDays.snap}.</p>` : ''}
    ${x.extensions.map(
      (e) =>
        html`<p>
          Gia hạn ngày ${dateTime(e.at)}: hẹn mới ${dateTime(e.newPromisedAt)} (${e.reason}). Hạn theo quy định vẫn giữ
          để thống kê.
        </p>`,
    )}
    <p class="muted">
      Hạn ${x.dueAt ? html`<strong>${dateTime(x.dueAt)}</strong>` : 'chưa xác định (đang tạm dừng)'}, tính theo lịch làm
      việc phiên bản ${x.calendarVersion} và quy trình phiên bản ${x.procedureVersion}.
      ${x.provisional ? html`<strong>Lịch nghỉ lễ của năm liên quan còn là lịch dự kiến, chưa được xác nhận.</strong>` : ''}
    </p>
  </details>`;
}

export function alertsPage(items: AlertDto[], open: boolean, acked: string | null = null): Html {
  return html`<p>
      <a href="/console/alerts?open=${open ? 'false' : 'true'}"
        >${open ? 'Xem cả cảnh báo đã đóng' : 'Chỉ xem cảnh báo đang mở'}</a
      >
    </p>
    <table>
      <thead>
        <tr>
          <th>Loại</th>
          <th>Hồ sơ</th>
          <th>Đơn vị</th>
          <th>Hạn</th>
          <th>Phát sinh</th>
          <th>Đã xem</th>
          <th><span class="muted">Thao tác</span></th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (a) =>
            html`<tr
              id="alert-${a.id}"
              class="${a.kind === 'due_soon' ? 'due_soon' : a.kind === 'feedback_overdue' ? '' : 'overdue'}${a.id === acked ? ' acked' : ''}"
            >
              <td>${ALERT_LABELS[a.kind] ?? a.kind}</td>
              <td>
                ${a.dossierId ? html`<a href="/console/dossiers/${a.dossierId}">${a.dossierCode}</a>` : 'Lịch làm việc'}
              </td>
              <td>${a.unitCode ?? '—'}</td>
              <td>${dateTime(a.deadlineAt)}</td>
              <td>${dateTime(a.createdAt)}</td>
              <td>${a.acknowledgedAt ? dateTime(a.acknowledgedAt) : 'Chưa'}</td>
              <td>
                ${a.acknowledgedAt ? '' : html`<form method="post" action="/console/alerts/${a.id}/acknowledge"><button type="submit" aria-label="Đánh dấu đã xem cảnh báo ${ALERT_LABELS[a.kind] ?? a.kind} của hồ sơ ${a.dossierCode}">Đã xem</button></form>`}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${items.length === 0 ? html`<p>Không có cảnh báo.</p>` : ''}`;
}

export function boardsPage(overdue: DossierDto[], stalled: AlertDto[], late: Lateness): Html {
  return html`<section aria-labelledby="overdue-h">
      <h2 id="overdue-h">Hồ sơ quá hạn (${overdue.length})</h2>
      <table>
        <thead>
          <tr>
            <th>Mã hồ sơ</th>
            <th>Thủ tục</th>
            <th>Trạng thái</th>
            <th>Hạn giải quyết</th>
            <th class="n">Quá hạn (giờ làm việc)</th>
            <th>Bước hiện tại</th>
          </tr>
        </thead>
        <tbody>
          ${overdue.map(
            (d) =>
              html`<tr class="overdue">
                <td><a href="/console/dossiers/${d.id}">${d.code}</a></td>
                <td>${d.procedureCode}</td>
                <td>${d.statusLabel}</td>
                <td>${dateTime(d.promisedAt ?? d.dueAt)}</td>
                <td class="n">${timeLeft(d, late.get(d.id))}</td>
                <td>${d.currentStep ? `${d.currentStep.name} (${d.currentStep.unitCode})` : ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section aria-labelledby="stalled-h">
      <h2 id="stalled-h">Hồ sơ chậm ở bước xử lý (${stalled.length})</h2>
      <table>
        <thead>
          <tr>
            <th>Mã hồ sơ</th>
            <th>Đơn vị của bước</th>
            <th>Hạn của bước</th>
            <th>Phát sinh</th>
          </tr>
        </thead>
        <tbody>
          ${stalled.map(
            (a) =>
              html`<tr class="due_soon">
                <td><a href="/console/dossiers/${a.dossierId}">${a.dossierCode}</a></td>
                <td>${a.unitCode}</td>
                <td>${dateTime(a.deadlineAt)}</td>
                <td>${dateTime(a.createdAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

export function messagePage(text: string, back: string): Html {
  return html`<div class="card">
    <p>${text}</p>
    <p><a href="${back}">Quay lại</a></p>
  </div>`;
}
