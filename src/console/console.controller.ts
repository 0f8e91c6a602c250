import { Body, Controller, Get, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { DOSSIER_FACT_KEYS } from 'src/reports/portal-facts';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AuthUser } from 'src/auth/auth-user';
import { AuthService } from 'src/auth/auth.service';
import { Public } from 'src/auth/decorators';
import type { Role } from 'src/auth/user.entity';
import { UnitScopeService } from 'src/auth/unit-scope.service';
import { UsersRepository } from 'src/auth/users.repository';
import { CalendarService } from 'src/calendar/calendar.service';
import { ProceduresService } from 'src/catalogue/procedures.service';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { Clock } from 'src/common/clock';
import { DomainError } from 'src/common/domain-error';
import { searchFold } from 'src/common/search-fold';
import { toLocalIso } from 'src/common/time';
import { uuidPipe } from 'src/common/uuid.pipe';
import { validateDto } from 'src/common/validation';
import { dateTime } from 'src/console/format';
import type { Html } from 'src/console/html';
import { citizenIdProblem, explainError, invalidFields, matchProcedure } from 'src/console/forms';
import { page } from 'src/console/layout';
import { portalSyncPage } from 'src/console/pages/portal-sync.page';
import { receiptPrintPage } from 'src/console/pages/receipt.page';
import { publicPage, PublicTyped } from 'src/console/pages/public.page';
import { periodPage, periodsPage, reopenConfirmPage } from 'src/console/pages/periods.page';
import { reportsPage, TrendPoint } from 'src/console/pages/reports.page';
import {
  alertsPage,
  boardsPage,
  dossierPage,
  EMPTY_INTAKE,
  FilterOption,
  intakeDonePage,
  IntakeForm,
  intakePage,
  IntakePreview,
  loginPage,
  NOTIFY_CHANNELS,
  messagePage,
  queuePage,
  TypedAction,
} from 'src/console/pages/staff.pages';
import { ACTION_LABELS, ALERT_LABELS } from 'src/console/format';
import { QUEUE_PAGE_SIZE, QueueFilters, QueuePaging } from 'src/console/queue-filters';
import { ConsoleSession } from 'src/console/session';
import { DocumentsService } from 'src/dossiers/documents/documents.service';
import type { PdfFile } from 'src/dossiers/documents/documents.service';
import { ReceiptService } from 'src/dossiers/documents/receipt.service';
import { DossiersService } from 'src/dossiers/dossiers.service';
import { DeadlineService } from 'src/dossiers/deadline.service';
import { ACTION_DTOS, DossierDto, IntakeDto, ListDossiersQuery } from 'src/dossiers/dto/dossier.dto';
import type { LiveAction } from 'src/dossiers/lifecycle';
import { normaliseVnMobile } from 'src/messages/message-rules';
import { LodgeFeedbackDto, RateDossierDto } from 'src/public/dto/public.dto';
import { PublicRateLimitGuard } from 'src/public/public-rate-limit.guard';
import { PublicService } from 'src/public/public.service';
import { renderIndex, renderOfficials, renderProcessing } from 'src/reports/export';
import { ClosedPeriodDto, PeriodParam, ReopenPeriodDto } from 'src/reports/dto/closed-periods.dto';
import { IndexQuery, OfficialsQuery, ProcessingQuery } from 'src/reports/dto/reports.dto';
import { ClosedPeriodsService } from 'src/reports/closed-periods.service';
import type { ExportFormat } from 'src/reports/report.types';
import { ReportsService } from 'src/reports/reports.service';
import { PortalSyncService } from 'src/portal-sync/portal-sync.service';
import { AlertsService } from 'src/sla/alerts.service';
import { AlertDto, ListAlertsQuery } from 'src/sla/dto/alert.dto';

const OPEN_STATUSES = 'received,in_progress,awaiting_supplement,awaiting_payment';
type Form = Record<string, string | string[] | undefined>;
const one = (f: Form, k: string): string => {
  const v = f[k];
  return (Array.isArray(v) ? v[0] : (v ?? '')).trim();
};
const STAFF: Role[] = ['counter_staff', 'officer', 'unit_head', 'admin'];
const FONT = {
  'sans.ttf': 'DejaVuSans.ttf',
  'sans-bold.ttf': 'DejaVuSans-Bold.ttf',
} as const;
const fontCache = new Map<string, Buffer>();

/** The error of a service as the sentence a person reads (Vietnamese); anything else is a 500. */
function explain(err: unknown): string {
  if (err instanceof DomainError) return explainError(err);
  throw err;
}

const notFoundSync = () => new DomainError('NOT_FOUND', 'Không tìm thấy hồ sơ đồng bộ lỗi.');

function send(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  void reply.header('cache-control', 'private, no-store');
  void reply.header('referrer-policy', 'same-origin');
  return reply.status(status).type('text/html; charset=utf-8').send(body.value);
}

function sendPdf(reply: FastifyReply, file: PdfFile): FastifyReply {
  void reply.header('cache-control', 'private, no-store');
  // A download the clerk opens and prints (a browser's PDF viewer is not always there).
  void reply.header('content-disposition', `attachment; filename="${file.fileName}"`);
  return reply.type('application/pdf').send(file.content);
}

/** A console path to return to after signing in (never another site, never the login itself). */
function safeNext(next: unknown): string | null {
  return typeof next === 'string' &&
    /^\/console(\/|\?|$)/.test(next) &&
    !/^\/console\/login/.test(next) &&
    !next.includes('//')
    ? next
    : null;
}

