import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { DomainError, ErrorCode, ErrorDetail } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { databaseUnavailable } from 'src/database/unavailable';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: ErrorDetail[];
  requestId?: string;
}

const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

/** The answer to an unknown id or route: says nothing of what exists. */
export const NOT_FOUND_MESSAGE = 'Không tìm thấy.';

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: 'Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ.',
  FORBIDDEN: 'Bạn không có quyền thực hiện thao tác này.',
  NOT_FOUND: NOT_FOUND_MESSAGE,
  ROUTE_NOT_FOUND: 'Không tìm thấy đường dẫn.',
  PAYLOAD_TOO_LARGE: 'Dữ liệu gửi lên quá lớn.',
  UNSUPPORTED_MEDIA_TYPE: 'Kiểu nội dung không được hỗ trợ; hãy gửi application/json.',
  INVALID_JSON: 'Nội dung JSON không hợp lệ.',
  TOO_MANY_REQUESTS: 'Quá nhiều yêu cầu; vui lòng thử lại sau.',
  INTERNAL_ERROR: 'Lỗi hệ thống; vui lòng thử lại hoặc liên hệ quản trị.',
  SERVICE_UNAVAILABLE: 'Cơ sở dữ liệu đang quá tải hoặc tạm thời không kết nối được; vui lòng thử lại sau giây lát.',
};

/** Seconds a client is asked to wait (Retry-After) before it sends a request answered 503 again. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * Maps anything thrown to the API's error shape. Domain errors carry their code; framework and
 * Fastify errors are translated by status; anything unexpected becomes a 500 whose internals are
 * logged (with the request id) but never sent.
 */
export function toErrorBody(err: unknown, requestId: string | undefined, logger: Logger): ErrorBody {
  if (err instanceof DomainError) {
    return { statusCode: err.status, code: err.code, message: err.message, details: err.details, requestId };
  }
  const fastifyErr = err as { statusCode?: number; code?: string; message?: string };
  // Fastify's own errors (body parsing, size limit, content type), passed through Nest's handler.
  if (
    typeof fastifyErr?.code === 'string' &&
    fastifyErr.code.startsWith('FST_') &&
    typeof fastifyErr.statusCode === 'number' &&
    fastifyErr.statusCode < 500
  ) {
    const status = fastifyErr.statusCode;
    const code: ErrorCode = /JSON/.test(fastifyErr.code) ? 'INVALID_JSON' : (HTTP_CODES[status] ?? 'BAD_REQUEST');
    return { statusCode: status, code, message: MESSAGES[code] ?? 'Yêu cầu không hợp lệ.', requestId };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const raw = typeof response === 'object' && response && 'message' in response ? response.message : undefined;
    // Nest's Fastify adapter reports an unparsable JSON body as a plain 400.
    const badJson = status === 400 && /JSON/.test(typeof raw === 'string' ? raw : err.message);
    const code: ErrorCode = badJson
      ? 'INVALID_JSON'
      : (HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'));
    const message = MESSAGES[code] ?? (typeof raw === 'string' ? raw : err.message);
    return { statusCode: status, code, message, requestId };
  }
  if (err instanceof SyntaxError) {
    return { statusCode: 400, code: 'INVALID_JSON', message: MESSAGES.INVALID_JSON!, requestId };
  }
  if (databaseUnavailable(err)) {
    // Only the driver's code and message: a failed query's parameters may hold personal data.
    const inner = ((err as { driverError?: unknown }).driverError ?? err) as { code?: unknown; message?: unknown };
    logger.warn({ requestId, dbCode: inner.code, dbMessage: inner.message }, 'database unavailable: answered 503');
    return { statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: MESSAGES.SERVICE_UNAVAILABLE!, requestId };
  }
  logger.error({ err, requestId }, 'unexpected error');
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: MESSAGES.INTERNAL_ERROR!, requestId };
}

/**
 * The pages a browser opens (the staff console, the citizens' lookup) answer an error as a page:
 * a person reads it, not a client. The module that serves those pages provides this.
 */
export interface HtmlErrorPages {
  /** The page for this error of this request, or null when the URL is not one of the HTML pages. */
  render(method: string, url: string, body: ErrorBody): string | null;
}
export const HTML_ERROR_PAGES = Symbol('HTML_ERROR_PAGES');

/** A browser's navigation or form post asks for HTML; API clients ask for JSON (or nothing). */
const wantsHtml = (req: FastifyRequest | undefined) => /\btext\/html\b/.test(String(req?.headers?.accept ?? ''));

/** Sends an error: the page `pages` renders for a browser asking for one of the HTML pages, else the error shape. */
export function sendError(
  req: FastifyRequest | undefined,
  reply: FastifyReply,
  body: ErrorBody,
  pages: HtmlErrorPages | null,
): void {
  const page = pages && req && wantsHtml(req) ? pages.render(req.method, req.url, body) : null;
  if (page !== null) {
    void reply.header('cache-control', 'private, no-store');
    void reply.status(body.statusCode).type('text/html; charset=utf-8').send(page);
    return;
  }
  void reply.status(body.statusCode).type('application/json; charset=utf-8').send(body);
}

@Catch()
export class GlobalErrorFilter implements ExceptionFilter {
  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Optional() @Inject(HTML_ERROR_PAGES) private readonly pages: HtmlErrorPages | null = null,
  ) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const body = toErrorBody(exception, request?.id, this.logger);
    if (body.details === undefined) delete body.details;
    if (body.statusCode === 503 && !reply.hasHeader('retry-after'))
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    sendError(request, reply, body, this.pages);
  }
}
