import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RawServerDefault } from 'fastify';
import { DomainError } from 'src/common/domain-error';

/** Request bodies above this are refused with 413 PAYLOAD_TOO_LARGE (no JSON route needs more). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** The import route takes up to 10,000 histories in one call (about 1 KB each in practice). */
export const IMPORT_BODY_LIMIT_BYTES = 32 * 1024 * 1024;
/**
 * The DVCQG receiver takes up to 1,000 records or items per call (MAX_BATCH): a record as the
 * vendors' systems send it is about 2 KB with three attached files listed, so 1 MiB took only about
 * 500 of them. 8 MiB leaves 8 KB a record.
 */
export const FEED_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
/** Routes allowed more than BODY_LIMIT_BYTES, by their full path. */
const LARGE_BODY_ROUTES: Record<string, number> = {
  '/api/v1/imports/dossiers': IMPORT_BODY_LIMIT_BYTES,
  ...Object.fromEntries(
    ['', '/DongBoHoSoMC', '/create', '/update', '/progress'].map((p) => [
      `/api/v1/integrations/dvcqg${p}`,
      FEED_BODY_LIMIT_BYTES,
    ]),
  ),
};
/** Deeper JSON is refused before it is parsed: no DTO nests more than 4 levels, and validation recurses. */
export const MAX_JSON_DEPTH = 32;

const BODYLESS = new Set(['GET', 'HEAD']);

const nulRefused = (where: 'body' | 'url') =>
  new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
    { field: where, message: 'text may not contain the NUL character (U+0000)' },
  ]);

const hasNul = (v: unknown) => typeof v === 'string' && v.includes('\u0000');
/** A parsed urlencoded body: names to a value or to the values of a repeated name. */
const isForm = (body: unknown): body is Record<string, unknown> =>
  typeof body === 'object' && body !== null && !Buffer.isBuffer(body);

/** The media type of a content-type header, without parameters, lower-cased. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * One pass over a JSON text before it is parsed: 'too_deep' once arrays and objects nest deeper
 * than `max` (brackets inside strings do not count); 'nul' for a \u0000 escape in a string
 * (PostgreSQL text cannot hold U+0000: the statement would fail); 'lone_surrogate' for a \uD800-
 * \uDFFF escape that is not half of a pair (not Unicode text: validator's isEmail and isURL throw
 * on it); else 'ok'. Raw bytes cannot carry either: the body is decoded as UTF-8 first.
 */
export function scanJson(text: string, max: number): 'ok' | 'too_deep' | 'nul' | 'lone_surrogate' {
  const HEX4 = /^[0-9a-fA-F]{4}$/;
  const unitAt = (at: number) => {
    const hex = text.slice(at, at + 4);
    return HEX4.test(hex) ? parseInt(hex, 16) : -1;
  };
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) {
        const unit = text.charCodeAt(i + 1) === 0x75 ? unitAt(i + 2) : -1; // \uXXXX
        if (unit < 0) {
          i++; // a one-character escape (or a malformed one, left to the parser)
          continue;
        }
        if (unit === 0) return 'nul';
        if (unit >= 0xdc00 && unit <= 0xdfff) return 'lone_surrogate';
        if (unit >= 0xd800 && unit <= 0xdbff) {
          const low = text.charCodeAt(i + 6) === 0x5c && text.charCodeAt(i + 7) === 0x75 ? unitAt(i + 8) : -1;
          if (low < 0xdc00 || low > 0xdfff) return 'lone_surrogate';
          i += 6; // the low half's escape
        }
        i += 5; // u and its four hex digits
      } else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return 'too_deep';
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return 'ok';
}