/** "2026-03-10T16:00" from a datetime-local field, as an instant in Asia/Ho_Chi_Minh. */
const localInstant = (v: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+07:00` : v);

/**
 * The staff console: server-rendered pages over the same services as the API, with the
 * same roles and unit scoping (the services apply them from the signed-in user). Not part of the
 * HTTP API: excluded from OpenAPI and from the /api/v1 prefix.
 */
@ApiExcludeController()
@Public()
@Controller('console')
export class ConsoleController {
  constructor(
    private readonly session: ConsoleSession,
    private readonly auth: AuthService,
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
    private readonly dossiers: DossiersService,
    private readonly procedures: ProceduresService,
    private readonly calendar: CalendarService,
    private readonly documents: DocumentsService,
    private readonly receipts: ReceiptService,
    private readonly alerts: AlertsService,
    private readonly reports: ReportsService,
    private readonly clock: Clock,
    private readonly scope: UnitScopeService,
    private readonly deadlines: DeadlineService,
    private readonly portalSync: PortalSyncService,
    private readonly closedPeriods: ClosedPeriodsService,
  ) {}

  /** The signed-in user with one of `roles`, or null once the reply (login redirect or 403) is sent. */
  private async require(req: FastifyRequest, reply: FastifyReply, roles: readonly Role[]): Promise<AuthUser | null> {
    const user = await this.session.user(req, reply);
    if (!user) {
      // After signing in, the page asked for (a GET; a form post goes back to its page).
      const next = req.method === 'GET' ? req.url : (req.headers.referer ?? '/console');
      let path: string;
      try {
        const u = new URL(next, 'http://x');
        path = u.pathname + u.search;
      } catch {
        path = '/console';
      }
      void reply.redirect(`/console/login?next=${encodeURIComponent(path)}`, 303);
      return null;
    }
    if (req.method === 'POST' && !this.session.sameOrigin(req)) {
      send(
        reply,
        page({ title: 'Yêu cầu bị từ chối', user, body: messagePage('Biểu mẫu không gửi từ trang này.', '/console') }),
        403,
      );
      return null;
    }
    if (!ConsoleSession.allows(user, roles)) {
      send(
        reply,
        page({
          title: 'Không có quyền',
          user,
          body: messagePage('Vai trò của bạn không dùng được trang này.', '/console'),
        }),
        403,
      );
      return null;
    }
    return user;
  }

  private async displayName(user: AuthUser): Promise<string> {
    return (await this.users.findById(user.id))?.fullName ?? user.username;
  }

  private async render(
    reply: FastifyReply,
    user: AuthUser,
    title: string,
    current: string,
    body: Html,
    flash?: { kind: 'ok' | 'error'; text: string } | null,
    status = 200,
  ) {
    return send(reply, page({ title, user, current, body, flash, displayName: await this.displayName(user) }), status);
  }

  @Get('assets/:file')
  font(@Param('file') file: string, @Res() reply: FastifyReply) {
    const name = FONT[file as keyof typeof FONT];
    if (!name) return reply.status(404).type('text/plain').send('not found');
    let data = fontCache.get(name);
    if (!data) {
      data = readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${name}`));
      fontCache.set(name, data);
    }
    void reply.header('cache-control', 'public, max-age=86400');
    return reply.type('font/ttf').send(data);
  }

  @Get()
  async home(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.session.user(req);
    if (!user) return reply.redirect('/console/login', 303);
    const start: Record<Role, string> = {
      counter_staff: '/console/queue',
      officer: '/console/queue',
      unit_head: '/console/alerts',
      reform_board: '/console/reports',
      admin: '/console/queue',
    };
    return reply.redirect(start[user.role], 303);
  }

  @Get('login')
  loginForm(@Query('next') next: string | undefined, @Res() reply: FastifyReply) {
    return send(reply, page({ title: 'Đăng nhập', user: null, body: loginPage(null, '', safeNext(next)) }));
  }

  @Post('login')
  async login(
    @Body() body: Form,
    @Query('next') next: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const username = one(body ?? {}, 'username');
    try {
      const result = await this.auth.login(username, one(body ?? {}, 'password'), {
        ip: req.ip,
        requestId: String(req.id),
      });
      this.session.start(reply, req, result.accessToken, result.expiresIn);
      const target = safeNext(next) ?? '/console';
      return reply.redirect(target, 303);
    } catch (err) {
      const status = err instanceof DomainError && err.code === 'TOO_MANY_REQUESTS' ? 429 : 401;
      const text =
        status === 429 ? 'Đăng nhập sai quá nhiều lần; hãy thử lại sau.' : 'Tên đăng nhập hoặc mật khẩu không đúng.';
      if (!(err instanceof DomainError)) throw err;
      return send(
        reply,
        page({ title: 'Đăng nhập', user: null, body: loginPage(text, username, safeNext(next)) }),
        status,
      );
    }
  }

  @Post('logout')
  logout(@Res() reply: FastifyReply) {
    this.session.end(reply);
    return reply.redirect('/console/login', 303);
  }

  // ---- counter: intake ----

  private async procedureOptions() {
    const out: { code: string; name: string }[] = [];
    let cursor: string | undefined;
    do {
      const pageOf = await this.procedures.list({ limit: 500, cursor });
      out.push(...pageOf.items.filter((p) => p.active).map((p) => ({ code: p.code, name: p.name })));
      cursor = pageOf.nextCursor ?? undefined;
    } while (cursor && out.length < 5000);
    return out;
  }

  @Get('intake')
  async intakeForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['counter_staff', 'admin']);
    if (!user) return reply;
    return this.render(
      reply,
      user,
      'Tiếp nhận hồ sơ',
      '/console/intake',
      intakePage(await this.procedureOptions(), { ...EMPTY_INTAKE, formKey: randomUUID() }, null, []),
    );
  }

  /**
   * Intake in two steps: "Xem ngày hẹn trả" shows the appointment; "Lưu" saves only if the
   * procedure and the appointment are still those shown (otherwise the new ones are shown and
   * nothing is saved). Saving uses the form's key as the Idempotency-Key and answers with a
   * redirect (post/redirect/get), so a reload or a second click never makes a second dossier.
   */
  @Post('intake')
  async intake(@Body() body: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['counter_staff', 'admin']);
    if (!user) return reply;
    const f = body ?? {};
    const formKey = /^[0-9a-f-]{36}$/i.test(one(f, 'formKey')) ? one(f, 'formKey') : randomUUID();
    const form: IntakeForm = {
      procedureCode: one(f, 'procedureCode').slice(0, 300),
      channel: one(f, 'channel') || 'direct',
      kind: one(f, 'kind') || 'citizen',
      fullName: one(f, 'fullName'),
      idNumber: one(f, 'idNumber'),
      phone: one(f, 'phone'),
      email: one(f, 'email'),
      address: one(f, 'address'),
      summary: one(f, 'summary'),
      facts: DOSSIER_FACT_KEYS.filter((k) => one(f, k) === 'true'),
      notify: NOTIFY_CHANNELS.filter((c) => one(f, `notify_${c}`) === 'true'),
      formKey,
    };
    const options = await this.procedureOptions();
    const again = (errors: string[], preview: IntakePreview | null = null, invalid = new Set<string>()) =>
      this.render(
        reply,
        user,
        'Tiếp nhận hồ sơ',
        '/console/intake',
        intakePage(options, form, preview, errors, invalid),
        null,
        errors.length && !preview ? 400 : 200,
      );
    const { match, candidates } = matchProcedure(form.procedureCode, options);
    if (!match)
      return again(
        [
          candidates.length
            ? `Có ${candidates.length} thủ tục khớp với “${form.procedureCode}”: ${candidates.map((c) => `${c.code} — ${c.name}`).join('; ')}. Hãy gõ thêm hoặc chọn một thủ tục trong danh sách.`
            : form.procedureCode
              ? `Không tìm thấy thủ tục “${form.procedureCode}”; hãy gõ mã hoặc tên thủ tục và chọn trong danh sách.`
              : 'Thủ tục: không được để trống.',
        ],
        null,
        new Set(['procedureCode']),
      );
    const procedure = await this.procedures.currentVersion(match.code);
    if (!procedure || !procedure.active)
      return again(['Không tìm thấy thủ tục; hãy chọn trong danh sách.'], null, new Set(['procedureCode']));
    const receivingUnit = user.unitId ? await this.units.findById(user.unitId) : null;
    const dtoBody = {
      procedureCode: procedure.code,
      receivingUnitCode: receivingUnit?.code ?? procedure.unitCode,
      channel: form.channel,
      applicant: {
        kind: form.kind,
        fullName: form.fullName,
        ...(form.idNumber ? { idNumber: form.idNumber } : {}),
        ...(form.phone ? { phone: form.phone } : {}),
        ...(form.email ? { email: form.email } : {}),
        ...(form.address ? { address: form.address } : {}),
      },
      ...(form.summary ? { summary: form.summary } : {}),
      ...(form.facts.length ? { flags: Object.fromEntries(form.facts.map((k) => [k, true])) } : {}),
      notify: Object.fromEntries(NOTIFY_CHANNELS.map((c) => [c, form.notify.includes(c)])),
    };
    let dto: IntakeDto;
    try {
      dto = validateDto(IntakeDto, dtoBody);
    } catch (err) {
      return again([explain(err)], null, invalidFields(err));
    }
    const idProblem = citizenIdProblem(form.kind, form.idNumber);
    if (idProblem) return again([idProblem], null, new Set(['applicant.idNumber']));
    // The consent's contacts, checked before the appointment is shown (intake checks them again).
    if ((form.notify.includes('sms') || form.notify.includes('zalo')) && !normaliseVnMobile(form.phone))
      return again(
        [
          form.phone
            ? 'Điện thoại: không phải số di động Việt Nam (0xx…, +84…); tin nhắn SMS và Zalo cần số di động. Nếu người nộp không có số di động, bỏ chọn SMS và Zalo.'
            : 'Điện thoại: tin nhắn SMS và Zalo cần số di động của người nộp.',
        ],
        null,
        new Set(['applicant.phone']),
      );
    if (form.notify.includes('email') && !form.email)
      return again(
        ['Thư điện tử: thông báo qua thư điện tử cần địa chỉ thư điện tử của người nộp.'],
        null,
        new Set(['applicant.email']),
      );
    const due = await this.calendar.due(this.clock.now(), procedure.timeLimit, procedure.intakeCutoff);
    const preview: IntakePreview = {
      procedureCode: procedure.code,
      procedureName: `${procedure.code} — ${procedure.name}`,
      clockStart: due.clockStart.toISOString(),
      dueAt: due.dueAt.toISOString(),
    };
    if (one(f, 'step') !== 'save') return again([], preview);
    // Saved only as previewed: the same procedure and the same appointment the citizen was told.
    // The day told matters (a minute's drift while the form is completed does not: the receipt and
    // the page after saving give the exact instant saved); crossing a cut-off, a closing time or
    // a procedure change moves the day, and then nothing is saved until the new day is shown.
    if (
      one(f, 'previewProcedure') !== preview.procedureCode ||
      one(f, 'previewDue') !== toLocalIso(new Date(preview.dueAt)).slice(0, 10)
    )
      return again(
        [
          one(f, 'previewProcedure')
            ? 'Thủ tục hoặc ngày hẹn đã thay đổi sau khi xem; hồ sơ chưa được lưu. Hãy báo lại ngày hẹn dưới đây cho người nộp rồi bấm “Lưu” lần nữa.'
            : 'Hãy xem ngày hẹn trả trước khi lưu; hồ sơ chưa được lưu.',
        ],
        preview,
      );
    try {
      await this.dossiers.intake(dto, user, `console-intake:${formKey}`);
    } catch (err) {
      // This form was saved already (then changed and sent again): show what was saved.
      if (err instanceof DomainError && err.code === 'IDEMPOTENCY_KEY_REUSED')
        return reply.redirect(`/console/intake/xong/${formKey}`, 303);
      return again([explain(err)], preview, invalidFields(err));
    }
    return reply.redirect(`/console/intake/xong/${formKey}`, 303);
  }

  /** The page after saving an intake (a reload shows it again; nothing is created). */
  @Get('intake/xong/:key')
  async intakeDone(@Param('key') key: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['counter_staff', 'admin']);
    if (!user) return reply;
    const d = /^[0-9a-f-]{36}$/i.test(key) ? await this.dossiers.intakeResult(user, `console-intake:${key}`) : null;
    if (!d)
      return this.render(
        reply,
        user,
        'Không tìm thấy',
        '/console/intake',
        messagePage('Không tìm thấy hồ sơ vừa tiếp nhận từ biểu mẫu này.', '/console/intake'),
        null,
        404,
      );
    return this.render(
      reply,
      user,
      'Đã tiếp nhận hồ sơ',
      '/console/intake',
      intakeDonePage(d, d.lookupKey ?? '', `/console/intake/xong/${key}/giay-tiep-nhan`),
    );
  }

  /** The receipt with the lookup key, right after intake: a page that prints itself. */
  @Get('intake/xong/:key/giay-tiep-nhan')
  async intakeReceipt(@Param('key') key: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['counter_staff', 'admin']);
    if (!user) return reply;
    const d = /^[0-9a-f-]{36}$/i.test(key) ? await this.dossiers.intakeResult(user, `console-intake:${key}`) : null;
    if (!d)
      return this.render(
        reply,
        user,
        'Không tìm thấy',
        '',
        messagePage('Không tìm thấy hồ sơ.', '/console/intake'),
        null,
        404,
      );
    return this.printReceipt(reply, user, d.id, d.lookupKey, `/console/intake/xong/${key}`);
  }

  /** Reprint from the dossier page: the same receipt, without the key (it was given at intake). */
  @Get('dossiers/:id/giay-tiep-nhan')
  async reprintReceipt(@Param('id', uuidPipe) id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, STAFF);
    if (!user) return reply;
    return this.printReceipt(reply, user, id, undefined, `/console/dossiers/${id}`);
  }

  /** A new lookup key (the old one stops working), printed on a new receipt. */
  @Post('dossiers/:id/cap-lai-ma-tra-cuu')
  async reissueKey(@Param('id', uuidPipe) id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['counter_staff', 'admin']);
    if (!user) return reply;
    try {
      const { lookupKey } = await this.dossiers.reissueLookupKey(id, user);
      return this.printReceipt(reply, user, id, lookupKey, `/console/dossiers/${id}`);
    } catch (err) {
      return this.dossierView(reply, user, id, { kind: 'error', text: explain(err) }, 403);
    }
  }

  private async printReceipt(
    reply: FastifyReply,
    user: AuthUser,
    id: string,
    lookupKey: string | undefined,
    back: string,
  ) {
    try {
      const model = await this.receipts.model(id, user, lookupKey);
      return send(reply, await receiptPrintPage(model, back, `/console/dossiers/${id}/receipt.pdf`));
    } catch (err) {
      return this.render(reply, user, 'Không tìm thấy', '', messagePage(explain(err), '/console/queue'), null, 404);
    }
  }

  @Get('dossiers/:id/receipt.pdf')
  async receiptPdf(@Param('id', uuidPipe) id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, STAFF);
    if (!user) return reply;
    return this.pdfOr404(reply, user, () => this.receipts.receipt(id, user));
  }

  @Post('dossiers/:id/receipt')
  async receipt(
    @Param('id', uuidPipe) id: string,
    @Body() body: Form,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.require(req, reply, STAFF);
    if (!user) return reply;
    return this.pdfOr404(reply, user, () => this.receipts.receipt(id, user, one(body ?? {}, 'lookupKey') || undefined));
  }

  private async pdfOr404(reply: FastifyReply, user: AuthUser, make: () => Promise<PdfFile>) {
    try {
      return sendPdf(reply, await make());
    } catch (err) {
      return this.render(reply, user, 'Không tìm thấy', '', messagePage(explain(err), '/console/queue'), null, 404);
    }
  }

  // ---- work queue and dossier ----

  /** Units a queue may be filtered by (the current step's unit): the catalogue, in code order. */
  private async unitOptions(): Promise<FilterOption[]> {
    const out: FilterOption[] = [];
    let after: string | undefined;
    for (;;) {
      const units = await this.units.list({ limit: 500, afterCode: after });
      out.push(...units.slice(0, 500).map((u) => ({ value: u.code, label: `${u.code} — ${u.name}` })));
      if (units.length <= 500 || out.length >= 5000) return out;
      after = units[499].code;
    }
  }

  /** Assignees a queue may be filtered by: active staff of the user's unit and the units under it. */
  private async assigneeOptions(user: AuthUser): Promise<FilterOption[]> {
    const unitIds =
      user.role === 'admin' || user.role === 'reform_board' || !user.unitId
        ? null
        : await this.scope.subtree(user.unitId);
    const users = await this.users.list({ limit: 1000, unitIds });
    return users
      .filter((u) => u.active && (u.role === 'officer' || u.role === 'unit_head' || u.role === 'counter_staff'))
      .map((u) => ({ value: u.id, label: u.fullName }))
      .sort((a, b) => a.label.localeCompare(b.label, 'vi'));
  }

  /**
   * The work queue (issue 19): the same list as `GET /dossiers` with the user's scope, ordered by
   * urgency and paged by its cursor (50 a page; "Trang trước" walks back the cursors kept in the
   * link), filtered by status, current step unit, assignee, procedure and timeliness. The filters
   * are remembered for the signed-in user (QueueFilters): opening the queue without parameters
   * restores them; "Bỏ lọc" clears them.
   */
  @Get('queue')
  async queue(@Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, STAFF);
    if (!user) return reply;
    if (q.clear !== undefined) {
      QueueFilters.forget(reply, req);
      return reply.redirect('/console/queue', 303);
    }
    const given = QueueFilters.given(q);
    if (!given && q.code === undefined && q.cursor === undefined) {
      const saved = QueueFilters.saved(req, user);
      if (saved) return reply.redirect(`/console/queue?${saved}`, 303);
    }
    const filters = QueueFilters.from(q);
    if (given) QueueFilters.remember(reply, req, user, filters);
    const code = (q.code ?? '').trim().slice(0, 80);
    const paging = QueuePaging.from(q);
    const query: Record<string, unknown> = { limit: QUEUE_PAGE_SIZE };
    // A search looks in every status (a citizen collecting a result, a closed case); the counter's
    // default queue is its own work; "open" is every dossier still being handled.
    const counterWork = !code && !filters.status && user.role === 'counter_staff';
    if (filters.status === 'open' || (!filters.status && !code && !counterWork)) query.status = OPEN_STATUSES;
    else if (filters.status) query.status = filters.status;
    if (filters.procedure) query.procedureCode = filters.procedure;
    if (filters.timeliness) query.timeliness = filters.timeliness;
    if (paging.cursor) query.cursor = paging.cursor;
    const bad = (text: string) =>
      this.render(
        reply,
        user,
        'Hồ sơ cần xử lý',
        '/console/queue',
        messagePage(text, '/console/queue?clear'),
        null,
        400,
      );
    let result: { items: DossierDto[]; nextCursor: string | null } = { items: [], nextCursor: null };
    if (code && searchFold(code).replace(/\s/g, '').length < 3)
      return bad('Hãy nhập ít nhất 3 ký tự để tìm (mã hồ sơ, họ tên, số định danh hoặc số điện thoại).');
    try {
      const list = validateDto(ListDossiersQuery, query);
      if (filters.assignee && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(filters.assignee))
        return bad('Người xử lý không hợp lệ.');
      const stepUnit = filters.stepUnit ? await this.units.findByCode(filters.stepUnit) : null;
      // An unknown unit matches nothing, as an unknown unitCode does in the API.
      if (!filters.stepUnit || stepUnit)
        result = await this.dossiers.list(list, user, {
          order: 'urgency',
          search: code || undefined,
          counterWork,
          currentStepUnitId: stepUnit?.id,
          currentAssigneeId: filters.assignee || undefined,
        });
    } catch (err) {
      return bad(explain(err));
    }
    const [units, assignees, procedures] = await Promise.all([
      this.unitOptions(),
      this.assigneeOptions(user),
      this.procedureOptions(),
    ]);
    return this.render(
      reply,
      user,
      'Hồ sơ cần xử lý',
      '/console/queue',
      queuePage({
        items: result.items,
        code,
        filters,
        options: {
          units,
          assignees,
          procedures: procedures.map((p) => ({ value: p.code, label: `${p.code} — ${p.name}` })),
        },
        page: paging.number,
        previous: paging.previousHref(filters, code),
        next: result.nextCursor === null ? null : paging.nextHref(filters, code, result.nextCursor),
        late: await this.lateness(result.items, user),
        role: user.role,
        procedureNames: new Map(procedures.map((p) => [p.code, p.name])),
      }),
    );
  }

  /** How late the overdue ones of `items` are (the service measures it on their clocks). */
  private lateness(items: DossierDto[], user: AuthUser) {
    const overdue = items.filter((d) => d.timeliness === 'overdue').map((d) => d.id);
    return this.dossiers.overdueWorkingMinutes(overdue, user);
  }

  private async dossierView(
    reply: FastifyReply,
    user: AuthUser,
    id: string,
    flash: { kind: 'ok' | 'error'; text: string } | null,
    status = 200,
    typed: TypedAction | null = null,
  ) {
    let d: DossierDto;
    try {
      d = await this.dossiers.get(id, user);
    } catch (err) {
      return this.render(
        reply,
        user,
        'Không tìm thấy hồ sơ',
        '',
        messagePage(explain(err), '/console/queue'),
        null,
        404,
      );
    }
    const [events, allowed, procedure] = await Promise.all([
      this.dossiers.events(id, user),
      this.dossiers.allowedActions(id, user),
      this.procedures.currentVersion(d.procedureCode).catch(() => null),
    ]);
    const actorIds = [...new Set(events.map((e) => e.actorUserId).filter((x): x is string => !!x))];
    const names = new Map<string, string>();
    for (const a of actorIds) names.set(a, (await this.users.findById(a))?.fullName ?? '');
    // Units an extension letter may name responsible: the receiving unit and the current step's.
    const units = await this.units.findByCodes([
      ...new Set([d.receivingUnitCode, ...(d.currentStep ? [d.currentStep.unitCode] : [])]),
    ]);
    // An extension is issued before the deadline (docs/domain.md): once overdue, it is not offered
    // (saying why) rather than refused after the form is filled.
    const refused: { action: LiveAction; why: string }[] = [];
    let actions = allowed;
    if (allowed.includes('extend') && d.timeliness === 'overdue') {
      actions = allowed.filter((a) => a !== 'extend');
      refused.push({
        action: 'extend',
        why: 'hồ sơ đã quá hạn; chỉ được xin lỗi và gia hạn trước thời hạn giải quyết.',
      });
    } else if (
      allowed.includes('extend') &&
      d.extensionCount >= this.dossiers.foldPolicy(Date.parse(d.receivedAt)).maxExtensions
    ) {
      actions = allowed.filter((a) => a !== 'extend');
      refused.push({ action: 'extend', why: 'hồ sơ đã được gia hạn; không được gia hạn thêm.' });
    }
    const lastAsk = [...events].reverse().find((e) => e.action === 'request_supplement');
    const asked =
      d.status === 'awaiting_supplement' && lastAsk
        ? {
            at: lastAsk.at,
            reason: typeof lastAsk.payload.reason === 'string' ? lastAsk.payload.reason : '',
            items: Array.isArray(lastAsk.payload.items) ? lastAsk.payload.items.map(String) : [],
          }
        : null;
    const receivingUnit = units.find((u) => u.code === d.receivingUnitCode);
    const counter =
      user.role === 'admin' || (user.role === 'counter_staff' && !!receivingUnit && receivingUnit.id === user.unitId);
    return this.render(
      reply,
      user,
      `Hồ sơ ${d.code}`,
      '/console/queue',
      dossierPage({
        d,
        procedureName: procedure?.name ?? null,
        events,
        names,
        actions,
        refused,
        context: {
          units: units.map((u) => ({ code: u.code, name: u.name })),
          defaultResponsibleUnit: d.currentStep?.unitCode ?? null,
          typed,
          asked,
          formKey: () => randomUUID(),
        },
        late: await this.lateness([d], user),
        deadline: await this.deadlines.explain(id, user).catch(() => null),
        counter,
      }),
      flash,
      status,
    );
  }

  @Get('dossiers/:id')
  async dossier(
    @Param('id', uuidPipe) id: string,
    @Query('done') done: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.require(req, reply, [...STAFF, 'reform_board']);
    if (!user) return reply;
    const label = done && Object.hasOwn(ACTION_LABELS, done) ? ACTION_LABELS[done] : undefined;
    return this.dossierView(reply, user, id, label ? { kind: 'ok', text: `Đã thực hiện: ${label}.` } : null);
  }

  /**
   * An action from the dossier page. The form's key is the Idempotency-Key (a double click or a
   * resent form acts once); success redirects (post/redirect/get); a failure shows the page
   * again with the form open and what was typed in it, on a version conflict with the new version.
   */
  @Post('dossiers/:id/actions/:action')
  async act(
    @Param('id', uuidPipe) id: string,
    @Param('action') action: string,
    @Body() body: Form,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.require(req, reply, STAFF);
    if (!user) return reply;
    if (!(action in ACTION_DTOS))
      return this.dossierView(reply, user, id, { kind: 'error', text: 'Thao tác không hợp lệ.' }, 400);
    const f = body ?? {};
    const typed: TypedAction = { action, values: {} };
    for (const k of [
      'note',
      'reason',
      'items',
      'amount',
      'paidOnline',
      'newPromisedAt',
      'resultSummary',
      'responsibleUnitCode',
      'text',
      'dueAt',
      'documentRef',
    ])
      if (one(f, k)) typed.values[k] = one(f, k).slice(0, 4000);
    const payload: Record<string, unknown> = { expectedVersion: Number(one(f, 'expectedVersion')) };
    for (const k of ['note', 'reason', 'resultSummary', 'responsibleUnitCode', 'text', 'documentRef'])
      if (one(f, k)) payload[k] = one(f, k);
    if (action === 'request_supplement')
      payload.items = one(f, 'items')
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean);
    if (action === 'request_payment') payload.amount = one(f, 'amount') === '' ? NaN : Number(one(f, 'amount'));
    if (action === 'confirm_payment') payload.paidOnline = one(f, 'paidOnline') === 'true';
    if (action === 'resolve') {
      payload.electronicResult = one(f, 'electronicResult') === 'true';
      if (one(f, 'resultFileUrl').trim()) payload.resultFileUrl = one(f, 'resultFileUrl').trim();
    }
    // The 766 facts: a form that shows them says each one (ticked or not), as the dossier now has them.
    if (one(f, 'facts') === '1') for (const k of DOSSIER_FACT_KEYS) payload[k] = one(f, k) === 'true';
    if (action === 'extend') payload.newPromisedAt = localInstant(one(f, 'newPromisedAt'));
    if (action === 'correct_deadline') payload.dueAt = localInstant(one(f, 'dueAt'));
    const formKey = /^[0-9a-f-]{36}$/i.test(one(f, 'formKey')) ? `console-action:${one(f, 'formKey')}` : undefined;
    try {
      const dto = validateDto(ACTION_DTOS[action as LiveAction] as new () => { expectedVersion: number }, payload);
      await this.dossiers.act(id, action as LiveAction, { ...dto }, user, formKey);
    } catch (err) {
      const conflict = err instanceof DomainError && err.code === 'VERSION_CONFLICT';
      const status = err instanceof DomainError && err.code === 'NOT_FOUND' ? 404 : conflict ? 409 : 400;
      return this.dossierView(reply, user, id, { kind: 'error', text: explain(err) }, status, typed);
    }
    return reply.redirect(`/console/dossiers/${id}?done=${encodeURIComponent(action)}`, 303);
  }

  @Get('dossiers/:id/control-slip.pdf')
  async slip(@Param('id', uuidPipe) id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, [...STAFF, 'reform_board']);
    if (!user) return reply;
    return this.pdfOr404(reply, user, () => this.documents.controlSlip(id, user));
  }

  @Get('dossiers/:id/extension-letter/:n')
  async letter(
    @Param('id', uuidPipe) id: string,
    @Param('n') n: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.require(req, reply, [...STAFF, 'reform_board']);
    if (!user) return reply;
    const number = Number(n.replace(/\.pdf$/, ''));
    return this.pdfOr404(reply, user, () =>
      this.documents.extensionLetter(id, Number.isInteger(number) ? number : 0, user),
    );
  }

  // ---- heads: alerts and boards ----

  /**
   * The inbox: one row per alert (a dossier, kind and deadline), though every recipient (the head,
   * each board member) has a copy; the user's own copy when there is one, so "Đã xem" marks theirs.
   */
  private async inbox(user: AuthUser, onlyOpen: boolean): Promise<AlertDto[]> {
    const q = validateDto(ListAlertsQuery, { limit: 500, ...(onlyOpen ? { open: 'true' } : {}) });
    const result = await this.alerts.list(q, user);
    const one = new Map<string, AlertDto>();
    for (const a of result.items) {
      const key = `${a.dossierId ?? ''}|${a.kind}|${a.deadlineAt}|${a.unitCode ?? ''}`;
      const seen = one.get(key);
      if (!seen || (seen.recipientUserId !== user.id && a.recipientUserId === user.id)) one.set(key, a);
    }
    return [...one.values()];
  }

  @Get('alerts')
  async alertsInbox(
    @Query('open') open: string | undefined,
    @Query('ack') ack: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.require(req, reply, [...STAFF, 'reform_board']);
    if (!user) return reply;
    const onlyOpen = open !== 'false';
    const items = await this.inbox(user, onlyOpen);
    const acked = ack ? items.find((a) => a.id === ack) : undefined;
    const flash = acked
      ? {
          kind: 'ok' as const,
          text: `Đã đánh dấu đã xem: ${ALERT_LABELS[acked.kind] ?? acked.kind}${acked.dossierCode ? ` của hồ sơ ${acked.dossierCode}` : ''}.`,
        }
      : null;
    return this.render(
      reply,
      user,
      'Cảnh báo',
      '/console/alerts',
      alertsPage(items, onlyOpen, acked?.id ?? null),
      flash,
    );
  }

  @Post('alerts/:id/acknowledge')
  async acknowledge(@Param('id', uuidPipe) id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, [...STAFF, 'reform_board']);
    if (!user) return reply;
    try {
      await this.alerts.acknowledge(id, user);
    } catch (err) {
      return this.render(
        reply,
        user,
        'Cảnh báo',
        '/console/alerts',
        alertsPage(await this.inbox(user, true), true, null),
        { kind: 'error', text: explain(err) },
        404,
      );
    }
    // Back to the same row, with a confirmation.
    return reply.redirect(`/console/alerts?ack=${encodeURIComponent(id)}#alert-${encodeURIComponent(id)}`, 303);
  }

  // ---- admins: the failed-sync list (hồ sơ đồng bộ lỗi) ----

  private async portalSyncView(
    reply: FastifyReply,
    user: AuthUser,
    cursor: string | undefined,
    flash: { kind: 'ok' | 'error'; text: string } | null,
    status = 200,
  ) {
    let list;
    try {
      list = await this.portalSync.failures(100, cursor || undefined);
    } catch (err) {
      list = await this.portalSync.failures(100);
      flash = { kind: 'error', text: explain(err) };
    }
    return this.render(
      reply,
      user,
      'Hồ sơ đồng bộ lỗi',
      '/console/portal-sync',
      portalSyncPage(list.items, await this.portalSync.status(), list.nextCursor),
      flash,
      status,
    );
  }

  @Get('portal-sync')
  async portalSyncList(@Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['admin']);
    if (!user) return reply;
    const n = Number(q.queued);
    const flash =
      q.queued !== undefined && Number.isInteger(n) && n >= 0
        ? { kind: 'ok' as const, text: `Đã đưa ${n} hồ sơ vào hàng đợi đồng bộ lại.` }
        : null;
    return this.portalSyncView(reply, user, q.cursor, flash);
  }

  @Post('portal-sync/retry')
  async portalSyncRetryAll(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['admin']);
    if (!user) return reply;
    try {
      const { queued } = await this.portalSync.retryAll();
      return reply.redirect(`/console/portal-sync?queued=${queued}`, 303);
    } catch (err) {
      return this.portalSyncView(reply, user, undefined, { kind: 'error', text: explain(err) }, 503);
    }
  }

  @Post('portal-sync/:dossierId/retry')
  async portalSyncRetry(@Param('dossierId') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['admin']);
    if (!user) return reply;
    try {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFoundSync();
      const { queued } = await this.portalSync.retryOne(id);
      return reply.redirect(`/console/portal-sync?queued=${queued}`, 303);
    } catch (err) {
      const status = err instanceof DomainError && err.code === 'NOT_FOUND' ? 404 : 503;
      return this.portalSyncView(reply, user, undefined, { kind: 'error', text: explain(err) }, status);
    }
  }

  @Get('boards')
  async boards(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['unit_head', 'reform_board', 'admin']);
    if (!user) return reply;
    const overdue = await this.dossiers.list(
      validateDto(ListDossiersQuery, { limit: 500, timeliness: 'overdue' }),
      user,
    );
    const stalled = await this.alerts.list(
      validateDto(ListAlertsQuery, { limit: 500, kind: 'stalled', open: 'true' }),
      user,
    );
    return this.render(
      reply,
      user,
      'Hồ sơ quá hạn và chậm xử lý',
      '/console/boards',
      boardsPage(overdue.items, stalled.items, await this.lateness(overdue.items, user)),
    );
  }

  // ---- reform board: reports ----

  @Get('reports')
  async reportsView(@Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['reform_board', 'unit_head', 'admin']);
    if (!user) return reply;
    const now = new Date(this.clock.now().getTime() + 7 * 3_600_000);
    const period = (q.period ?? '').trim() || `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
    const unitCode = (q.unitCode ?? '').trim();
    try {
      const scope = unitCode ? { unitCode } : {};
      // A closed period answers from its snapshot, as the API does (closed-periods.service).
      const processing = await this.closedPeriods.processing(validateDto(ProcessingQuery, { period, ...scope }), user);
      const index = await this.closedPeriods.index(validateDto(IndexQuery, { period, ...scope }), user);
      const year = period.slice(0, 4);
      const trend: TrendPoint[] = [];
      for (let m = 1; m <= 12; m++) {
        const label = `${year}-${String(m).padStart(2, '0')}`;
        const r = await this.closedPeriods.processing(validateDto(ProcessingQuery, { period: label, ...scope }), user);
        const t = r.total;
        trend.push({
          label: `T${m}`,
          onTimeShare: t.resolvedTotal ? (t.resolvedEarly + t.resolvedOnTime) / t.resolvedTotal : null,
        });
      }
      return this.render(
        reply,
        user,
        'Báo cáo',
        '/console/reports',
        reportsPage(period, unitCode, processing, index, trend, ConsoleSession.allows(user, ['reform_board', 'admin'])),
      );
    } catch (err) {
      return this.reportsError(reply, user, explain(err));
    }
  }

  private reportsError(reply: FastifyReply, user: AuthUser, text: string) {
    return this.render(reply, user, 'Báo cáo', '/console/reports', messagePage(text, '/console/reports'), null, 400);
  }

  @Get('reports/export')
  async exportReport(@Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['reform_board', 'unit_head', 'admin']);
    if (!user) return reply;
    const format = q.format as ExportFormat;
    if (!['csv', 'xlsx', 'pdf'].includes(format)) return this.reportsError(reply, user, 'Định dạng không hợp lệ.');
    const base = { period: q.period, ...(q.unitCode ? { unitCode: q.unitCode } : {}) };
    try {
      const file =
        q.report === 'index'
          ? await renderIndex(await this.closedPeriods.index(validateDto(IndexQuery, base), user), format)
          : q.report === 'officials'
            ? await renderOfficials(await this.reports.officials(validateDto(OfficialsQuery, base), user), format)
            : await renderProcessing(
                await this.closedPeriods.processing(validateDto(ProcessingQuery, base), user),
                format,
              );
      void reply.header('cache-control', 'private, no-store');
      void reply.header('content-disposition', `attachment; filename="${file.fileName}"`);
      return reply.type(file.contentType).send(file.body);
    } catch (err) {
      return this.reportsError(reply, user, explain(err));
    }
  }

  // ---- reform board and admins: closed periods (chốt số liệu) ----

  /** A period label as typed, checked as the API checks it; a Vietnamese error otherwise. */
  private periodLabel(typed: string): string {
    if (!typed) throw new DomainError('VALIDATION_FAILED', 'Kỳ báo cáo: không được để trống.');
    return validateDto(PeriodParam, { period: typed }).period;
  }

  private async periodsView(
    reply: FastifyReply,
    user: AuthUser,
    typed: string,
    flash: { kind: 'ok' | 'error'; text: string } | null,
    status = 200,
    invalid = false,
  ) {
    const { items } = await this.closedPeriods.list();
    return this.render(
      reply,
      user,
      'Chốt số liệu kỳ báo cáo',
      '/console/periods',
      periodsPage(items, typed, invalid),
      flash,
      status,
    );
  }

  @Get('periods')
  async periodsList(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['reform_board', 'admin']);
    if (!user) return reply;
    return this.periodsView(reply, user, '', null);
  }

  @Post('periods/close')
  async periodClose(@Body() body: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.require(req, reply, ['reform_board', 'admin']);
    if (!user) return reply;
    const typed = one(body ?? {}, 'period').slice(0, 40);
    try {
      const closed = await this.closedPeriods.close(this.periodLabel(typed), user);
      return reply.redirect(`/console/periods/${encodeURIComponent(closed.period)}?closed=${closed.version}`, 303);
    } catch (err) {
      const status = err instanceof DomainError ? err.status : 500;
      const invalid = err instanceof DomainError && err.code === 'VALIDATION_FAILED';
      return this.periodsView(reply, user, typed, { kind: 'error', text: explain(err) }, status, invalid);
    }
  }

  /** One period: its versions, adjustments and (admins) the reopening. Null once a 400/404 is sent. */
  private async periodView(
    reply: FastifyReply,
    user: AuthUser,
    period: string,
    opts: {
      flash?: { kind: 'ok' | 'error'; text: string } | null;
      status?: number;
      figure?: string;
      page?: number;
      reason?: string;
      reasonInvalid?: boolean;
      flashOf?: (versions: ClosedPeriodDto[]) => { kind: 'ok' | 'error'; text: string } | null;
    } = {},
  ) {
    let label: string;
    try {
      label = this.periodLabel(period);
    } catch (err) {
      return this.render(
        reply,
        user,
        'Chốt số liệu kỳ báo cáo',
        '/console/periods',
        messagePage(explain(err), '/console/periods'),
        null,
        400,
      );
    }
    const versions = (await this.closedPeriods.list()).items.filter((v) => v.period === label);
    if (!versions.length)
      return this.render(
        reply,
        user,
        'Chốt số liệu kỳ báo cáo',
        '/console/periods',
        messagePage(`Kỳ báo cáo ${label} chưa được chốt số liệu.`, '/console/periods'),
        null,
        404,
      );
    const { items } = await this.closedPeriods.adjustments(label);
    const figure = opts.figure && items.some((a) => a.figure === opts.figure) ? opts.figure : '';
    return this.render(
      reply,
      user,
      `Kỳ báo cáo ${label}: số liệu đã chốt và điều chỉnh`,
      '/console/periods',
      periodPage({
        period: label,
        versions,
        items,
        figure,
        page: opts.page ?? 1,
        canReopen: ConsoleSession.allows(user, ['admin']),
        reason: opts.reason ?? '',
        reasonInvalid: opts.reasonInvalid ?? false,
      }),
      opts.flash ?? opts.flashOf?.(versions) ?? null,
      opts.status ?? 200,
    );
  }

  @Get('periods/:period')
  async periodShow(
    @Param('period') period: string,
    @Query() q: Record<string, string>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.require(req, reply, ['reform_board', 'admin']);
    if (!user) return reply;
    const page = Number(q.page);
    const said = (key: 'closed' | 'reopened') => (q[key] !== undefined ? Number(q[key]) : NaN);
    return this.periodView(reply, user, period, {
      figure: typeof q.figure === 'string' ? q.figure : '',
      page: Number.isInteger(page) && page > 0 ? page : 1,
      // The confirmation after a redirect, for a version that is there as said.
      flashOf: (versions) => {
        const closed = versions.find((v) => v.version === said('closed') && v.status === 'closed');
        if (closed)
          return {
            kind: 'ok',
            text: `Đã chốt số liệu kỳ ${closed.period} (phiên bản ${closed.version}, mã kiểm tra ${closed.hash.slice(0, 12)}…).`,
          };
        const reopened = versions.find((v) => v.version === said('reopened') && v.status === 'reopened');
        if (reopened)
          return {
            kind: 'ok',
            text: `Đã mở lại kỳ ${reopened.period} (phiên bản ${reopened.version}); báo cáo của kỳ tính theo dữ liệu hiện tại cho đến khi chốt lại.`,
          };
        return null;
      },
    });
  }

  /**
   * Reopening (admins): the reason is asked on the period's page, then confirmed on a page that
   * shows what is reopened; only the confirmed form reopens (the service audits it).
   */
  @Post('periods/:period/reopen')
  async periodReopen(
    @Param('period') period: string,
    @Body() body: Form,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.require(req, reply, ['admin']);
    if (!user) return reply;
    const f = body ?? {};
    const reason = one(f, 'reason').slice(0, 4000);
    let label: string;
    let dto: ReopenPeriodDto;
    try {
      label = this.periodLabel(period);
    } catch {
      return this.periodView(reply, user, period);
    }
    try {
      dto = validateDto(ReopenPeriodDto, { reason });
    } catch (err) {
      return this.periodView(reply, user, label, {
        flash: { kind: 'error', text: explain(err) },
        status: 400,
        reason,
        reasonInvalid: true,
      });
    }
    const closed = (await this.closedPeriods.list()).items.find((v) => v.period === label && v.status === 'closed');
    if (!closed)
      return this.periodView(reply, user, label, {
        flash: { kind: 'error', text: `Kỳ báo cáo ${label} chưa được chốt số liệu (hoặc đã được mở lại).` },
        status: 409,
      });
    if (one(f, 'confirm') !== 'yes') {
      const { items } = await this.closedPeriods.adjustments(label);
      return this.render(
        reply,
        user,
        `Mở lại kỳ báo cáo ${label}`,
        '/console/periods',
        reopenConfirmPage(label, closed, items.length, dto.reason.trim()),
      );
    }
    try {
      const reopened = await this.closedPeriods.reopen(label, dto.reason, user);
      return reply.redirect(`/console/periods/${encodeURIComponent(label)}?reopened=${reopened.version}`, 303);
    } catch (err) {
      return this.periodView(reply, user, label, {
        flash: { kind: 'error', text: explain(err) },
        status: err instanceof DomainError ? err.status : 500,
        reason,
      });
    }
  }
}

/** The citizens' lookup page (no sign-in; rate-limited like the public API). */
@ApiExcludeController()
@Public()
@UseGuards(PublicRateLimitGuard)
@Controller('tra-cuu')
export class PublicPageController {
  constructor(private readonly pub: PublicService) {}

  private async show(
    reply: FastifyReply,
    code: string,
    message: { kind: 'ok' | 'error'; text: string } | null,
    status = 200,
    typed: PublicTyped = {},
  ) {
    let d = null;
    if (code) {
      try {
        d = await this.pub.lookup(code);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        message ??= { kind: 'error', text: 'Không tìm thấy hồ sơ với mã này.' };
        status = 404;
      }
    }
    return send(
      reply,
      page({ title: 'Tra cứu hồ sơ thủ tục hành chính', user: null, body: publicPage(code, d, message, typed) }),
      status,
    );
  }

  /**
   * A failed rating or feedback: the dossier was found by its code (public), so a NOT_FOUND here
   * means the key was wrong; saying so reveals nothing the lookup did not. The answers stay.
   */
  private failed(reply: FastifyReply, code: string, err: unknown, typed: PublicTyped) {
    const wrongKey = err instanceof DomainError && err.code === 'NOT_FOUND';
    const text = wrongKey
      ? 'Mã tra cứu không đúng với hồ sơ này. Hãy nhập lại mã in trên giấy tiếp nhận (không phân biệt chữ hoa, chữ thường); các câu trả lời của bạn vẫn được giữ.'
      : explain(err);
    return this.show(reply, code, { kind: 'error', text }, wrongKey ? 403 : 400, { ...typed, wrongKey });
  }

  @Get()
  lookup(@Query('code') code: string | undefined, @Res() reply: FastifyReply) {
    return this.show(reply, (code ?? '').trim().slice(0, 80), null);
  }

  /** The address printed (and QR-coded) on the receipt. */
  @Get(':code')
  lookupByPath(@Param('code') code: string, @Res() reply: FastifyReply) {
    return this.show(reply, code.trim().slice(0, 80), null);
  }

  @Post(':code/danh-gia')
  async rate(@Param('code') code: string, @Body() body: Form, @Res() reply: FastifyReply) {
    const f = body ?? {};
    const typed: PublicTyped = {
      criteria: Array.from({ length: 9 }, (_, i) => one(f, `c${i}`)),
      verdict: one(f, 'verdict'),
      comment: one(f, 'comment'),
      form: 'rate',
    };
    try {
      const dto = validateDto(RateDossierDto, {
        lookupKey: one(f, 'lookupKey'),
        criteria: typed.criteria!.map((c) => (c === '' ? NaN : Number(c))),
        verdict: one(f, 'verdict'),
        ...(one(f, 'comment') ? { comment: one(f, 'comment') } : {}),
      });
      const r = await this.pub.rate(code, dto);
      return this.show(reply, code, {
        kind: 'ok',
        text: `Cảm ơn bạn đã đánh giá (${r.total}/18 điểm) lúc ${dateTime(r.ratedAt)}.`,
      });
    } catch (err) {
      return this.failed(reply, code, err, typed);
    }
  }

  @Post(':code/phan-anh')
  async feedback(@Param('code') code: string, @Body() body: Form, @Res() reply: FastifyReply) {
    const f = body ?? {};
    const typed: PublicTyped = { feedbackKind: one(f, 'kind'), content: one(f, 'content'), form: 'feedback' };
    try {
      const dto = validateDto(LodgeFeedbackDto, {
        lookupKey: one(f, 'lookupKey'),
        kind: one(f, 'kind'),
        content: one(f, 'content'),
      });
      const r = await this.pub.lodgeFeedback(code, dto);
      return this.show(reply, code, { kind: 'ok', text: `Đã nhận phản ánh; hạn xử lý: ${dateTime(r.dueAt)}.` });
    } catch (err) {
      return this.failed(reply, code, err, typed);
    }
  }
}
