import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_STATUS, type ErrorCode } from 'src/common/domain-error';
import { type HtmlErrorPages, sendError } from 'src/common/error.filter';

/**
 * Errors raised before Nest (and its global filter) sees a request: Node's HTTP parser (a request
 * line or headers too large, a malformed request line, a timeout), Fastify's router (a bad
 * percent-encoding, an over-long path parameter), Node's Expect handling and Fastify's drain on
 * shutdown. Each answers in the API's error shape, like everything else the service sends (the
 * router's refusals of an HTML page's address, asked for by a browser, as a page).
 */

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'Yêu cầu không hợp lệ.',
  REQUEST_TIMEOUT: 'Yêu cầu gửi quá chậm; vui lòng thử lại.',
  URI_TOO_LONG: 'Đường dẫn quá dài.',
  EXPECTATION_FAILED: 'Giá trị tiêu đề Expect không được hỗ trợ.',
  HEADERS_TOO_LARGE: 'Dòng yêu cầu hoặc phần tiêu đề quá lớn.',
  INTERNAL_ERROR: 'Lỗi hệ thống; vui lòng thử lại hoặc liên hệ quản trị.',
  SERVICE_UNAVAILABLE: 'Máy chủ đang dừng; vui lòng thử lại sau.',
};

export function transportErrorBody(code: ErrorCode, requestId?: string) {
  const body: { statusCode: number; code: ErrorCode; message: string; requestId?: string } = {
    statusCode: ERROR_STATUS[code],
    code,
    message: MESSAGES[code] ?? 'Yêu cầu không hợp lệ.',
  };
  if (requestId !== undefined) body.requestId = requestId;
  return body;
}

/** The code for an error Node's HTTP server reports on `clientError` (same classes as Fastify's default). */
export function clientErrorCode(err: { code?: string }): ErrorCode {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  return 'BAD_REQUEST';
}

/** Fastify's `clientErrorHandler`: the raw socket gets a whole HTTP response in our shape, then is closed. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const body = transportErrorBody(clientErrorCode(err));
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n` +
        `Connection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(err);
}

/** The code for an error Fastify passes to `frameworkErrors` (bad URL 400, path parameter too long 414, …). */
export function frameworkErrorCode(err: { code?: string; statusCode?: number }): ErrorCode {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return 'URI_TOO_LONG';
  if (typeof err.statusCode === 'number' && err.statusCode >= 500) return 'INTERNAL_ERROR';
  return 'BAD_REQUEST';
}

/**
 * Fastify's `frameworkErrors` option: what it refuses before routing (a URL that is not valid
 * percent-encoding, a path parameter over the limit). A browser asking for one of the HTML pages
 * (a mangled link, a truncated QR code) gets the page `pages` renders; everyone else the error shape.
 */
export function frameworkErrorHandler(pages: HtmlErrorPages | null = null) {
  return (err: Error & { code?: string; statusCode?: number }, req: FastifyRequest, reply: FastifyReply): void =>
    sendError(req, reply, transportErrorBody(frameworkErrorCode(err), req.id), pages);
}

/**
 * On the running server: Node's own answers that bypass Fastify (417 for an unsupported Expect; the
 * 400 for an HTTP/1.1 request without Host, which needs `requireHostHeader: false` on the server so
 * that the check below answers it instead) and Fastify's 503 while closing (`return503OnClosing`
 * off, our hook answers it).
 */
export function registerTransportErrors(fastify: FastifyInstance): void {
  fastify.server.on('checkExpectation', (_req, res) => {
    const json = JSON.stringify(transportErrorBody('EXPECTATION_FAILED'));
    res.writeHead(417, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(json),
      connection: 'close',
    });
    res.end(json);
  });
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', async (req, reply) => {
    if (closing) {
      const body = transportErrorBody('SERVICE_UNAVAILABLE', req.id);
      return reply.status(503).header('connection', 'close').type('application/json; charset=utf-8').send(body);
    }
    if (req.raw.httpVersion === '1.1' && req.headers.host === undefined) {
      const body = transportErrorBody('BAD_REQUEST', req.id);
      return reply.status(400).header('connection', 'close').type('application/json; charset=utf-8').send(body);
    }
    return undefined;
  });
}