/**
 * Hardening of the HTTP layer against hostile input, and the security headers of every answer.
 * Call before the routes are registered (app.init / listen), since it adjusts routes as they are added.
 *
 * - Body size: BODY_LIMIT_BYTES everywhere, more only on the routes of LARGE_BODY_ROUTES.
 * - Strict content types under the API prefix: a body must be application/json (415 otherwise).
 *   The console's HTML forms (outside the prefix) keep their urlencoded bodies.
 * - JSON nesting deeper than MAX_JSON_DEPTH is refused with 400 JSON_TOO_DEEP before parsing, so
 *   no recursive code (class-transformer, class-validator, the fold) ever sees such a body.
 * - U+0000 in a JSON string, a form field or a URL is refused with 400 VALIDATION_FAILED (PostgreSQL text cannot
 *   store it, so it would otherwise end as a 500 wherever the value reaches a statement), and so is
 *   a lone surrogate escape in a JSON string (class-validator's isEmail/isUrl threw a URIError: 500).
 */
export function registerHttpSecurity(app: NestFastifyApplication, apiPrefix: string): void {
  const fastify = app.getHttpAdapter().getInstance();
  const api = `/${apiPrefix.replace(/^\/+|\/+$/g, '')}/`;

  fastify.addHook('onRoute', (route) => {
    const limit = LARGE_BODY_ROUTES[route.url];
    if (limit !== undefined) route.bodyLimit = limit;
  });

  // Fastify's own parser (proto and constructor poisoning refused), behind a depth check. Given to
  // Nest's useBodyParser, so that Nest does not register its default one at init.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', {}, (req, raw, done) => {
    const body = raw.toString('utf8');
    const scan = scanJson(body, MAX_JSON_DEPTH);
    if (scan === 'too_deep') {
      done(
        new DomainError('JSON_TOO_DEEP', `Dữ liệu JSON lồng nhau quá ${MAX_JSON_DEPTH} cấp.`, [
          { message: `JSON nesting deeper than ${MAX_JSON_DEPTH} levels is refused` },
        ]),
        undefined,
      );
      return;
    }
    if (scan === 'nul') {
      done(nulRefused('body'), undefined);
      return;
    }
    if (scan === 'lone_surrogate') {
      done(
        new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
          { field: 'body', message: 'text must be valid Unicode (a \\uD800-\\uDFFF escape without its pair)' },
        ]),
        undefined,
      );
      return;
    }
    void parseJson(req, body, done);
  });

  fastify.addHook('onRequest', async (req) => {
    // A NUL in a path parameter or a query value would reach PostgreSQL (see scanJson); the
    // console's and the citizens' pages pass theirs to the same services.
    if (/%00/i.test(req.url)) throw nulRefused('url');
    if (!req.url.startsWith(api)) return;
    if (BODYLESS.has(req.method)) return;
    const length = req.headers['content-length'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (hasBody && mediaType(req.headers['content-type']) !== 'application/json') {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Kiểu nội dung không được hỗ trợ; hãy gửi application/json.');
    }
  });

  // The console's HTML forms (application/x-www-form-urlencoded, parsed by @fastify/formbody) can
  // carry a %00 too: refused as the JSON parser refuses it, before any service sees the value.
  fastify.addHook('preValidation', async (req) => {
    if (req.url.startsWith(api) || !isForm(req.body)) return;
    if (Object.entries(req.body).some(([k, v]) => k.includes('\u0000') || [v].flat().some(hasNul))) {
      throw nulRefused('body');
    }
  });

  fastify.addHook('onSend', async (req, reply, payload) => {
    // Everywhere (API, console, Swagger UI): no MIME sniffing, no framing, no referrer leaking codes.
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('x-frame-options', 'DENY');
    // The console's pages set their own (same-origin), so that their form posts carry an Origin.
    if (!reply.hasHeader('referrer-policy')) void reply.header('referrer-policy', 'no-referrer');
    // Ignored by browsers over plain HTTP (RFC 6797 §8.1); pins HTTPS once served through TLS.
    void reply.header('strict-transport-security', 'max-age=31536000');
    if (req.url.startsWith(api)) {
      // API answers carry personal data and tokens' views: nothing in between keeps them.
      if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
      const type = String(reply.getHeader('content-type') ?? '');
      // A JSON answer opened as a document runs nothing and is framed nowhere.
      if (type.includes('json'))
        void reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    }
    return payload;
  });
}
